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

/** Formats the first six bytes of a DHCP chaddr; a fast path used per packet. */
export function macFromBytes(buf: Uint8Array, offset: number): Mac {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const b = buf[offset + i]!;
    if (i > 0) s += ':';
    s += HEX[b >>> 4]! + HEX[b & 15]!;
  }
  return s as Mac;
}

export function macToBytes(m: Mac): Uint8Array {
  return Uint8Array.from(m.split(':').map((h) => parseInt(h, 16)));
}

/** Hyper-V's own OUI (Microsoft); static MACs for VMs are picked from it. */
export const HYPERV_OUI = '00:15:5d';
