import type { Ipv4 } from '../net/ipv4.js';

/**
 * A DHCPv4 message (RFC 2131 §2, figure 1) exactly as on the wire. Options are kept raw and lossless
 * in arrival order (repeated instances concatenated per RFC 3396); typed views live in options.ts.
 */
export interface DhcpMessage {
  op: number; // 1 BOOTREQUEST, 2 BOOTREPLY
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: Ipv4;
  yiaddr: Ipv4;
  siaddr: Ipv4;
  giaddr: Ipv4;
  /** 16 bytes; the client's hardware address is the first `hlen` of them. */
  chaddr: Uint8Array;
  /** 64 bytes, NUL-padded; may hold options when option 52 says so (already merged into `options`). */
  sname: Uint8Array;
  /** 128 bytes, NUL-padded; may hold options when option 52 says so (already merged into `options`). */
  file: Uint8Array;
  options: Map<number, Uint8Array>;
}

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** RFC 2131 §2: the leftmost bit of `flags`. */
export const BROADCAST_FLAG = 0x8000;

/** Option 53 values (RFC 2132 §9.6). */
export const MessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const messageTypeName: Record<number, string> = {
  1: 'DISCOVER',
  2: 'OFFER',
  3: 'REQUEST',
  4: 'DECLINE',
  5: 'ACK',
  6: 'NAK',
  7: 'RELEASE',
  8: 'INFORM',
};

/** Option codes we read or write, with the defining RFC section. */
export const Opt = {
  PAD: 0,
  SUBNET_MASK: 1, // RFC 2132 §3.3
  ROUTER: 3, // RFC 2132 §3.5
  DNS_SERVERS: 6, // RFC 2132 §3.8
  HOSTNAME: 12, // RFC 2132 §3.14
  DOMAIN_NAME: 15, // RFC 2132 §3.17
  INTERFACE_MTU: 26, // RFC 2132 §5.1
  BROADCAST_ADDRESS: 28, // RFC 2132 §5.3
  VENDOR_SPECIFIC: 43, // RFC 2132 §8.4
  REQUESTED_IP: 50, // RFC 2132 §9.1
  LEASE_TIME: 51, // RFC 2132 §9.2
  OVERLOAD: 52, // RFC 2132 §9.3
  MESSAGE_TYPE: 53, // RFC 2132 §9.6
  SERVER_ID: 54, // RFC 2132 §9.7
  PARAMETER_REQUEST_LIST: 55, // RFC 2132 §9.8
  MESSAGE: 56, // RFC 2132 §9.9
  MAX_MESSAGE_SIZE: 57, // RFC 2132 §9.10
  RENEWAL_TIME: 58, // RFC 2132 §9.11 (T1)
  REBINDING_TIME: 59, // RFC 2132 §9.12 (T2)
  VENDOR_CLASS_ID: 60, // RFC 2132 §9.13
  CLIENT_ID: 61, // RFC 2132 §9.14
  CLIENT_FQDN: 81, // RFC 4702
  RELAY_AGENT_INFO: 82, // RFC 3046
  DOMAIN_SEARCH: 119, // RFC 3397 (names in RFC 1035 §4.1.4 wire form, compression allowed)
  CLASSLESS_ROUTES: 121, // RFC 3442
  MS_CLASSLESS_ROUTES: 249, // Microsoft's pre-standard copy of 121
  END: 255,
} as const;
