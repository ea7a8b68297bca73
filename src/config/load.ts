/**
 * read → parse YAML → validate schema → cross-field rules. Every problem comes back with the file, line,
 * column and key it concerns; the caller decides what to do (the CLI exits 2 and changes nothing).
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type Issue } from '../errors.js';
import { checkRules } from './rules.js';
import { knownKeys, suggestKey } from './suggest.js';
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

function zodIssues(file: string, text: string, doc: Document, lc: LineCounter, error: z.ZodError): Issue[] {
  const out: Issue[] = [];
  // A misspelt required key (`switchs:`) would also read as the right one missing: say it once.
  const meant = new Set<string>();
  for (const iss of error.issues) {
    if (iss.code !== 'unrecognized_keys') continue;
    for (const k of iss.keys) {
      const guess = suggestKey(k, knownKeys(iss.path));
      out.push({
        file,
        ...locate(doc, lc, iss.path, k),
        key: formatKey([...iss.path, k]),
        message:
          guess !== undefined
            ? `unknown key: did you mean "${guess}"?`
            : 'unknown key (check its spelling; see switchyard.example.yaml for every key)',
      });
      if (guess !== undefined) meant.add(formatKey([...iss.path, guess]));
    }
  }
  for (const iss of error.issues) {
    if (iss.code === 'unrecognized_keys') continue;
    let message = iss.message;
    if (iss.code === 'invalid_type' && /received undefined/.test(message)) {
      if (meant.has(formatKey(iss.path))) continue;
      message = 'is required';
    } else if (iss.code === 'invalid_union') message = 'is not valid here: ' + describeUnion(iss);
    const asNumber = numberWritten(text, doc, iss.path);
    if (asNumber !== undefined && iss.path.at(-1) === 'mac')
      message = `YAML reads ${asNumber} as a number (leading zeros lost): quote it, "${asNumber}"`;
    out.push({ file, ...locate(doc, lc, iss.path), key: formatKey(iss.path), message });
  }
  return out;
}

/** The source text of a value YAML read as a number (an unquoted all-digit MAC), else undefined. */
function numberWritten(text: string, doc: Document, path: Path): string | undefined {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || typeof node.value !== 'number' || !node.range) return undefined;
  return text.slice(node.range[0], node.range[1]);
}

/** One order for every list of problems: the file's. */
function inLineOrder(issues: Issue[]): Issue[] {
  return issues
    .map((i, n) => ({ i, n }))
    .sort((a, b) => (a.i.line ?? 0) - (b.i.line ?? 0) || (a.i.column ?? 0) - (b.i.column ?? 0) || a.n - b.n)
    .map((x) => x.i);
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
  if (!parsed.success) throw new ConfigError(inLineOrder(zodIssues(file, text, doc, lc, parsed.error)));
  const problems = checkRules(parsed.data, platform, (path) => {
    const v: unknown = doc.getIn(path);
    return typeof v === 'string' ? v : undefined;
  });
  if (problems.length > 0) {
    throw new ConfigError(
      inLineOrder(
        problems.map((p) => ({
          file,
          ...locate(doc, lc, p.path),
          key: formatKey(p.path),
          message: p.message,
        })),
      ),
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
    throw new ConfigError([{ file, message: await unreadable(file, code, e) }]);
  }
  const config = parseConfig(text, file, platform);
  // A relative stateDir means the folder beside the config, not wherever the command happens to run.
  if (config.stateDir !== undefined && !isAbsolute(config.stateDir))
    config.stateDir = resolve(dirname(resolve(file)), config.stateDir);
  return config;
}

/** What to do when the config cannot be read: the common two are a folder, and no file yet. */
async function unreadable(file: string, code: string | undefined, e: unknown): Promise<string> {
  if (code === 'EISDIR') {
    const inside = join(file, 'switchyard.yaml');
    const has = await stat(inside).then(
      (s) => s.isFile(),
      () => false,
    );
    return has
      ? `is a folder: name the file, --config ${inside}`
      : 'is a folder, not a config file: name the file with --config FILE';
  }
  if (code === 'ENOENT')
    return 'no such file: write one (switchyard.example.yaml documents every key; only switches[].name is required), or name yours with --config FILE';
  return `cannot read: ${String(e)}`;
}
