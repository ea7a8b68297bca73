/**
 * What an interface looks like to the daemon before it serves on it (exists, up, its IPv4 addresses), and
 * whether serving there is safe. Shared by both backends' `inspect` (host/linux/interfaces.ts: `ip -j`;
 * host/windows/interfaces.ts: Node's adapter list); pure. Why an address from DHCP forbids serving:
 * host/linux/interfaces.ts.
 */
import { formatIpv4, parseIpv4 } from '../net/ipv4.js';

export interface InterfaceAddress {
  /** Dotted quad, e.g. "10.0.251.1". */
  address: string;
  prefix: number;
  /** Not permanent: iproute2's "dynamic" flag, or a finite valid lifetime. In practice: from DHCP. */
  dynamic: boolean;
}

export interface InterfaceInfo {
  name: string;
  exists: boolean;
  /** Administratively up (the UP flag); says nothing about carrier. */
  up: boolean;
  /** IPv4 addresses only, in iproute2's order (primary first). */
  addresses: InterfaceAddress[];
}

export type ServeProblemKind =
  'missing' | 'down' | 'address-absent' | 'address-dynamic' | 'interface-dynamic';

export interface ServeProblem {
  kind: ServeProblemKind;
  message: string;
}

function listAddresses(info: InterfaceInfo): string {
  return info.addresses.length === 0
    ? 'it has no IPv4 address'
    : `it has ${info.addresses.map((a) => `${a.address}/${a.prefix}${a.dynamic ? ' (dynamic)' : ''}`).join(', ')}`;
}

/**
 * Everything that forbids serving DHCP on `info` with `hostAddress` as the server address; empty = go.
 * Refuses an interface that has any DHCP-obtained (dynamic) address: it is on a network that already
 * has a DHCP server, and answering there would make us a rogue server.
 */
export function checkServeInterface(info: InterfaceInfo, hostAddress: string): ServeProblem[] {
  const { name } = info;
  if (!info.exists) {
    return [{ kind: 'missing', message: `interface "${name}" does not exist` }];
  }
  const problems: ServeProblem[] = [];
  if (!info.up) {
    problems.push({
      kind: 'down',
      message: `interface "${name}" is administratively down (ip link set dev ${name} up)`,
    });
  }
  const parsed = parseIpv4(hostAddress);
  const wanted = parsed === undefined ? hostAddress : formatIpv4(parsed);
  const own = info.addresses.find((a) => a.address === wanted);
  if (!own) {
    problems.push({
      kind: 'address-absent',
      message: `host address ${hostAddress} is not configured on "${name}" (${listAddresses(info)})`,
    });
  } else if (own.dynamic) {
    problems.push({
      kind: 'address-dynamic',
      message:
        `host address ${hostAddress} on "${name}" was obtained from DHCP (dynamic, finite lifetime): ` +
        `another DHCP server already serves this network, so switchyard refuses to serve here; ` +
        `give "${name}" a static address`,
    });
  }
  for (const a of info.addresses) {
    if (a.dynamic && a !== own) {
      problems.push({
        kind: 'interface-dynamic',
        message:
          `"${name}" also has ${a.address}/${a.prefix} from DHCP (dynamic): it is on a network with ` +
          `another DHCP server, so switchyard refuses to serve here`,
      });
    }
  }
  return problems;
}
