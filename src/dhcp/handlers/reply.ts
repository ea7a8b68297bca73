/** Reply skeletons per RFC 2131 Table 3 (fields) — options are added by later handlers. */
import { ZERO_IP, type Ipv4 } from '../../net/ipv4.js';
import { BOOTREPLY, BROADCAST_FLAG, MessageType, Opt, type DhcpMessage } from '../message.js';
import { u8 } from '../options.js';
import type { Exchange } from './exchange.js';

const EMPTY_SNAME = new Uint8Array(64);
const EMPTY_FILE = new Uint8Array(128);
/**
 * Option 53's value for each message type, made once: shared by every reply and never written to (the
 * encoder copies option values), like the per-scope bytes of scope-bytes.ts: no allocation per reply
 * (docs/benchmarks.md#allocations-on-the-reply-path).
 */
const TYPE_BYTES = Array.from({ length: 256 }, (_, t) => u8(t));

export function newReply(req: DhcpMessage, type: number, yiaddr: Ipv4, ciaddr: Ipv4 = ZERO_IP): DhcpMessage {
  const options = new Map<number, Uint8Array>();
  options.set(Opt.MESSAGE_TYPE, TYPE_BYTES[type & 255]!);
  return {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    ciaddr,
    yiaddr,
    siaddr: ZERO_IP,
    giaddr: req.giaddr,
    chaddr: req.chaddr,
    sname: EMPTY_SNAME,
    file: EMPTY_FILE,
    options,
  };
}

/**
 * A NAK carries only 53, 54, 56 (and 61 echoed, RFC 6842); ciaddr, yiaddr and siaddr are zero; when relayed
 * the broadcast bit is set so the relay broadcasts it (RFC 2131 §4.3.2). The destination rule sends it to
 * 255.255.255.255 when not relayed.
 */
export function nak(ex: Exchange, reason: string): 'next' {
  const r = newReply(ex.req, MessageType.NAK, ZERO_IP);
  if (ex.req.giaddr !== ZERO_IP) r.flags |= BROADCAST_FLAG;
  r.options.set(Opt.MESSAGE, new TextEncoder().encode(reason));
  ex.reply = r;
  ex.reason = `NAK: ${reason}`;
  ex.event = { kind: 'nak', mac: ex.mac, detail: reason };
  return 'next'; // the option handlers still add 54 and echo 61/82
}

export function drop(ex: Exchange, reason: string): 'stop' {
  ex.reply = undefined;
  ex.reason = reason;
  return 'stop';
}
