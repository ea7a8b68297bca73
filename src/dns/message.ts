/**
 * DNS messages as values (RFC 1035 §4.1). The codec (wire.ts) turns bytes into these and back; nothing here
 * knows about sockets, clocks or the zone.
 *
 * Names are kept in presentation form without the trailing dot, lower case as received (comparison is the
 * caller's job: RFC 4343 says case-insensitive), "" for the root. Labels holding bytes outside
 * [0-9A-Za-z-_] are escaped as \DDD (RFC 4343 §2.1) so a name always round-trips.
 */
import type { Ipv4 } from '../net/ipv4.js';

export const RrType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const RrClass = { IN: 1, ANY: 255 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  NOTAUTH: 9,
  /** Extended (RFC 6891 §6.1.3): the upper 8 bits travel in the OPT record, so it needs EDNS. */
  BADVERS: 16,
} as const;

/** TSIG's own error field (RFC 8945 §4.2, "Error"), not an RCODE of the header. */
export const TsigError = { BADKEY: 17 } as const;

export const Opcode = { QUERY: 0 } as const;

export interface Flags {
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** RFC 4035 §3.2: authentic data / checking disabled; carried, not acted on. */
  ad: boolean;
  cd: boolean;
  /** The low 4 bits; the EDNS extended part lives in the OPT record. */
  rcode: number;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

/**
 * Record data. Types whose RDATA may hold compressed names (RFC 3597 §4: NS, CNAME, SOA, PTR, MX) are decoded
 * so they can be re-encoded at another offset; every other type is kept as the raw bytes it arrived as.
 */
export type RData =
  | { kind: 'a'; address: Ipv4 }
  | { kind: 'name'; name: string }
  | { kind: 'mx'; preference: number; exchange: string }
  | {
      kind: 'soa';
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    }
  | { kind: 'raw'; bytes: Uint8Array };

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  /** Seconds, 0..2^31-1 (RFC 2181 §8: a TTL with the top bit set is treated as 0). */
  ttl: number;
  data: RData;
}

export interface DnsMessage {
  id: number;
  flags: Flags;
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  /** Includes the OPT pseudo-record when the sender used EDNS (see ednsOf in wire.ts). */
  additional: ResourceRecord[];
}

export const NO_FLAGS: Flags = {
  qr: false,
  opcode: 0,
  aa: false,
  tc: false,
  rd: false,
  ra: false,
  ad: false,
  cd: false,
  rcode: 0,
};

/** The part of a response that is about the question: what the zone, the cache and the upstreams produce. */
export interface Answer {
  rcode: number;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  /** Without the OPT record: EDNS is per hop. */
  additional: ResourceRecord[];
}
