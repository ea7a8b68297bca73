/**
 * PowerShell syntax checks for tests, with the tree-sitter PowerShell grammar (web-tree-sitter + the
 * grammar's wasm build: no native code, no Windows). One parser, initialised on first use.
 *
 * What it proves and what it does not: the grammar is a re-implementation, not PowerShell's own parser.
 * ERROR and MISSING nodes are reported as errors. Known gaps (found by the project's shared validators):
 * - false positive: a bare `--` argument (write `'--'`);
 * - the grammar knows only ASCII ' as a single quote; PowerShell also treats U+2018–U+201B as single
 *   quotes (CharTraits.cs). `decodeVerbatimString` below follows PowerShell's rule, so tests check both.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import type { Node, Parser as ParserType } from 'web-tree-sitter';

export interface PsSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, as tree-sitter reports it. */
  column: number;
  /** "ERROR" or `MISSING "x"`, then the start of the offending line. */
  text: string;
}

export interface PsParseResult {
  errors: PsSyntaxError[];
}

let parserPromise: Promise<ParserType> | undefined;

async function makeParser(): Promise<ParserType> {
  // Without Liftoff-only, V8's background TurboFan compile of the ~1 MB grammar keeps Node 20 alive for
  // ~10 s after the tests finish (validators/ps-check.mjs).
  setFlagsFromString('--liftoff-only');
  const { Parser, Language } = await import('web-tree-sitter');
  await Parser.init();
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'));
  const language = await Language.load(wasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

function getParser(): Promise<ParserType> {
  parserPromise ??= makeParser();
  return parserPromise;
}

function collectErrors(root: Node, lines: readonly string[]): PsSyntaxError[] {
  const out: PsSyntaxError[] = [];
  const visit = (n: Node): void => {
    if (n.isError || n.isMissing) {
      const { row, column } = n.startPosition;
      const snippet = (lines[row] ?? '').trim().slice(0, 80);
      out.push({
        line: row + 1,
        column: column + 1,
        text: `${n.isMissing ? `MISSING ${JSON.stringify(n.type)}` : 'ERROR'}: ${snippet}`,
      });
      if (n.isError) return; // children of an ERROR node add only noise
    }
    if (!n.hasError && !n.isMissing) return; // clean subtree
    for (const child of n.children) visit(child);
  };
  visit(root);
  return out;
}

/**
 * Parses `text` and calls `fn` with the root node; the tree is freed afterwards, so `fn` must not keep
 * nodes. Returns what `fn` returns.
 */
export async function withPowerShellTree<T>(text: string, fn: (root: Node) => T): Promise<T> {
  const parser = await getParser();
  const tree = parser.parse(text.replace(/^\uFEFF/, ''));
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    return fn(tree.rootNode);
  } finally {
    tree.delete();
  }
}

/** Syntax errors in `text` (ERROR and MISSING nodes); empty when the grammar accepts it. */
export function parsePowerShell(text: string): Promise<PsParseResult> {
  return withPowerShellTree(text, (root) => ({ errors: collectErrors(root, text.split(/\r?\n/)) }));
}

/** Every node of the given type, as text, in document order. */
export function nodesOfType(text: string, type: string): Promise<string[]> {
  return withPowerShellTree(text, (root) => root.descendantsOfType(type).map((n) => n.text));
}

/**
 * The name of every command the grammar sees (like validators/ps-commands.mjs). A value that was meant
 * to stay a string literal must never show up here.
 */
export function commandNames(text: string): Promise<string[]> {
  return withPowerShellTree(text, (root) => {
    const out: string[] = [];
    const walk = (n: Node): void => {
      if (n.type === 'command_name' || n.type === 'command_name_expr') out.push(n.text);
      for (const child of n.children) walk(child);
    };
    walk(root);
    return out;
  });
}

const PS_SINGLE_QUOTE = /['\u2018\u2019\u201a\u201b]/;

/**
 * The value of a verbatim string literal the way PowerShell reads it (tokenizer.cs ScanStringLiteral):
 * the literal starts with any single-quote character; inside it, a single-quote character followed by
 * another one stands for the second; a lone one ends the literal. Returns the value and how many
 * UTF-16 code units the literal spans, or undefined if it is not terminated.
 */
export function decodeVerbatimString(text: string): { value: string; length: number } | undefined {
  if (!PS_SINGLE_QUOTE.test(text.charAt(0))) return undefined;
  let value = '';
  let i = 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (PS_SINGLE_QUOTE.test(c)) {
      const next = text.charAt(i + 1);
      if (!PS_SINGLE_QUOTE.test(next)) return { value, length: i + 1 };
      value += next;
      i += 2;
      continue;
    }
    value += c;
    i += 1;
  }
  return undefined;
}
