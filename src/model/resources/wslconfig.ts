/**
 * `.wslconfig` `networkingMode=nat` (Windows, only when the config has `wsl:`). Mirrored mode cannot reach
 * other Hyper-V VMs (microsoft/WSL#11494), and the pinned NAT range is only read in NAT mode
 * (docs/windows.md#wsl-range),
 * so the user's file is made to say `nat` — edited in place, never rewritten: every other byte (comments,
 * order, blank lines, CRLF, `\\` in paths, a leading BOM) stays as the user wrote it. ini-api holds the lines
 * and their sections and writes them back byte-identically; which line WSL reads is decided here the way
 * WSL's own reader does it (microsoft/WSL src/shared/configfile/configfile.cpp, WslCoreConfig.cpp):
 * - keys are `[wsl2] networkingMode` or the legacy `[experimental] networkingMode`, compared without regard
 *   to case; the FIRST occurrence counts, later ones only draw a "duplicated" warning;
 * - only `#` starts a comment (also after a value, outside quotes) — `;` does not, so nothing here may write
 *   one; `"` quotes are removed, `\` escapes the next character; a line WSL rejects (bad escape, open quote,
 *   no `=`) is skipped as if absent;
 * - a section is `[name]` (a letter, then letters and digits), optionally indented or followed by a comment.
 * The diff is pure: observed text in, new text out; the op carries the whole new text.
 */
import { createRequire } from 'node:module';
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';

// ini-api ships no type declarations; this is the part of its API used here (README: Ini, IniSection, IniLine).
interface IniLine {
  text: string;
}
interface IniSection {
  lines: IniLine[];
}
interface Ini {
  globals: IniSection;
  sections: IniSection[];
  addSection(name: string): IniSection;
  stringify(): string;
}
interface IniApi {
  /** The line break is passed explicitly: without it ini-api falls back to the platform's for one-line text. */
  Ini: new (text: string, lineBreak: string) => Ini;
  IniLine: new (text: string) => IniLine;
}
const ini = createRequire(import.meta.url)('ini-api') as IniApi;

const SECTION = 'wsl2';
const KEYS = new Set(['wsl2.networkingmode', 'experimental.networkingmode']);
const WANT = 'nat';
const BOM = '\ufeff';

const TAKES_EFFECT =
  'WSL reads .wslconfig only when its VM starts, and the VM keeps running for a while after the last shell ' +
  'closes (the docs\' "8-second rule"): run `wsl --shutdown` for WSL to pick up networkingMode=nat';

/** What WSL makes of one line (configfile.cpp's line grammar). */
type WslLine =
  | { kind: 'other' }
  /** `[name]`, valid or not: an invalid one can still change the section WSL remembers (name: what it read). */
  | { kind: 'header'; name: string; valid: boolean }
  | { kind: 'pair'; name: string; head: string; value: WslValue | undefined };

interface WslValue {
  /** As WSL stores it: quotes removed, escapes resolved, trailing blanks trimmed. */
  value: string;
  /** The value's characters in the line, without trailing blanks. */
  raw: string;
  /** Trailing blanks and the comment after the value, kept when the value is replaced. */
  tail: string;
}

const HEADER = /^[ \t]*\[([A-Za-z][A-Za-z0-9]*)?(.?)/;
const HEADER_END = /^\][ \t]*(?:\r|#[\s\S]*)?$/;
const PAIR = /^([ \t]*([A-Za-z][A-Za-z0-9]*)[ \t]*=[ \t]*)(.*)$/s;

function classify(text: string): WslLine {
  const h = HEADER.exec(text);
  if (h) {
    const name = h[1] ?? '';
    const valid = name !== '' && HEADER_END.test(text.slice(h[0].length - (h[2] ?? '').length));
    return { kind: 'header', name, valid };
  }
  const p = PAIR.exec(text);
  if (p) return { kind: 'pair', name: p[2]!, head: p[1]!, value: parseValue(p[3]!) };
  return { kind: 'other' };
}

/** configfile.cpp's value loop; undefined for a line WSL rejects (bad escape, unclosed quote, continuation). */
function parseValue(rest: string): WslValue | undefined {
  let value = '';
  let trimmed = 0;
  let rawTrimmed = 0;
  let inQuote = false;
  let i = 0;
  for (; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === '\r') break;
    if (ch === '#' && !inQuote) break;
    if (ch === '"') inQuote = !inQuote;
    else if (ch === '\\') {
      const next = rest[i + 1];
      const escapes: Record<string, string> = { '\\': '\\', '"': '"', b: '\b', n: '\n', t: '\t' };
      const decoded = next === undefined ? undefined : escapes[next];
      // A trailing `\` continues the value on the next line; that is not followed here.
      if (decoded === undefined) return undefined;
      value += decoded;
      i++;
    } else value += ch;
    if (ch !== ' ' && ch !== '\t') {
      trimmed = value.length;
      rawTrimmed = i + 1;
    }
  }
  if (inQuote) return undefined;
  return { value: value.slice(0, trimmed), raw: rest.slice(0, rawTrimmed), tail: rest.slice(rawTrimmed) };
}

interface Located {
  section: IniSection;
  index: number;
  line: IniLine;
  wsl: WslLine;
}

/** How the text would change; undefined when WSL already reads networkingMode=nat from it. */
export interface WslConfigEdit {
  text: string;
  /** What was there: no file, no [wsl2] section, no networkingMode key, or the value WSL read. */
  was: { kind: 'no file' } | { kind: 'no section' } | { kind: 'no key' } | { kind: 'value'; raw: string };
}

/**
 * `text` (undefined = no file) edited so that WSL reads networkingMode=nat: the first networkingMode WSL
 * reads is rewritten in place; else the key is added to the first [wsl2] section, after its last key;
 * else a [wsl2] section is appended. Nothing else changes.
 */
export function wslconfigWithNat(text: string | undefined): WslConfigEdit | undefined {
  const bom = text?.startsWith(BOM) ? BOM : '';
  const body = text === undefined ? '' : text.slice(bom.length);
  const lb = body.includes('\r\n') ? '\r\n' : body.includes('\n') ? '\n' : '\r\n';
  const doc = new ini.Ini(body, lb);
  const parts = [doc.globals, ...doc.sections];
  const lines: Located[] = parts.flatMap((section) =>
    section.lines.map((line, index) => ({ section, index, line, wsl: classify(line.text) })),
  );

  // WSL's section state: the name it last read into its key buffer, cut or padded to the length of the
  // last VALID header (an invalid header such as `[wsl 2]` leaves the name it started reading there).
  let key = '';
  let sectionLength = 0;
  let first: { line: IniLine; head: string; value: WslValue } | undefined;
  for (const { line, wsl } of lines) {
    if (wsl.kind === 'header') {
      if (wsl.name !== '') key = wsl.name;
      if (wsl.valid) sectionLength = wsl.name.length;
    } else if (wsl.kind === 'pair' && wsl.value !== undefined) {
      const section = (key + '\0'.repeat(sectionLength)).slice(0, sectionLength);
      const full = sectionLength > 0 ? `${section}.${wsl.name}` : wsl.name;
      if (KEYS.has(full.toLowerCase())) {
        first = { line, head: wsl.head, value: wsl.value };
        break;
      }
    }
  }

  if (first) {
    if (first.value.value.toLowerCase() === WANT) return undefined;
    first.line.text = `${first.head}${WANT}${first.value.tail}`;
    return { text: bom + doc.stringify(), was: { kind: 'value', raw: first.value.raw } };
  }

  const newKey = `networkingMode=${WANT}`;
  const headerAt = lines.findIndex(
    (l) => l.wsl.kind === 'header' && l.wsl.valid && l.wsl.name.toLowerCase() === SECTION,
  );
  if (headerAt >= 0) {
    // After the section's last key (comments and blank lines before the next section stay where they are).
    let after = lines[headerAt]!;
    for (const l of lines.slice(headerAt + 1)) {
      if (l.wsl.kind === 'header') break;
      // Not after a line WSL rejects: one ending in `\` would continue onto the new line.
      if (l.wsl.kind === 'pair' && l.wsl.value !== undefined) after = l;
    }
    after.section.lines.splice(after.index + 1, 0, new ini.IniLine(newKey));
    return { text: bom + doc.stringify(), was: { kind: 'no key' } };
  }

  // Append a section, one blank line after the content, ending the way the file ended.
  const last = parts.filter((p) => p.lines.length > 0).at(-1);
  let endsWithBreak = true;
  if (last) {
    endsWithBreak = last.lines.at(-1)!.text === '';
    if (endsWithBreak) last.lines.pop();
    const tail = last.lines.at(-1);
    if (tail !== undefined && tail.text.trim() !== '') last.lines.push(new ini.IniLine(''));
  }
  const added = doc.addSection(SECTION);
  added.lines.push(new ini.IniLine(newKey));
  if (endsWithBreak) added.lines.push(new ini.IniLine(''));
  return {
    text: bom + doc.stringify(),
    was: text === undefined ? { kind: 'no file' } : { kind: 'no section' },
  };
}

export function diffWslConfig(d: DesiredHost, o: ObservedHost): Change[] {
  // Unobserved (o.wsl undefined): the file cannot be edited in place without its text, so nothing is planned.
  if (!d.wsl || o.platform !== 'windows' || o.wsl === undefined) return [];
  const edit = wslconfigWithNat(o.wsl.wslconfig);
  if (!edit) return [];
  const detail =
    edit.was.kind === 'no file'
      ? `create %USERPROFILE%\\.wslconfig with [${SECTION}] networkingMode=${WANT}`
      : edit.was.kind === 'no section'
        ? `append a [${SECTION}] section with networkingMode=${WANT}`
        : edit.was.kind === 'no key'
          ? `add networkingMode=${WANT} to [${SECTION}]`
          : `networkingMode ${JSON.stringify(edit.was.raw)} → ${WANT}`;
  return [
    {
      resource: 'wslconfig',
      key: '.wslconfig',
      action: edit.was.kind === 'value' ? '~' : '+',
      detail,
      ops: [
        {
          op: 'setWslConfig',
          text: edit.text,
          ...(o.wsl.wslconfigEncoding !== undefined && o.wsl.wslconfigEncoding !== 'utf8'
            ? { encoding: o.wsl.wslconfigEncoding }
            : {}),
        },
      ],
      note: TAKES_EFFECT,
    },
  ];
}
