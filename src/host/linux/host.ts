/**
 * The Linux backend as a Host: observation mapped onto the platform-neutral model, and each abstract
 * operation carried out with iproute2, nftables and sysctls in the current network namespace.
 *
 * Decisions (Linux differs from Windows here):
 * - NAT is a masquerade rule per switch subnet toward the uplink only (not lo, the WSL link or another
 *   switch: model/resources/nat.ts) in switchyard's own nftables table, rewritten whole and
 *   atomically; NAT'd traffic is forwarded in both directions, so creating one also turns ip_forward on
 *   (per-interface forwarding on the bridge alone does not carry NAT's return traffic — IPv4 decides on
 *   the arrival interface).
 * - Firewall rules are not managed on Linux: an accept in our table cannot override a drop in another
 *   table (firewalld, ufw, Docker), so writing them would promise what it cannot keep. `setFirewall` is
 *   a no-op here and the desired state on Linux has none.
 * - The WSL range is Windows-only.
 */
import type { ExecuteResult, Host } from '../host.js';
import { NAT_PREFIX } from '../../model/marks.js';
import type { ObservedHost } from '../../model/observed.js';
import type { Op } from '../../model/ops.js';
import { formatCidr, formatIpv4, parseCidr, parseIpv4 } from '../../net/ipv4.js';
import { execFileRunner, type Runner } from './interfaces.js';
import { observeLinux, type NftRuleSpec, type ObservedLinux } from './observe.js';
import { runOps, type LinuxOp } from './ops.js';

export interface LinuxHostOptions {
  run?: Runner;
  /** The link that plays WSL's adapter (the lab's WSL link), when there is one. */
  wslInterface?: string;
}

type Masquerade = Extract<NftRuleSpec, { kind: 'masquerade' }>;

export function toObservedHost(o: ObservedLinux, wslInterface?: string): ObservedHost {
  const masq = (o.nftTable?.rules ?? []).filter(
    (r): r is Masquerade => r.kind === 'masquerade' && r.outIfNegated,
  );
  return {
    platform: 'linux',
    switches: o.links
      .filter((l) => l.kind === 'bridge')
      .map((l) => ({
        name: l.name,
        ours: l.owned,
        kind: 'bridge',
        // the bridge's ports: the VMs' (or containers') links, which deleting the bridge would cut off
        vms: o.links.filter((p) => p.master === l.name).map((p) => p.name),
      })),
    interfaces: o.links.map((l) => ({
      name: l.name,
      addresses: l.addresses.flatMap((a) => {
        const ip = parseIpv4(a.address);
        return ip === undefined ? [] : [{ address: ip, prefix: a.prefix, dynamic: a.dynamic }];
      }),
      // Forwarding of NAT'd traffic needs ip_forward as well (see above): report off while it is off.
      forwarding: l.forwarding === undefined ? undefined : l.forwarding,
    })),
    // Reported as they are; without ip_forward they carry nothing, which the NAT diff and doctor say (ipForward).
    ipForward: o.ipForward,
    nats:
      masq.length > 0
        ? masq.flatMap((r) => {
            const c = parseCidr(r.source);
            return c.ok
              ? [{ name: `${NAT_PREFIX}${r.outIf}`, prefix: c.cidr, ours: true, notOut: r.notOut ?? [] }]
              : [];
          })
        : [],
    routes: o.routes
      .filter((r) => r.table !== 'local' && r.type === 'unicast' && r.dev !== undefined)
      .flatMap((r) => {
        const c = parseCidr(r.dst);
        return c.ok ? [{ dest: c.cidr, iface: r.dev! }] : [];
      }),
    firewall: [],
    wsl: undefined,
    wslInterface:
      wslInterface !== undefined && o.links.some((l) => l.name === wslInterface) ? wslInterface : undefined,
    ...(o.resolved !== undefined
      ? {
          resolved: o.resolved.running
            ? {
                running: true,
                links: o.resolved.links.map(({ iface, servers, domains }) => ({ iface, servers, domains })),
              }
            : o.resolved,
        }
      : {}),
  };
}

export class LinuxHost implements Host {
  readonly platform = 'linux' as const;
  private readonly run: Runner;
  private readonly wslInterface: string | undefined;

  constructor(opts: LinuxHostOptions = {}) {
    this.run = opts.run ?? execFileRunner;
    this.wslInterface = opts.wslInterface;
  }

  async observe(): Promise<ObservedHost> {
    return toObservedHost(await observeLinux(this.run), this.wslInterface);
  }

  async execute(ops: readonly Op[], onStep?: (op: Op, index: number) => void): Promise<ExecuteResult> {
    const now = await observeLinux(this.run);
    let masq = (now.nftTable?.rules ?? []).filter((r): r is Masquerade => r.kind === 'masquerade');
    const table = (): LinuxOp =>
      masq.length > 0 ? { op: 'ensureNftTable', rules: masq } : { op: 'deleteNftTable' };
    for (const [i, op] of ops.entries()) {
      onStep?.(op, i);
      let linux: LinuxOp[];
      switch (op.op) {
        case 'createSwitch':
          linux = [
            { op: 'createBridge', name: op.name },
            { op: 'setLinkUp', name: op.name },
          ];
          break;
        case 'deleteSwitch': {
          // as Remove-VMSwitch is refused on Windows: never cut off a running VM, whatever the plan said
          const ports = now.links.filter((l) => l.master === op.name).map((l) => l.name);
          if (ports.length > 0)
            return {
              done: i,
              error: new Error(`bridge ${op.name} still has ports ${ports.join(', ')}: not deleted`),
            };
          linux = [{ op: 'deleteLink', name: op.name }];
          break;
        }
        case 'waitInterface':
          linux = []; // a bridge exists as soon as it is created
          break;
        case 'addAddress':
          linux = [{ op: 'addAddress', dev: op.iface, address: formatIpv4(op.address), prefix: op.prefix }];
          break;
        case 'removeAddress':
          linux = [{ op: 'delAddress', dev: op.iface, address: formatIpv4(op.address), prefix: op.prefix }];
          break;
        case 'setForwarding':
          linux = [{ op: 'setForwarding', dev: op.iface, on: op.on }];
          break;
        case 'createNat':
          masq = [
            ...masq.filter((r) => r.outIf !== op.outsideOf),
            {
              kind: 'masquerade',
              source: formatCidr(op.prefix),
              outIf: op.outsideOf,
              outIfNegated: true,
              ...(op.notOut !== undefined ? { notOut: op.notOut } : {}),
            },
          ];
          linux = now.ipForward ? [table()] : [{ op: 'setIpForward', on: true }, table()];
          now.ipForward = true;
          break;
        case 'deleteNat':
          masq = masq.filter((r) => `${NAT_PREFIX}${r.outIf}` !== op.name);
          linux = [table()];
          break;
        case 'setFirewall':
          linux = []; // not managed on Linux (module comment)
          break;
        case 'setLinkDns':
          linux = [
            { op: 'resolvedSetLink', dev: op.iface, server: formatIpv4(op.server), domain: op.domain },
          ];
          break;
        case 'revertLinkDns':
          linux = [{ op: 'resolvedRevertLink', dev: op.iface }];
          break;
        case 'setWslNat':
        case 'clearWslUserIp':
        case 'setWslConfig':
        case 'setHyperVFirewallInbound':
        case 'addNrptRule':
        case 'removeNrptRule':
        case 'registerBootTask':
        case 'stageBootFiles':
        case 'unregisterBootTask':
        case 'restoreWslNat':
        case 'restoreWslUserIp':
        case 'removeWslConfig':
        case 'restoreHyperVFirewallInbound':
          return { done: i, error: new Error(`${op.op} is Windows-only`) };
      }
      const r = await runOps(linux, this.run);
      if (!r.ok)
        return {
          done: i,
          error: new Error(
            r.failure ? `${r.failure.command.join(' ')}: ${r.failure.message}` : `${op.op} failed`,
          ),
        };
    }
    return { done: ops.length };
  }
}
