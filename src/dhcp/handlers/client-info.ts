import { Opt, type DhcpMessage } from '../message.js';
import { getClientId, getFqdn, getString } from '../options.js';

export interface ClientInfo {
  clientId: string | undefined;
  hostname: string | undefined;
}

/** What the client says about itself: option 61 (hex) and its name from 81 (RFC 4702) or 12. */
export function clientInfo(req: DhcpMessage): ClientInfo {
  const cid = getClientId(req.options);
  const fqdn = getFqdn(req.options);
  const name = fqdn?.name || getString(req.options, Opt.HOSTNAME);
  return {
    // a Buffer view of the option's bytes, not a copy of them
    clientId: cid ? Buffer.from(cid.buffer, cid.byteOffset, cid.length).toString('hex') : undefined,
    hostname: name ? name.split('.')[0]!.slice(0, 63) || undefined : undefined,
  };
}
