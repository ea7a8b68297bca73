/** What every conflict probe (ARP on Linux; none elsewhere yet) offers the DHCP server. */
import type { Ipv4 } from '../../net/ipv4.js';

export interface ConflictProbe {
  /** True when something on the link answered for ip. Implementations may reject on errors. */
  inUse(ip: Ipv4): Promise<boolean>;
  /** Releases the probe's resources; pending inUse calls resolve false. Idempotent. */
  close(): Promise<void>;
}
