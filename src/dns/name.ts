/**
 * Domain names between presentation form and wire labels. Presentation form is the one message.ts uses:
 * no trailing dot, "" for the root, case kept as given, and label bytes outside [0-9A-Za-z_-] escaped as
 * RFC 4343 §2.1 writes them ("\." for a dot inside a label, "\\" for a backslash, "\DDD" for the rest), so
 * formatName(parseName(s)) is the identity on every name formatName produced.
 */
import type { Ipv4 } from '../net/ipv4.js';
import { asIpv4 } from '../net/ipv4.js';

/** RFC 1035 §2.3.4. */
export const MAX_LABEL = 63;
/** RFC 1035 §2.3.4: length octets and label octets, the root's zero octet included. */
export const MAX_NAME_WIRE = 255;

export type NameParse = { ok: true; labels: Uint8Array[] } | { ok: false; reason: string };

const DOT = 0x2e;
const BACKSLASH = 0x5c;

function plain(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || // 0-9
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    c === 0x2d || // -
    c === 0x5f // _
  );
}

export function escapeLabel(label: Uint8Array): string {
  let s = '';
  for (const c of label) {
    if (plain(c)) s += String.fromCharCode(c);
    else if (c === DOT) s += '\\.';
    else if (c === BACKSLASH) s += '\\\\';
    else s += '\\' + String(c).padStart(3, '0');
  }
  return s;
}

export function formatName(labels: readonly Uint8Array[]): string {
  return labels.map(escapeLabel).join('.');
}

/** Wire length of a name: one length octet per label, the label octets, and the root's zero octet. */
export function wireLength(labels: readonly Uint8Array[]): number {
  return labels.reduce((n, l) => n + 1 + l.length, 1);
}

/**
 * Presentation form → labels. Accepts "\DDD" (decimal, ≤ 255), "\X" for a literal X, and one trailing
 * unescaped dot ("example.test." = "example.test"). Refuses empty labels, labels over 63 octets, names over
 * 255 octets on the wire, and characters that do not fit in one octet (IDNs must arrive as punycode).
 */
export function parseName(input: string): NameParse {
  const text = withoutTrailingDot(input);
  if (text === '') return { ok: true, labels: [] };
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  const close = (at: number): string | undefined => {
    if (cur.length === 0) return `empty label at character ${at} of "${text}"`;
    if (cur.length > MAX_LABEL)
      return `label "${escapeLabel(Uint8Array.from(cur))}" is ${cur.length} octets; at most ${MAX_LABEL}`;
    labels.push(Uint8Array.from(cur));
    cur = [];
    return undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      const err = close(i);
      if (err !== undefined) return { ok: false, reason: err };
      continue;
    }
    if (c === BACKSLASH) {
      if (i + 1 >= text.length) return { ok: false, reason: `"${text}" ends in a lone backslash` };
      const d = /^\d{3}/.exec(text.slice(i + 1, i + 4));
      if (d) {
        const v = Number(d[0]);
        if (v > 255) return { ok: false, reason: `escape \\${d[0]} in "${text}" is above 255` };
        cur.push(v);
        i += 3;
        continue;
      }
      if (/\d/.test(text[i + 1]!))
        return { ok: false, reason: `escape in "${text}" needs three digits (\\DDD)` };
      i++;
    }
    const ch = text.charCodeAt(i);
    if (ch > 255)
      return {
        ok: false,
        reason: `"${text}" holds a character that is not one octet; use \\DDD or punycode`,
      };
    cur.push(ch);
  }
  const err = close(text.length);
  if (err !== undefined) return { ok: false, reason: err };
  if (wireLength(labels) > MAX_NAME_WIRE) {
    return {
      ok: false,
      reason: `"${text}" is ${wireLength(labels)} octets on the wire; at most ${MAX_NAME_WIRE}`,
    };
  }
  return { ok: true, labels };
}

/** Drops one final dot unless it is escaped (an odd run of backslashes before it). */
function withoutTrailingDot(text: string): string {
  if (!text.endsWith('.')) return text;
  let slashes = 0;
  for (let i = text.length - 2; i >= 0 && text[i] === '\\'; i--) slashes++;
  return slashes % 2 === 0 ? text.slice(0, -1) : text;
}

function lowerOctet(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

function sameLabel(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (lowerOctet(a[i]!) !== lowerOctet(b[i]!)) return false;
  return true;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** RFC 4343 §3: names compare equal when their octets do, ASCII letters case-folded (nothing else is). */
export function sameName(a: string, b: string): boolean {
  if (a === b) return true;
  const pa = parseName(a);
  const pb = parseName(b);
  if (!pa.ok || !pb.ok) return asciiLower(a) === asciiLower(b);
  return pa.labels.length === pb.labels.length && pa.labels.every((l, i) => sameLabel(l, pb.labels[i]!));
}

/** True when `name` is `zone` or below it, label by label ("aexample.test" is not under "example.test"). */
export function isSubdomain(name: string, zone: string): boolean {
  const pn = parseName(name);
  const pz = parseName(zone);
  if (!pn.ok || !pz.ok) return false;
  const skip = pn.labels.length - pz.labels.length;
  if (skip < 0) return false;
  return pz.labels.every((l, i) => sameLabel(l, pn.labels[skip + i]!));
}

/** RFC 1035 §3.5: 192.0.2.7 → "7.2.0.192.in-addr.arpa". */
export function reverseName(ip: Ipv4): string {
  return `${ip & 255}.${(ip >>> 8) & 255}.${(ip >>> 16) & 255}.${ip >>> 24}.in-addr.arpa`;
}

/**
 * The address of a full four-label reverse name, any case; undefined for anything else (a shorter name is a
 * zone cut, not an address; leading zeros are refused as in parseIpv4).
 */
export function parseReverseName(name: string): Ipv4 | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!m) return undefined;
  let n = 0;
  for (let i = 4; i >= 1; i--) {
    const part = m[i]!;
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return asIpv4(n);
}
