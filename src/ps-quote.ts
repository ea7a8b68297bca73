/**
 * PowerShell literals for values that come from outside the program (config files, the command line, the
 * host). Every such value reaches a generated script through these functions (or as JSON data the script
 * parses), never spliced into script text raw.
 *
 * Strings become verbatim (single-quoted) literals: inside '…' PowerShell expands nothing — no `$var`,
 * no `$(…)`, no backtick escapes, no comments — and the only special characters are the single quotes
 * themselves. PowerShell's tokenizer treats FIVE characters as single quotes, not one
 * (PowerShell/PowerShell src/System.Management.Automation/engine/parser/CharTraits.cs, IsSingleQuote):
 * U+0027 ' and the typographic U+2018 ‘, U+2019 ’, U+201A ‚, U+201B ‛. Any of them ends a verbatim string
 * unless the next character is also one of them, in which case the pair stands for the second character
 * (tokenizer.cs, ScanStringLiteral: "Check for 2 quotes in a row. If so, the first is the escape and
 * append the second quote"). So doubling each of the five keeps the value intact: ’’ reads back as ’.
 * Quoting only ASCII ' would let a value such as `x’; Remove-Item …` close the literal early.
 */
import { InternalError } from './errors.js';

/** The characters PowerShell's tokenizer treats as single quotes (CharTraits.cs IsSingleQuote). */
export const SINGLE_QUOTES: readonly string[] = ['\u0027', '\u2018', '\u2019', '\u201a', '\u201b'];

const QUOTE_RE = /['\u2018\u2019\u201a\u201b]/g;
// A lone surrogate (high not followed by low, or low not preceded by high).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` cannot be a PowerShell string literal, or undefined when it can. */
export function psStringProblem(s: string): string | undefined {
  if (s.includes('\0')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'is not well-formed Unicode (lone surrogate)';
  return undefined;
}

/**
 * `s` as a verbatim PowerShell string literal: '…' with each of the five single-quote characters doubled.
 * Newlines, `$`, backticks, `#`, `;` and every other character stay as they are: none is special inside
 * '…'. Refuses NUL (PowerShell's tokenizer treats NUL as a possible end of input, and a NUL cannot cross
 * a Windows command line) and lone surrogates (they do not survive UTF-8 anywhere on the way).
 */
export function psString(s: string): string {
  const problem = psStringProblem(s);
  if (problem !== undefined) {
    throw new InternalError(
      `cannot pass a string to PowerShell: it ${problem}: ${JSON.stringify(s.slice(0, 60))}`,
    );
  }
  return `'${s.replace(QUOTE_RE, (q) => q + q)}'`;
}

/**
 * `text` as a PowerShell line comment: `# text`, with each line break replaced by a space. A line comment
 * runs to the next CR or LF and to nothing else (PowerShell's parser, checked for VT, FF, NEL, U+2028 and
 * U+2029 too), so a value that held one could otherwise start a statement of its own.
 */
export function psComment(text: string): string {
  return `# ${text.replace(/\r\n|\r|\n/g, ' ')}`;
}

/** A value that can be written as a PowerShell data literal. */
export type PsValue =
  string | number | boolean | null | readonly PsValue[] | { readonly [key: string]: PsValue };

function psNumber(n: number): string {
  if (!Number.isFinite(n)) throw new InternalError(`cannot pass ${n} to PowerShell as a number`);
  // JavaScript's shortest round-trip form ("1e+21", "-0.5", "12") is also a PowerShell numeric literal.
  return Object.is(n, -0) ? '0' : String(n);
}

/** Any PsValue as a PowerShell expression: strings verbatim, `$true`/`$false`/`$null`, `@(…)`, `[ordered]@{…}`. */
export function psValue(v: PsValue): string {
  if (v === null) return '$null';
  if (typeof v === 'string') return psString(v);
  if (typeof v === 'number') return psNumber(v);
  if (typeof v === 'boolean') return v ? '$true' : '$false';
  if (isPsArray(v)) return psArray(v);
  return psHashtable(v);
}

function isPsArray(v: PsValue): v is readonly PsValue[] {
  return Array.isArray(v);
}

/**
 * An array literal `@(a, b, …)`. `@()` keeps a one-element or empty array an array (a bare `'a'` or `,'a'`
 * would not survive every context the same way).
 */
export function psArray(items: readonly PsValue[]): string {
  return `@(${items.map(psValue).join(', ')})`;
}

/**
 * An ordered hashtable literal `[ordered]@{ 'key' = value; … }` (key order kept, PowerShell 3+). Keys are
 * quoted like any string. PowerShell compares hashtable keys case-insensitively and rejects a literal with
 * duplicate keys at parse time, so keys that differ only in case are refused here.
 */
export function psHashtable(entries: { readonly [key: string]: PsValue }): string {
  const seen = new Map<string, string>();
  const parts: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    const folded = key.toUpperCase().toLowerCase();
    const earlier = seen.get(folded);
    if (earlier !== undefined) {
      throw new InternalError(
        `PowerShell hashtable keys are case-insensitive: ${JSON.stringify(earlier)} and ${JSON.stringify(key)} collide`,
      );
    }
    seen.set(folded, key);
    parts.push(`${psString(key)} = ${psValue(value)}`);
  }
  return parts.length === 0 ? '[ordered]@{}' : `[ordered]@{ ${parts.join('; ')} }`;
}
