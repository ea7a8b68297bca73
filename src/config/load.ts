/**
 * read → parse YAML → validate schema → cross-field rules. Every problem comes back with the file, line,
 * column and key it concerns; the caller decides what to do (the CLI exits 2 and changes nothing).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type Issue } from '../errors.js';
import { checkRules } from './rules.js';
import { configSchema, type Config } from './schema.js';

export type Path = readonly PropertyKey[];

export function formatKey(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Locates a key path in the YAML document: the key's own position when it exists, else the nearest parent. */
function locate(
  doc: Document,
  lc: LineCounter,
  path: Path,
  unknownKey?: string,
): { line: number; column: number } {
  let node: unknown = doc.contents;
  let pos: number | undefined = doc.contents?.range?.[0];
  const steps = unknownKey === undefined ? path : [...path, unknownKey];
  for (const step of steps) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === step);
      if (!pair) break;
      const keyRange = (pair.key as Node | null)?.range;
      pos = keyRange?.[0] ?? pos;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step] as Node | undefined;
      if (!item) break;
      pos = item.range?.[0] ?? pos;
      node = item;
    } else break;
  }
  const lp = lc.linePos(pos ?? 0);
  return { line: lp.line, column: lp.col };
}

function zodIssues(file: string, doc: Document, lc: LineCounter, error: z.ZodError): Issue[] {
  const out: Issue[] = [];
  for (const iss of error.issues) {
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) {
        out.push({
          file,
          ...locate(doc, lc, iss.path, k),
          key: formatKey([...iss.path, k]),
          message: 'unknown key (check its spelling; see switchyard.example.yaml for every key)',
        });
      }
      continue;
    }
    let message = iss.message;
    if (iss.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
    else if (iss.code === 'invalid_union') message = 'is not valid here: ' + describeUnion(iss);
    out.push({ file, ...locate(doc, lc, iss.path), key: formatKey(iss.path), message });
  }
  return out;
}

/** A union's error lists each branch's complaint; say them in one readable line. */
function describeUnion(iss: z.core.$ZodIssueInvalidUnion): string {
  const seen = new Set<string>();
  for (const branch of iss.errors)
    for (const e of branch) seen.add(e.message.replace(/^Invalid input: /, ''));
  return [...seen].join('; or ');
}

/** Parses config text; `file` is only used in messages. Throws ConfigError with every problem found. */
export function parseConfig(
  text: string,
  file: string,
  /** The platform the config will run on (switch names are Linux interface names elsewhere than Windows). */
  platform: NodeJS.Platform = process.platform,
): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const lp = lc.linePos(e.pos[0]);
        return { file, line: lp.line, column: lp.col, message: `YAML: ${e.message.split('\n')[0]!}` };
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(zodIssues(file, doc, lc, parsed.error));
  const problems = checkRules(parsed.data, platform);
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((p) => ({ file, ...locate(doc, lc, p.path), key: formatKey(p.path), message: p.message })),
    );
  }
  return parsed.data;
}

export async function loadConfig(
  file: string,
  platform: NodeJS.Platform = process.platform,
): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError([
      { file, message: code === 'ENOENT' ? 'no such file' : `cannot read: ${String(e)}` },
    ]);
  }
  const config = parseConfig(text, file, platform);
  // A relative stateDir means the folder beside the config, not wherever the command happens to run.
  if (config.stateDir !== undefined && !isAbsolute(config.stateDir))
    config.stateDir = resolve(dirname(resolve(file)), config.stateDir);
  return config;
}
