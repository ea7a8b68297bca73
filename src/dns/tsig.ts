/**
 * TSIG (RFC 8945) as seen by a server that holds no keys: switchyard configures none, so no signed query can
 * be verified, and answering it as if it were unsigned would tell the client its signature was accepted.
 *
 * RFC 8945 §5.2.1: "If a non-forwarding server does not recognize the key or algorithm used by the client
 * (or recognizes the algorithm but does not implement it), the error response MUST be generated with RCODE
 * 9 (NOTAUTH) and TSIG ERROR 17 (BADKEY). This response MUST be unsigned as specified in Section 5.3.2."
 * §5.3.2: the server "SHOULD send back an unsigned error message (MAC Size == 0 and empty MAC)".
 * §5.2: "If multiple TSIG records are detected or a TSIG record is present in any other position, the DNS
 * message is dropped and a response with RCODE 1 (FORMERR) MUST be returned."
 *
 * A decision: §5.5 says a forwarding server "MUST forward the message unchanged including the TSIG" when it
 * does not share the key. switchyard never forwards a message — it answers from its own names or asks the
 * question anew upstream (resolver.ts) — so it cannot; it answers as the non-forwarding server of §5.2.1.
 */
import { RrClass, RrType, TsigError, type DnsMessage, type ResourceRecord } from './message.js';

export interface TsigProblem {
  /** The key's name, as the query gave it. */
  key: string;
  why: string;
  /** The TSIG record our NOTAUTH response ends with; undefined = answer FORMERR (misplaced or unreadable). */
  record: ResourceRecord | undefined;
}

/** undefined when the query carries no TSIG record. */
export function tsigCheck(query: DnsMessage): TsigProblem | undefined {
  const inAnswerOrAuthority = [...query.answers, ...query.authority].some((r) => r.type === RrType.TSIG);
  const at = query.additional.findIndex((r) => r.type === RrType.TSIG);
  if (at < 0 && !inAnswerOrAuthority) return undefined;
  const last = query.additional.length - 1;
  const tsig = query.additional[at];
  if (inAnswerOrAuthority || at !== last || tsig === undefined) {
    return {
      key: tsig?.name ?? '',
      why: 'TSIG record not last in the additional section',
      record: undefined,
    };
  }
  const record = badKeyRecord(tsig);
  return record === undefined
    ? { key: tsig.name, why: 'TSIG RDATA unreadable', record: undefined }
    : { key: tsig.name, why: 'unknown key (BADKEY)', record };
}

/**
 * The unsigned error TSIG of §5.3.2: the request's key name, algorithm, time signed and fudge, MAC size 0,
 * its original ID, error BADKEY, no other data (RDATA layout: RFC 8945 §4.2).
 */
function badKeyRecord(tsig: ResourceRecord): ResourceRecord | undefined {
  if (tsig.data.kind !== 'raw') return undefined;
  const b = tsig.data.bytes;
  // The algorithm name: uncompressed labels (§4.2 "MUST NOT be compressed"), ending with the root label.
  let p = 0;
  while (p < b.length && b[p] !== 0) {
    if ((b[p]! & 0xc0) !== 0) return undefined;
    p += b[p]! + 1;
  }
  const nameEnd = p + 1;
  // time signed (6), fudge (2), MAC size (2), MAC, original ID (2), error (2), other len (2)
  if (nameEnd + 10 > b.length) return undefined;
  const macSize = (b[nameEnd + 8]! << 8) | b[nameEnd + 9]!;
  const idAt = nameEnd + 10 + macSize;
  if (idAt + 6 > b.length) return undefined;
  const out = new Uint8Array(nameEnd + 8 + 2 + 6);
  out.set(b.subarray(0, nameEnd + 8), 0); // name, time signed, fudge
  // MAC size 0 (already zero), then the original ID, error BADKEY, other length 0
  out[nameEnd + 10] = b[idAt]!;
  out[nameEnd + 11] = b[idAt + 1]!;
  out[nameEnd + 12] = TsigError.BADKEY >> 8;
  out[nameEnd + 13] = TsigError.BADKEY & 0xff;
  return {
    name: tsig.name,
    type: RrType.TSIG,
    class: RrClass.ANY,
    ttl: 0,
    data: { kind: 'raw', bytes: out },
  };
}
