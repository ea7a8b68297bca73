/**
 * The Linux backend's operations as data, the exact argv lists each one runs (pure — so `plan` can show
 * the commands and tests can assert them), and an executor that runs them in order and stops at the
 * first failure.
 *
 * Tools: iproute2 (`ip`), procps `sysctl` (writes /proc/sys of the namespace it runs in; the slash form
 * `net/ipv4/conf/<dev>/forwarding` is used because interface names may contain dots) and `nft`.
 *
 * The nftables table is always replaced whole, atomically: one nft batch
 *   table inet switchyard {}          ← makes the delete below valid when the table does not exist yet
 *   delete table inet switchyard
 *   table inet switchyard { … }
 * is a single netlink transaction: if any part fails (parse, evaluation or kernel), nothing changes and
 * the old table stays (checked in the lab). The batch is passed to nft as one argv element rather than on
 * stdin (`nft -f -`): nft reads a command line exactly like a file — one batch, one transaction — and the
 * injected Runner has no stdin. (`destroy table` would be shorter but needs nftables ≥ 1.0.8 / Linux 6.3.)
 *
 * Sysctl semantics to respect when ordering ops: writing net.ipv4.ip_forward (= conf/all/forwarding)
 * copies the value to conf/default and to EVERY interface's forwarding. So setIpForward goes before any
 * setForwarding, and setIpForward(false) turns per-interface forwarding off everywhere. IPv4 forwards a
 * packet when the interface it ARRIVED on has forwarding on: NAT'd traffic from a switch needs forwarding
 * on the switch bridge and also on the uplink (for the replies) — checked in a namespace lab.
 */
import { createHash } from 'node:crypto';
import { InternalError } from '../../errors.js';
import { parseCidr, parseIpv4 } from '../../net/ipv4.js';
import { isValidInterfaceName, type RunResult, type Runner } from './interfaces.js';
import {
  BRIDGE_ALIAS,
  NFT_FAMILY,
  NFT_TABLE,
  NFT_TABLE_COMMENT,
  OWNED_LABEL_SUFFIX,
} from '../../model/marks.js';
import type { NftRuleSpec, ObservedNftTable } from './observe.js';
import { resolvectlSetArgv } from './resolved.js';

export type { NftRuleSpec } from './observe.js';

export type LinuxOp =
  /** A bridge for a switch, marked ours (alias `switchyard:switch`), with a stable MAC derived from its name. */
  | { op: 'createBridge'; name: string }
  | { op: 'deleteLink'; name: string }
  | { op: 'setLinkUp'; name: string }
  /** Adds a.b.c.d/prefix with the subnet broadcast, labelled `<dev>:sy` when the label fits (ownership mark). */
  | { op: 'addAddress'; dev: string; address: string; prefix: number }
  | { op: 'delAddress'; dev: string; address: string; prefix: number }
  | { op: 'setForwarding'; dev: string; on: boolean }
  /** net.ipv4.ip_forward — also overwrites every interface's forwarding (see the module comment). */
  | { op: 'setIpForward'; on: boolean }
  /** Replaces the whole table `inet switchyard` with these rules, atomically. */
  | { op: 'ensureNftTable'; rules: NftRuleSpec[] }
  | { op: 'deleteNftTable' }
  /** systemd-resolved: `dev` gets exactly DNS server `server` and routing-only domain `~domain` (resolved.ts). */
  | { op: 'resolvedSetLink'; dev: string; server: string; domain: string }
  | { op: 'resolvedRevertLink'; dev: string };

/** A name that is a valid Linux interface name and safe inside an nft double-quoted string. */
export function isSafeLinkName(name: string): boolean {
  return isValidInterfaceName(name) && /^[\x21-\x7e]+$/.test(name) && !/["\\]/.test(name);
}

function linkName(name: string): string {
  if (!isSafeLinkName(name)) {
    throw new InternalError(
      `"${name}" is not a usable Linux interface name (1 to 15 printable ASCII bytes, no / : " \\ or spaces)`,
    );
  }
  return name;
}

function hostAddress(address: string, prefix: number): string {
  const ip = parseIpv4(address);
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 1 || prefix > 32) {
    throw new InternalError(`not an IPv4 address with a prefix length 1..32: ${address}/${prefix}`);
  }
  return `${address}/${prefix}`;
}

function networkCidr(text: string): string {
  const r = parseCidr(text);
  if (!r.ok) throw new InternalError(`bad source prefix in an nft rule: ${r.reason}`);
  return text;
}

/**
 * A stable, locally administered unicast MAC for a bridge, from its name. Without one a Linux bridge takes
 * the lowest MAC of its ports and changes it as VMs come and go, which breaks the clients' ARP entry for
 * the DHCP/DNS server address.
 */
export function bridgeMac(name: string): string {
  const h = createHash('sha256').update(`switchyard bridge ${name}`).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** The ownership label for an address on `dev` (`<dev>:sy`), or undefined when it does not fit in 15 bytes. */
export function addressLabel(dev: string): string | undefined {
  const label = `${dev}${OWNED_LABEL_SUFFIX}`;
  return Buffer.byteLength(label, 'utf8') <= 15 ? label : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// nftables text

/** One rule as nft syntax (without the chain). */
export function renderNftRule(rule: NftRuleSpec): string {
  switch (rule.kind) {
    case 'masquerade': {
      const notOut =
        rule.notOut !== undefined && rule.notOut.length > 0
          ? ` oifname != { ${[...rule.notOut]
              .sort()
              .map((n) => `"${linkName(n)}"`)
              .join(', ')} }`
          : '';
      return `ip saddr ${networkCidr(rule.source)} oifname ${rule.outIfNegated ? '!= ' : ''}"${linkName(rule.outIf)}"${notOut} masquerade`;
    }
    case 'acceptInput': {
      if (!Number.isInteger(rule.port) || rule.port < 1 || rule.port > 65535) {
        throw new InternalError(`bad port in an nft rule: ${rule.port}`);
      }
      const src = rule.source === undefined ? '' : ` ip saddr ${networkCidr(rule.source)}`;
      return `iifname "${linkName(rule.inIf)}"${src} ${rule.proto} dport ${rule.port} accept`;
    }
    case 'acceptForward':
      return `iifname "${linkName(rule.inIf)}" oifname "${linkName(rule.outIf)}" accept`;
    case 'acceptEstablished':
      return 'ct state established,related accept';
  }
}

/** The chain each rule kind lives in. */
export function nftChainOf(rule: NftRuleSpec): 'postrouting' | 'input' | 'forward' {
  return rule.kind === 'masquerade' ? 'postrouting' : rule.kind === 'acceptInput' ? 'input' : 'forward';
}

/**
 * Our three base chains, always all present, all with policy accept: the table only ever adds NAT and
 * accepts, it never drops anything. Limit: an accept here does NOT override a drop in another table (every
 * base chain on a hook sees the packet, an accept ends only its own chain, and any drop is final), so on a
 * host whose firewall (firewalld, ufw, Docker's FORWARD policy DROP…) drops this traffic, these accepts do
 * not open it; they state the intent, cost nothing, and become effective only where nothing else drops.
 */
export const NFT_CHAINS = [
  { name: 'postrouting', type: 'nat', hook: 'postrouting', prio: 100, prioName: 'srcnat', policy: 'accept' },
  { name: 'input', type: 'filter', hook: 'input', prio: 0, prioName: 'filter', policy: 'accept' },
  { name: 'forward', type: 'filter', hook: 'forward', prio: 0, prioName: 'filter', policy: 'accept' },
] as const;

/** The whole nft batch that atomically replaces table `inet switchyard` with `rules` (grouped by chain, in order). */
export function renderNftTable(rules: readonly NftRuleSpec[]): string {
  const table = `${NFT_FAMILY} ${NFT_TABLE}`;
  const lines = [`table ${table} {}`, `delete table ${table}`, `table ${table} {`];
  lines.push(`\tcomment "${NFT_TABLE_COMMENT}"`);
  for (const c of NFT_CHAINS) {
    lines.push(`\tchain ${c.name} {`);
    lines.push(`\t\ttype ${c.type} hook ${c.hook} priority ${c.prioName}; policy ${c.policy};`);
    for (const r of rules) if (nftChainOf(r) === c.name) lines.push(`\t\t${renderNftRule(r)}`);
    lines.push('\t}');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export interface NftSwitch {
  /** The bridge (interface) of the switch. */
  bridge: string;
  /** Its subnet, CIDR. */
  subnet: string;
  nat: boolean;
}

/**
 * The interfaces, besides a switch's own bridge, whose traffic its NAT leaves alone, sorted: `lo` (the
 * host's own queries to the switch address leave by lo with a switch-subnet source: NAT'd, the daemon's
 * DNS would refuse them), the WSL link and every other switch (WSL and the VMs see each other by their own
 * addresses). Everything else is the way out: the uplink, whichever it is now (a VPN's tun included).
 */
export function natNotOut(bridge: string, others: readonly string[]): string[] {
  return [...new Set(['lo', ...others])].filter((n) => n !== bridge).sort();
}

/**
 * The rules for a topology, in render order: for each switch, masquerade of its subnet leaving toward the
 * uplink (not its own bridge, lo, the WSL link or another switch; see natNotOut) when nat, DHCP (udp 67 from the bridge, any source: a DISCOVER comes from 0.0.0.0)
 * and DNS (udp and tcp 53 from the bridge and the switch subnet) on input; with a WSL link, established/
 * related plus WSL ⇄ bridge on forward.
 */
export function switchyardNftRules(t: { switches: readonly NftSwitch[]; wsl?: string }): NftRuleSpec[] {
  const rules: NftRuleSpec[] = [];
  const inside = [...t.switches.map((s) => s.bridge), ...(t.wsl !== undefined ? [t.wsl] : [])];
  for (const s of t.switches) {
    if (s.nat) {
      rules.push({
        kind: 'masquerade',
        source: s.subnet,
        outIf: s.bridge,
        outIfNegated: true,
        notOut: natNotOut(s.bridge, inside),
      });
    }
  }
  for (const s of t.switches) {
    rules.push({ kind: 'acceptInput', inIf: s.bridge, proto: 'udp', port: 67 });
    rules.push({ kind: 'acceptInput', inIf: s.bridge, source: s.subnet, proto: 'udp', port: 53 });
    rules.push({ kind: 'acceptInput', inIf: s.bridge, source: s.subnet, proto: 'tcp', port: 53 });
  }
  if (t.wsl !== undefined && t.switches.length > 0) {
    rules.push({ kind: 'acceptEstablished' });
    for (const s of t.switches) {
      rules.push({ kind: 'acceptForward', inIf: t.wsl, outIf: s.bridge });
      rules.push({ kind: 'acceptForward', inIf: s.bridge, outIf: t.wsl });
    }
  }
  return rules;
}

/**
 * Whether the observed table is exactly what ensureNftTable(rules) writes: our three chains with their
 * hooks and policies, the same rules (order within a chain ignored: every rule is an accept or the one
 * masquerade of a subnet) and nothing else.
 */
export function nftTableConverged(
  observed: ObservedNftTable | undefined,
  rules: readonly NftRuleSpec[],
): boolean {
  if (observed === undefined || observed.unrecognized.length > 0) return false;
  const chains = observed.chains.map((c) => `${c.name} ${c.type} ${c.hook} ${c.prio} ${c.policy}`).sort();
  const want = NFT_CHAINS.map((c) => `${c.name} ${c.type} ${c.hook} ${c.prio} ${c.policy}`).sort();
  if (chains.join('\n') !== want.join('\n')) return false;
  const key = (r: NftRuleSpec): string => `${nftChainOf(r)} ${renderNftRule(r)}`;
  return observed.rules.map(key).sort().join('\n') === rules.map(key).sort().join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// ops → argv

/** The argv lists an op runs, in order (most ops: one). Throws InternalError on a malformed op. */
export function renderOp(op: LinuxOp): string[][] {
  switch (op.op) {
    case 'createBridge': {
      const name = linkName(op.name);
      return [
        // forward_delay 0: with STP off (the default) a new port forwards at once
        [
          'ip',
          'link',
          'add',
          'name',
          name,
          'address',
          bridgeMac(name),
          'type',
          'bridge',
          'forward_delay',
          '0',
        ],
        // `ip link add … alias` is ignored by the kernel: the mark needs its own request
        ['ip', 'link', 'set', 'dev', name, 'alias', BRIDGE_ALIAS],
      ];
    }
    case 'deleteLink':
      return [['ip', 'link', 'del', 'dev', linkName(op.name)]];
    case 'setLinkUp':
      return [['ip', 'link', 'set', 'dev', linkName(op.name), 'up']];
    case 'addAddress': {
      const dev = linkName(op.dev);
      const label = addressLabel(dev);
      return [
        [
          'ip',
          'address',
          'add',
          hostAddress(op.address, op.prefix),
          'broadcast',
          '+',
          'dev',
          dev,
          ...(label !== undefined ? ['label', label] : []),
        ],
      ];
    }
    case 'delAddress':
      return [['ip', 'address', 'del', hostAddress(op.address, op.prefix), 'dev', linkName(op.dev)]];
    case 'setForwarding':
      return [['sysctl', '-q', '-w', `net/ipv4/conf/${linkName(op.dev)}/forwarding=${op.on ? 1 : 0}`]];
    case 'setIpForward':
      return [['sysctl', '-q', '-w', `net/ipv4/ip_forward=${op.on ? 1 : 0}`]];
    case 'ensureNftTable':
      return [['nft', renderNftTable(op.rules)]];
    case 'deleteNftTable':
      return [['nft', 'delete', 'table', NFT_FAMILY, NFT_TABLE]];
    case 'resolvedSetLink': {
      const server = parseIpv4(op.server);
      if (server === undefined || !/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(op.domain)) {
        throw new InternalError(`bad resolved link setting: server ${op.server}, domain ${op.domain}`);
      }
      return resolvectlSetArgv(linkName(op.dev), op.server, op.domain);
    }
    case 'resolvedRevertLink':
      return [['resolvectl', 'revert', linkName(op.dev)]];
  }
}

/** One line for a plan or a progress message. */
export function describeOp(op: LinuxOp): string {
  switch (op.op) {
    case 'createBridge':
      return `create bridge ${op.name}`;
    case 'deleteLink':
      return `delete link ${op.name}`;
    case 'setLinkUp':
      return `set link ${op.name} up`;
    case 'addAddress':
      return `add address ${op.address}/${op.prefix} to ${op.dev}`;
    case 'delAddress':
      return `delete address ${op.address}/${op.prefix} from ${op.dev}`;
    case 'setForwarding':
      return `turn IPv4 forwarding ${op.on ? 'on' : 'off'} for ${op.dev}`;
    case 'setIpForward':
      return `turn net.ipv4.ip_forward ${op.on ? 'on' : 'off'} (all interfaces)`;
    case 'ensureNftTable':
      return `write nftables table ${NFT_FAMILY} ${NFT_TABLE} (${op.rules.length} rules)`;
    case 'deleteNftTable':
      return `delete nftables table ${NFT_FAMILY} ${NFT_TABLE}`;
    case 'resolvedSetLink':
      return `resolved: DNS ${op.server} and domain ~${op.domain} on ${op.dev}`;
    case 'resolvedRevertLink':
      return `resolved: revert the DNS settings of ${op.dev}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// executor

export interface OpStep {
  /** Position of the op in the list. */
  index: number;
  total: number;
  op: LinuxOp;
  /** running: about to run; done: every command exited 0; failed: see `error`. */
  status: 'running' | 'done' | 'failed';
  /** The argv lists of the op (all of them, also for 'running'). */
  commands: string[][];
  error?: string;
}

export interface OpFailure {
  index: number;
  op: LinuxOp;
  /** The argv that failed. */
  command: string[];
  /** How many of the op's commands had succeeded before it (non-zero: the op is half done). */
  commandsDone: number;
  message: string;
  result?: RunResult;
}

export interface RunOpsResult {
  ok: boolean;
  /** Ops that ran to completion, in order. */
  done: LinuxOp[];
  /** Ops not completed: the failed one first, then those never started. Empty when ok. */
  remaining: LinuxOp[];
  failure?: OpFailure;
}

/**
 * Runs the ops in order; stops at the first failure (a command that exits non-zero or cannot be run).
 * Never throws for a failed command: the result says what was done and what remains. Ops are rendered
 * up front, so a malformed op throws InternalError before anything runs.
 */
export async function runOps(
  ops: readonly LinuxOp[],
  run: Runner,
  onStep?: (step: OpStep) => void,
): Promise<RunOpsResult> {
  const rendered = ops.map(renderOp);
  const done: LinuxOp[] = [];
  for (const [index, op] of ops.entries()) {
    const commands = rendered[index]!;
    const step = { index, total: ops.length, op, commands };
    onStep?.({ ...step, status: 'running' });
    for (const [i, argv] of commands.entries()) {
      let result: RunResult | undefined;
      let message: string | undefined;
      try {
        result = await run(argv[0]!, argv.slice(1));
        if (result.code !== 0) {
          const why = result.stderr.trim() || result.stdout.trim() || 'no output';
          message = `${describeOp(op)}: ${argv[0]!} exited with code ${result.code}: ${why}`;
        }
      } catch (err) {
        message = `${describeOp(op)}: could not run ${argv[0]!}: ${(err as Error).message}`;
      }
      if (message !== undefined) {
        onStep?.({ ...step, status: 'failed', error: message });
        return {
          ok: false,
          done,
          remaining: ops.slice(index),
          failure: {
            index,
            op,
            command: argv,
            commandsDone: i,
            message,
            ...(result !== undefined ? { result } : {}),
          },
        };
      }
    }
    done.push(op);
    onStep?.({ ...step, status: 'done' });
  }
  return { ok: true, done, remaining: [] };
}
