/**
 * Edits to the user's config file that keep everything else byte for byte: comments, their alignment,
 * blank lines, quoting, CRLF. Re-serialising the YAML document would lose those (it re-flows comments),
 * so these edits splice text at the positions the parser reports, and the caller re-validates the result.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';

export interface ReservationEntry {
  name: string;
  mac: string;
  ip: string;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function eol(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function flowItem(r: ReservationEntry): string {
  return `{ name: ${r.name}, mac: "${r.mac}", ip: ${r.ip} }`;
}

/** The entry as a block mapping after "- ", its later lines indented by `pad` (the column after "- "). */
function blockItem(r: ReservationEntry, pad: string, nl: string): string {
  return `name: ${r.name}${nl}${pad}mac: "${r.mac}"${nl}${pad}ip: ${r.ip}`;
}

/** A new entry is written the way the list's entries are: block mappings, or `{ … }` when those are. */
function itemLike(seq: Node | undefined, r: ReservationEntry, pad: string, nl: string): string {
  const first = isSeq(seq) ? (seq.items[0] as Node | undefined) : undefined;
  return isMap(first) && first.flow ? flowItem(r) : blockItem(r, pad, nl);
}

/** The source text of a node, as written. */
function source(text: string, node: Node): string {
  return text.slice(node.range![0], node.range![1]);
}

/**
 * A flow mapping (`dhcp: { pool: auto, reservations: [] }`) as block lines, one key per line, with a
 * block `reservations:` list holding the new entry. Values other than the reservations keep their text.
 */
function dhcpBlockLines(text: string, dhcp: YAMLMap, r: ReservationEntry, nl: string): string[] {
  const lines: string[] = [];
  let added = false;
  for (const pair of dhcp.items) {
    const key = pair.key as Node;
    const value = pair.value as Node | null;
    const k = source(text, key);
    if (isScalar(key) && key.value === 'reservations' && (isSeq(value) || value === null)) {
      lines.push(`${k}:`);
      const items = isSeq(value) ? (value.items as Node[]) : [];
      for (const it of items) lines.push(`  - ${source(text, it)}`);
      lines.push(`  - ${itemLike(value ?? undefined, r, '    ', nl)}`);
      added = true;
    } else lines.push(value === null ? `${k}:` : `${k}: ${source(text, value)}`);
  }
  if (!added) lines.push('reservations:', `  - ${blockItem(r, '    ', nl)}`);
  return lines.flatMap((l) => l.split(nl));
}

/**
 * Rewrites a switch's flow-style `dhcp:` mapping in block style with the entry added. Only that mapping's
 * text changes: a comment after it on its line stays on the `dhcp:` line, everything else is untouched
 * (comments inside the `{ … }` itself have no block-style place and are dropped).
 */
function expandFlowDhcp(text: string, sw: YAMLMap, dhcp: YAMLMap, r: ReservationEntry, nl: string): string {
  const pair = sw.items.find((p) => isScalar(p.key) && p.key.value === 'dhcp')!;
  const keyStart = (pair.key as Node).range![0];
  const pad = ' '.repeat(keyStart - lineStart(text, keyStart) + 2);
  const [start, end] = [dhcp.range![0], dhcp.range![1]];
  let lineEnd = text.indexOf('\n', end);
  if (lineEnd < 0) lineEnd = text.length;
  const trailing = text.slice(end, lineEnd).replace(/\r$/, '');
  const body = dhcpBlockLines(text, dhcp, r, nl).map((l) => pad + l);
  const head = text.slice(0, start).replace(/[ \t]+$/, '');
  const rest = lineEnd < text.length ? text.slice(lineEnd + 1) : '';
  return head + trailing + nl + body.join(nl) + nl + rest;
}

function parse(text: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new UsageError(`the config file does not parse: ${doc.errors[0]!.message}`);
  return doc;
}

/** The switch entry by name, or the only switch when no name is given. */
function switchIndex(doc: Document, switchName: string | undefined): number {
  const switches = doc.get('switches', true);
  if (!isSeq(switches)) throw new UsageError('the config has no switches list');
  const names = switches.items.map((s) => (isMap(s) ? String(s.get('name')) : ''));
  if (switchName === undefined) {
    if (names.length === 1) return 0;
    throw new UsageError(
      `the config has ${names.length} switches: say which with --switch (${names.join(', ')})`,
    );
  }
  const i = names.indexOf(switchName);
  if (i < 0) throw new UsageError(`no switch named "${switchName}" (there are: ${names.join(', ')})`);
  return i;
}

function insertAt(text: string, offset: number, insert: string): string {
  return text.slice(0, offset) + insert + text.slice(offset);
}

/** Adds a reservation to `switches[i].dhcp.reservations`, creating the keys it needs. */
export function addReservation(text: string, r: ReservationEntry, switchName?: string): string {
  const doc = parse(text);
  const nl = eol(text);
  const i = switchIndex(doc, switchName);
  const sw = doc.getIn(['switches', i], true) as YAMLMap;
  const dhcp = sw.get('dhcp', true) as Node | undefined;
  const seq = isMap(dhcp) ? (dhcp.get('reservations', true) as Node | undefined) : undefined;

  if (isSeq(seq) && !seq.flow && seq.items.length > 0) {
    // Block list: a new entry after the last one, at the same indentation as the first "- ", in its style.
    const start = seq.range![0];
    const indent = start - lineStart(text, start);
    let end = seq.range![2];
    let prefix = '';
    if (end > 0 && text[end - 1] !== '\n') prefix = nl;
    if (end > text.length) end = text.length;
    const item = itemLike(seq, r, ' '.repeat(indent + 2), nl);
    return insertAt(text, end, `${prefix}${' '.repeat(indent)}- ${item}${nl}`);
  }
  if (isSeq(seq)) {
    // Flow list ("reservations: []" or "[{...}]"): add before the closing bracket.
    const close = text.lastIndexOf(']', seq.range![1] - 1);
    const sep = seq.items.length > 0 ? ', ' : '';
    return insertAt(text, close, `${sep}${flowItem(r)}`);
  }
  if (isMap(dhcp) && !dhcp.flow) {
    // dhcp: exists as a block map without reservations: a new key at its indentation.
    const first = dhcp.items[0]?.key as Node | undefined;
    const start = first?.range?.[0] ?? dhcp.range![0];
    const indent = start - lineStart(text, start);
    const end = dhcp.range![2];
    const prefix = text[end - 1] === '\n' ? '' : nl;
    const pad = ' '.repeat(indent);
    const item = blockItem(r, `${pad}    `, nl);
    return insertAt(text, end, `${prefix}${pad}reservations:${nl}${pad}  - ${item}${nl}`);
  }
  if (isMap(dhcp) && dhcp.flow && !sw.flow) return expandFlowDhcp(text, sw, dhcp, r, nl);
  if (dhcp === undefined && !sw.flow) {
    const first = sw.items[0]?.key as Node | undefined;
    const start = first?.range?.[0] ?? sw.range![0];
    const indent = start - lineStart(text, start);
    const end = sw.range![2];
    const prefix = text[end - 1] === '\n' ? '' : nl;
    const pad = ' '.repeat(indent);
    const item = blockItem(r, `${pad}      `, nl);
    return insertAt(text, end, `${prefix}${pad}dhcp:${nl}${pad}  reservations:${nl}${pad}    - ${item}${nl}`);
  }
  throw new UsageError(
    `switches[${i}] is written in flow style ({ ... }) as a whole; add the reservation by hand: ${flowItem(r)}`,
  );
}

/** Removes the reservation called `name` from whichever switch has it; the file is otherwise untouched. */
export function removeReservation(text: string, name: string): string {
  const doc = parse(text);
  const switches = doc.get('switches', true);
  if (!isSeq(switches)) throw new UsageError('the config has no switches list');
  for (const sw of switches.items) {
    if (!isMap(sw)) continue;
    const dhcp = sw.get('dhcp', true);
    const seq = isMap(dhcp) ? dhcp.get('reservations', true) : undefined;
    if (!isSeq(seq)) continue;
    const k = seq.items.findIndex((it) => isMap(it) && sameName(it.get('name', true), name));
    if (k < 0) continue;
    const item = seq.items[k] as Node;
    if (!seq.flow) {
      // The whole line(s) of the item, from its "- " to the end of its last line (comment included), and
      // the comment lines right above it at its indentation, which are about it.
      const from = commentsAbove(text, lineStart(text, item.range![0]), seq.range![0]);
      let to = item.range![2];
      if (to > 0 && text[to - 1] !== '\n') {
        const next = text.indexOf('\n', to);
        to = next < 0 ? text.length : next + 1;
      }
      const rest = seq.items.length === 1 ? ' []' : '';
      let out = text.slice(0, from) + text.slice(to);
      if (rest) {
        // The list is now empty: "reservations:" would read as null, so write an empty list.
        const keyLineEnd = out.lastIndexOf('\n', from - 1);
        const lineText = out.slice(lineStart(out, keyLineEnd), keyLineEnd);
        const hash = lineText.indexOf('#');
        const at =
          hash >= 0 ? lineStart(out, keyLineEnd) + lineText.slice(0, hash).trimEnd().length : keyLineEnd;
        out = out.slice(0, at) + rest + out.slice(at);
      }
      return out;
    }
    // Flow list: the item and the comma that separated it from its neighbour.
    const [start, end] = [item.range![0], item.range![1]];
    if (k === 0) return text.slice(0, start) + text.slice(end).replace(/^\s*,\s*/, '');
    return text.slice(0, start).replace(/,\s*$/, '') + text.slice(end);
  }
  throw new UsageError(`no reservation named "${name}"`);
}

function sameName(node: unknown, name: string): boolean {
  return isScalar(node) && String(node.value).toLowerCase() === name.toLowerCase();
}

/**
 * The start of the run of comment-only lines directly above `from` that sit at the indentation of the
 * list's "- " (`listStart` is the first item's "- "): they describe that item and go with it.
 */
function commentsAbove(text: string, from: number, listStart: number): number {
  const indent = listStart - lineStart(text, listStart);
  let at = from;
  while (at > 0) {
    const prev = lineStart(text, at - 1);
    const line = text.slice(prev, at).replace(/\r?\n$/, '');
    const m = /^( *)#/.exec(line);
    if (!m || m[1]!.length !== indent) break;
    at = prev;
  }
  return at;
}
