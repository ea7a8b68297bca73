/**
 * DHCPINFORM (RFC 2131 §4.3.5): the client has an address already and wants configuration only. The ACK
 * has no yiaddr and no lease-time options (51, 58, 59 MUST NOT appear).
 */
import { formatIpv4, ZERO_IP } from '../../net/ipv4.js';
import { MessageType } from '../message.js';
import type { Handler } from './exchange.js';
import { drop, newReply } from './reply.js';

export const inform: Handler = (ex) => {
  if (ex.type !== MessageType.INFORM) return 'next';
  if (ex.req.ciaddr === ZERO_IP) return drop(ex, 'INFORM without ciaddr');
  ex.reply = newReply(ex.req, MessageType.ACK, ZERO_IP, ex.req.ciaddr);
  ex.reason = `ACK to INFORM from ${formatIpv4(ex.req.ciaddr)}`;
  ex.event = { kind: 'inform', mac: ex.mac, ip: formatIpv4(ex.req.ciaddr) };
  return 'next';
};

/** Messages only servers send (OFFER, ACK, NAK) or unknown types end the chain here. */
export const unknownType: Handler = (ex) =>
  ex.reply ? 'next' : drop(ex, `message type ${ex.type} is not a client request`);
