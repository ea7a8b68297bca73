/** MAC addresses, branded, always in canonical lower-case colon form "00:15:5d:01:02:03". */
export type Mac = string & { readonly __brand: 'Mac' };

const HEX = '0123456789abcdef';

/** The accepted spellings: colon or dash pairs (Windows prints dashes), Cisco dotted quads, bare hex. */
const MAC_FORMS = [
  /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/i,
  /^[0-9a-f]{4}(\.[0-9a-f]{4}){2}$/i,
  /^[0-9a-f]{12}$/i,
];

/** "00:15:5D:01:02:03", "00-15-5D-01-02-03", "0015.5d01.0203" or "00155d010203" → canonical form. */
export function parseMac(text: string): Mac | undefined {
  const t = text.trim();
  if (!MAC_FORMS.some((re) => re.test(t))) return undefined;
  return t.toLowerCase().replace(/[:.-]/g, '').match(/../g)!.join(':') as Mac;
}

export function mac(text: string): Mac {
  const m = parseMac(text);
  if (m === undefined) throw new TypeError(`not a MAC address: ${text}`);
  return m;
}

const HEX_CODES = Array.from(HEX, (c) => c.charCodeAt(0));
/** Scratch for macFromBytes: the colons stay, the digits are written per call. */
const MAC_CODES: number[] = Array.from({ length: 17 }, () => 0x3a);

/**
 * Formats the first six bytes of a DHCP chaddr; a fast path used per packet. Made with one
 * String.fromCharCode, which gives a flat string: built up with `+=`, V8 makes every step past 13
 * characters a ConsString node, several times the size of a flat string, and the lease table keeps the MAC
 * of every client (docs/benchmarks.md#the-lease-table-in-typed-arrays).
 */
export function macFromBytes(buf: Uint8Array, offset: number): Mac {
  for (let i = 0; i < 6; i++) putByte(i, buf[offset + i]!);
  return String.fromCharCode(...MAC_CODES) as Mac;
}

/** Writes byte `i` of a MAC as two hex digits into MAC_CODES. */
function putByte(i: number, b: number): void {
  MAC_CODES[3 * i] = HEX_CODES[b >>> 4]!;
  MAC_CODES[3 * i + 1] = HEX_CODES[b & 15]!;
}

/** A hex digit's value from its character code (either case). */
function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

/** The MAC as a 48-bit integer (exact in a double): a compact key for the lease table. */
export function macToNumber(m: Mac): number {
  let n = 0;
  for (let i = 0; i < 17; i += 3)
    n = n * 256 + hexValue(m.charCodeAt(i)) * 16 + hexValue(m.charCodeAt(i + 1));
  return n;
}

/** The inverse of macToNumber, as one flat string (see macFromBytes). */
export function macFromNumber(n: number): Mac {
  for (let i = 5; i >= 0; i--) {
    const b = n % 256;
    n = (n - b) / 256;
    putByte(i, b);
  }
  return String.fromCharCode(...MAC_CODES) as Mac;
}

export function macToBytes(m: Mac): Uint8Array {
  return Uint8Array.from(m.split(':').map((h) => parseInt(h, 16)));
}

/** Hyper-V's own OUI (Microsoft); static MACs for VMs are picked from it. */
export const HYPERV_OUI = '00:15:5d';
