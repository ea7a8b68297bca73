/**
 * What the Linux backend sees of the current network namespace, in one pass: links with their IPv4
 * addresses and ownership marks, IPv4 routes (every table: the planner must avoid them, VPN routes
 * included), per-interface and global IPv4 forwarding, and our nftables table parsed into a small typed
 * model. One effectful function (`observeLinux`, through an injected Runner and file reader); the parsers
 * are pure and tested on JSON recorded from real commands (test/fixtures/linux/).
 *
 * Ownership marks — switchyard only ever changes what it can prove is its own:
 * - Links: the interface alias (IFLA_IFALIAS, `ip link set dev X alias switchyard:<purpose>`). Works on
 *   bridges (verified here with kernel 6.x and iproute2 6.1). `ip link add … alias A` is silently ignored
 *   by the kernel, so a bridge is created first and marked by a second command (see ops.ts).
 * - nftables: we own exactly the table `inet switchyard`, nothing else; it is always rewritten whole.
 * - IPv4 addresses: the kernel has an address protocol attribute (IFA_PROTO, Linux ≥ 5.18, so Debian 12's
 *   6.1 kernel has it), but iproute2 learned `ip address add … proto` only in 6.4 (commit bdb8d8549ed9,
 *   2023-03-27); Debian 12 ships iproute2 6.1.0, which rejects it ('either "local" is duplicate, or
 *   "proto" is a garbage'). So an address is ours when it sits on a link we own, or when it carries the
 *   label `<dev>:sy` (IFA_LABEL: IPv4 only, must start with the device name, at most 15 bytes — so the
 *   mark fits only on devices whose name is at most 12 bytes; on longer names an address we add on a
 *   foreign link is unmarked and is never removed by us).
 */
import { readFile } from 'node:fs/promises';
import { EnvironmentError } from '../../errors.js';
import { formatCidr, maskOf, parseIpv4, type Ipv4 } from '../../net/ipv4.js';
import { FOREVER_LIFETIME, type Runner } from './interfaces.js';
import { NFT_FAMILY, NFT_TABLE, OWNED_LABEL_SUFFIX, OWNER_ALIAS_PREFIX } from '../../model/marks.js';
import { observeResolved, sameNamespace, type ResolvedState } from './resolved.js';

export interface ObservedAddress {
  /** Dotted quad. */
  address: string;
  prefix: number;
  /** Not permanent (DHCP-style): iproute2's "dynamic" flag or a finite valid lifetime. */
  dynamic: boolean;
  /** IFA_LABEL as iproute2 prints it (the device name when none was given). */
  label?: string;
  /** Ours: on a link we own, or labelled `<dev>:sy`. */
  owned: boolean;
}

export interface ObservedLink {
  name: string;
  index: number;
  /** rtnetlink kind: "bridge", "veth", "dummy", "wireguard", "tun"…; absent for physical NICs and lo. */
  kind?: string;
  /** Administratively up (the UP flag). */
  up: boolean;
  /** RFC 2863 operational state as iproute2 prints it: UP, DOWN, UNKNOWN, LOWERLAYERDOWN… */
  operState: string;
  /** The bridge (or bond…) this link is a port of. */
  master?: string;
  mac?: string;
  /** IFLA_IFALIAS, when set. */
  alias?: string;
  /** The alias starts with `switchyard:`. */
  owned: boolean;
  /** What follows `switchyard:` in the alias (e.g. "switch"), for owned links. */
  purpose?: string;
  /** IPv4 addresses, in iproute2's order (primary first). */
  addresses: ObservedAddress[];
  /** /proc/sys/net/ipv4/conf/<name>/forwarding; absent when it could not be read (filled by observeLinux). */
  forwarding?: boolean;
}

export interface ObservedRoute {
  /** Always CIDR: "default" becomes 0.0.0.0/0, a host route a.b.c.d becomes a.b.c.d/32. */
  dst: string;
  /** unicast (default), local, broadcast, blackhole, unreachable, prohibit, multicast… */
  type: string;
  /** main (default), local, or a number / rt_tables name (e.g. "51820" for wg-quick). */
  table: string;
  /** kernel, boot (default), static, dhcp, or a number / rt_protos name. */
  proto: string;
  /** Output device; for a multipath route, the first next hop's. */
  dev?: string;
  /** Next-hop gateway; for a multipath route, the first next hop's. */
  gateway?: string;
}

/**
 * The rules switchyard puts in its table: the typed model shared by the parser (what is there) and the
 * renderer in ops.ts (what should be there).
 * - masquerade (chain postrouting): `ip saddr SOURCE oifname [!=] OUTIF [oifname != { NOTOUT… }] masquerade`;
 *   `notOut` (sorted) lists the other interfaces whose traffic is never NAT'd (lo, the WSL link, other switches)
 * - acceptInput (chain input): `iifname INIF [ip saddr SOURCE] udp|tcp dport PORT accept`
 * - acceptForward (chain forward): `iifname INIF oifname OUTIF accept`
 * - acceptEstablished (chain forward): `ct state established,related accept`
 */
export type NftRuleSpec =
  | { kind: 'masquerade'; source: string; outIf: string; outIfNegated: boolean; notOut?: string[] }
  | { kind: 'acceptInput'; inIf: string; source?: string; proto: 'udp' | 'tcp'; port: number }
  | { kind: 'acceptForward'; inIf: string; outIf: string }
  | { kind: 'acceptEstablished' };

export interface NftChainInfo {
  name: string;
  /** Base chains only: filter, nat, route. */
  type?: string;
  hook?: string;
  prio?: number;
  policy?: string;
}

export interface NftUnrecognizedRule {
  chain: string;
  handle?: number;
  reason: string;
}

export interface ObservedNftTable {
  chains: NftChainInfo[];
  /** The rules that have one of our shapes in the chain where we put that shape, in listing order. */
  rules: NftRuleSpec[];
  /** Everything else in the table (someone edited it by hand, or an older switchyard wrote it). */
  unrecognized: NftUnrecognizedRule[];
}

export interface ObservedLinux {
  links: ObservedLink[];
  /** IPv4 routes from every table (`ip -4 route show table all`). */
  routes: ObservedRoute[];
  /** net.ipv4.ip_forward (= conf/all/forwarding). */
  ipForward: boolean;
  /** Our table `inet switchyard`; undefined when it does not exist (normal before the first apply). */
  nftTable: ObservedNftTable | undefined;
  /** systemd-resolved's per-link DNS settings, or why it could not be asked (resolved.ts). */
  resolved?: ResolvedState;
}

/** Reads a text file; resolves undefined when it does not exist. */
export type ReadText = (path: string) => Promise<string | undefined>;

/** The default ReadText: the file system of this process (so: this process's network namespace for /proc/sys/net). */
export const readTextFile: ReadText = async (path) => {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EnvironmentError(`could not read ${path}: ${(err as Error).message}`, { cause: err });
  }
};

// ---------------------------------------------------------------------------------------------------------
// JSON helpers

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EnvironmentError(`unexpected output from ${what} (not JSON): ${text.slice(0, 200)}`);
  }
}

function jsonArray(text: string, what: string): unknown[] {
  const data = parseJson(text, what);
  if (!Array.isArray(data)) {
    throw new EnvironmentError(`unexpected output from ${what} (not a JSON array): ${text.slice(0, 200)}`);
  }
  return data;
}

// ---------------------------------------------------------------------------------------------------------
// links and addresses: `ip -j -d address show`

function ownedLabel(dev: string, label: string | undefined): boolean {
  return label === `${dev}${OWNED_LABEL_SUFFIX}`;
}

function parseAddress(entry: unknown, dev: string, linkOwned: boolean): ObservedAddress | undefined {
  if (!isRecord(entry) || entry.family !== 'inet') return undefined;
  const { local, prefixlen, dynamic, valid_life_time: valid } = entry;
  if (typeof local !== 'string' || typeof prefixlen !== 'number') return undefined;
  const label = str(entry.label);
  return {
    address: local,
    prefix: prefixlen,
    dynamic: dynamic === true || (typeof valid === 'number' && valid < FOREVER_LIFETIME),
    ...(label !== undefined ? { label } : {}),
    owned: linkOwned || ownedLabel(dev, label),
  };
}

function parseLink(entry: unknown): ObservedLink | undefined {
  if (!isRecord(entry)) return undefined;
  const name = str(entry.ifname);
  const index = entry.ifindex;
  if (name === undefined || typeof index !== 'number') return undefined;
  const flags = Array.isArray(entry.flags) ? entry.flags : [];
  const kind = isRecord(entry.linkinfo) ? str(entry.linkinfo.info_kind) : undefined;
  const master = str(entry.master);
  const mac = str(entry.address);
  const alias = str(entry.ifalias);
  const owned = alias?.startsWith(OWNER_ALIAS_PREFIX) ?? false;
  const addrInfo = Array.isArray(entry.addr_info) ? entry.addr_info : [];
  return {
    name,
    index,
    ...(kind !== undefined ? { kind } : {}),
    up: flags.includes('UP'),
    operState: str(entry.operstate) ?? 'UNKNOWN',
    ...(master !== undefined ? { master } : {}),
    ...(mac !== undefined ? { mac } : {}),
    ...(alias !== undefined ? { alias } : {}),
    owned,
    ...(owned && alias !== undefined ? { purpose: alias.slice(OWNER_ALIAS_PREFIX.length) } : {}),
    addresses: addrInfo.map((a) => parseAddress(a, name, owned)).filter((a) => a !== undefined),
  };
}

/**
 * Parses `ip -j -d address show` (every link with details — kind, master, ifalias — and its addresses;
 * `ip -j -d link show` works too and gives links without addresses). IPv6 addresses are dropped.
 */
export function parseLinks(json: string): ObservedLink[] {
  return jsonArray(json, 'ip -j -d address show')
    .map(parseLink)
    .filter((l) => l !== undefined);
}

// ---------------------------------------------------------------------------------------------------------
// routes: `ip -j -4 route show table all`

function routeDst(dst: string): string | undefined {
  if (dst === 'default') return '0.0.0.0/0';
  const slash = dst.indexOf('/');
  const ip = parseIpv4(slash < 0 ? dst : dst.slice(0, slash));
  const prefix = slash < 0 ? 32 : Number(dst.slice(slash + 1));
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  return formatCidr({ network: ((ip & maskOf(prefix)) >>> 0) as Ipv4, prefix });
}

function parseRoute(entry: unknown): ObservedRoute | undefined {
  if (!isRecord(entry)) return undefined;
  const rawDst = str(entry.dst);
  const dst = rawDst === undefined ? undefined : routeDst(rawDst);
  if (dst === undefined) return undefined;
  const hop = Array.isArray(entry.nexthops) && isRecord(entry.nexthops[0]) ? entry.nexthops[0] : entry;
  const dev = str(entry.dev) ?? str(hop.dev);
  const gateway = str(entry.gateway) ?? str(hop.gateway);
  return {
    dst,
    type: str(entry.type) ?? 'unicast',
    table: str(entry.table) ?? 'main',
    // iproute2 leaves out RTPROT_BOOT ("boot"), the protocol of routes added by hand without one.
    proto: str(entry.protocol) ?? 'boot',
    ...(dev !== undefined ? { dev } : {}),
    ...(gateway !== undefined ? { gateway } : {}),
  };
}

/** Parses `ip -j -4 route show table all`. Routes of the `local` table are the host's own addresses. */
export function parseRoutes(json: string): ObservedRoute[] {
  return jsonArray(json, 'ip -j -4 route show')
    .map(parseRoute)
    .filter((r) => r !== undefined);
}

// ---------------------------------------------------------------------------------------------------------
// nftables: `nft -j list tables`, `nft -j list table inet switchyard`

function nftObjects(json: string, what: string): Json[] {
  const data = parseJson(json, what);
  if (!isRecord(data) || !Array.isArray(data.nftables)) {
    throw new EnvironmentError(`unexpected output from ${what} (no "nftables" array): ${json.slice(0, 200)}`);
  }
  return data.nftables.filter(isRecord);
}

/** Parses `nft -j list tables`: every table as { family, name }. */
export function parseNftTables(json: string): { family: string; name: string }[] {
  const out: { family: string; name: string }[] = [];
  for (const o of nftObjects(json, 'nft -j list tables')) {
    if (!isRecord(o.table)) continue;
    const family = str(o.table.family);
    const name = str(o.table.name);
    if (family !== undefined && name !== undefined) out.push({ family, name });
  }
  return out;
}

/** What the expressions of one rule say, if they are all of the few kinds we write. */
interface RuleFacts {
  iif?: { name: string; negated: boolean };
  oif?: { name: string; negated: boolean };
  /** `oifname != { … }`, sorted (nft lists a set's elements in its own order). */
  oifNotIn?: string[];
  saddr?: string;
  l4?: { proto: 'udp' | 'tcp'; dport: number };
  ctState?: string[];
  verdict?: 'accept' | 'masquerade';
}

function sourcePrefix(right: unknown): string | undefined {
  if (typeof right === 'string') return routeDst(right.includes('/') ? right : `${right}/32`);
  if (isRecord(right) && isRecord(right.prefix)) {
    const addr = str(right.prefix.addr);
    const len = right.prefix.len;
    if (addr === undefined || typeof len !== 'number') return undefined;
    const ip = parseIpv4(addr);
    // the kernel stores the masked prefix; refuse rather than "fix" one that is not aligned
    if (ip === undefined || len < 0 || len > 32 || (ip & maskOf(len)) >>> 0 !== ip) return undefined;
    return `${addr}/${len}`;
  }
  return undefined;
}

/** Folds one expression into `facts`; returns a reason when it is not one we write. */
function addFact(facts: RuleFacts, e: unknown): string | undefined {
  if (!isRecord(e)) return 'malformed expression';
  if ('accept' in e || 'masquerade' in e) {
    if (facts.verdict !== undefined) return 'two verdicts';
    facts.verdict = 'accept' in e ? 'accept' : 'masquerade';
    return undefined;
  }
  const m = e.match;
  if (!isRecord(m) || !isRecord(m.left)) return `unexpected expression ${Object.keys(e).join(',')}`;
  const { op, left, right } = m;
  if (isRecord(left.meta) && (left.meta.key === 'iifname' || left.meta.key === 'oifname')) {
    const key = left.meta.key === 'iifname' ? 'iif' : 'oif';
    if (key === 'oif' && op === '!=' && isRecord(right) && Array.isArray(right.set)) {
      const names = right.set.filter((n) => typeof n === 'string');
      if (names.length !== right.set.length || facts.oifNotIn !== undefined) return 'unexpected oifname set';
      facts.oifNotIn = [...names].sort();
      return undefined;
    }
    if (typeof right !== 'string' || (op !== '==' && op !== '!=')) return `unexpected ${key}name match`;
    if (facts[key] !== undefined) return `two ${key}name matches`;
    facts[key] = { name: right, negated: op === '!=' };
    return undefined;
  }
  if (isRecord(left.payload)) {
    const { protocol, field } = left.payload;
    if (protocol === 'ip' && field === 'saddr' && op === '==') {
      const source = sourcePrefix(right);
      if (source === undefined || facts.saddr !== undefined) return 'unexpected ip saddr match';
      facts.saddr = source;
      return undefined;
    }
    if ((protocol === 'udp' || protocol === 'tcp') && field === 'dport' && op === '==') {
      if (typeof right !== 'number' || facts.l4 !== undefined) return `unexpected ${protocol} dport match`;
      facts.l4 = { proto: protocol, dport: right };
      return undefined;
    }
  }
  if (isRecord(left.ct) && left.ct.key === 'state' && (op === 'in' || op === '==')) {
    const states = Array.isArray(right) ? right : [right];
    if (!states.every((s) => typeof s === 'string') || facts.ctState !== undefined) {
      return 'unexpected ct state match';
    }
    facts.ctState = [...states].sort();
    return undefined;
  }
  return 'unexpected match';
}

function classify(chain: string, f: RuleFacts): NftRuleSpec | string {
  const { iif, oif, oifNotIn, saddr, l4, ctState, verdict } = f;
  if (chain === 'postrouting' && verdict === 'masquerade') {
    if (saddr !== undefined && oif !== undefined && !iif && !l4 && !ctState) {
      return {
        kind: 'masquerade',
        source: saddr,
        outIf: oif.name,
        outIfNegated: oif.negated,
        ...(oifNotIn !== undefined ? { notOut: oifNotIn } : {}),
      };
    }
  } else if (oifNotIn !== undefined) {
    return `not one of switchyard's rule shapes for chain ${chain}`;
  } else if (chain === 'input' && verdict === 'accept') {
    if (iif && !iif.negated && l4 && !oif && !ctState) {
      return {
        kind: 'acceptInput',
        inIf: iif.name,
        ...(saddr !== undefined ? { source: saddr } : {}),
        proto: l4.proto,
        port: l4.dport,
      };
    }
  } else if (chain === 'forward' && verdict === 'accept') {
    if (ctState && !iif && !oif && saddr === undefined && !l4) {
      if (ctState.join(',') === 'established,related') return { kind: 'acceptEstablished' };
    } else if (iif && oif && !iif.negated && !oif.negated && saddr === undefined && !l4 && !ctState) {
      return { kind: 'acceptForward', inIf: iif.name, outIf: oif.name };
    }
  }
  return `not one of switchyard's rule shapes for chain ${chain}`;
}

/**
 * Parses `nft -j list table inet switchyard` into chains, recognized rules and the rest. Returns
 * undefined when the output holds no `inet switchyard` table.
 */
export function parseNftTable(json: string): ObservedNftTable | undefined {
  const objects = nftObjects(json, `nft -j list table ${NFT_FAMILY} ${NFT_TABLE}`);
  const ours = (o: Json): boolean => o.family === NFT_FAMILY && o.table === NFT_TABLE;
  const hasTable = objects.some(
    (o) => isRecord(o.table) && o.table.family === NFT_FAMILY && o.table.name === NFT_TABLE,
  );
  if (!hasTable) return undefined;
  const result: ObservedNftTable = { chains: [], rules: [], unrecognized: [] };
  for (const o of objects) {
    if (isRecord(o.chain) && ours(o.chain)) {
      const c = o.chain;
      const name = str(c.name);
      if (name === undefined) continue;
      const type = str(c.type);
      const hook = str(c.hook);
      const policy = str(c.policy);
      result.chains.push({
        name,
        ...(type !== undefined ? { type } : {}),
        ...(hook !== undefined ? { hook } : {}),
        ...(typeof c.prio === 'number' ? { prio: c.prio } : {}),
        ...(policy !== undefined ? { policy } : {}),
      });
    } else if (isRecord(o.rule) && ours(o.rule)) {
      const r = o.rule;
      const chain = str(r.chain) ?? '';
      const handle = typeof r.handle === 'number' ? { handle: r.handle } : {};
      const facts: RuleFacts = {};
      const exprs = Array.isArray(r.expr) ? r.expr : [];
      const problem = exprs.map((e) => addFact(facts, e)).find((p) => p !== undefined);
      const spec = problem ?? classify(chain, facts);
      if (typeof spec === 'string') result.unrecognized.push({ chain, ...handle, reason: spec });
      else result.rules.push(spec);
    } else if (!isRecord(o.metainfo) && !isRecord(o.table)) {
      // sets, maps, counters, flowtables…: we never create them
      const kind = Object.keys(o)[0] ?? '?';
      result.unrecognized.push({ chain: '', reason: `unexpected ${kind} object` });
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// the one effectful pass

async function runJson(run: Runner, file: string, args: readonly string[], hint: string): Promise<string> {
  let r;
  try {
    r = await run(file, args);
  } catch (err) {
    throw new EnvironmentError(`could not run ${file} (${hint}): ${(err as Error).message}`, { cause: err });
  }
  if (r.code !== 0) {
    throw new EnvironmentError(`${file} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return r.stdout;
}

function parseFlag(text: string | undefined): boolean | undefined {
  const t = text?.trim();
  return t === '1' ? true : t === '0' ? false : undefined;
}

/**
 * Observes the current network namespace (as `run` and `read` see it): `ip -j -d address show`,
 * `ip -j -4 route show table all`, `nft -j list tables` (+ `nft -j list table inet switchyard` when it
 * exists), `resolvectl dns` and `resolvectl domain` (a failure there only means "no resolved"), /proc/sys/net/ipv4/ip_forward and /proc/sys/net/ipv4/conf/<link>/forwarding for every link.
 * Needs CAP_NET_ADMIN for nft. Throws EnvironmentError when a command fails or prints something unexpected.
 */
export async function observeLinux(run: Runner, read: ReadText = readTextFile): Promise<ObservedLinux> {
  const [addrJson, routeJson, tablesJson, ipForwardText, resolved] = await Promise.all([
    runJson(run, 'ip', ['-j', '-d', 'address', 'show'], 'install iproute2'),
    runJson(run, 'ip', ['-j', '-4', 'route', 'show', 'table', 'all'], 'install iproute2'),
    runJson(run, 'nft', ['-j', 'list', 'tables'], 'install nftables'),
    read('/proc/sys/net/ipv4/ip_forward'),
    observeResolved(run),
  ]);
  const links = parseLinks(addrJson);
  const routes = parseRoutes(routeJson);
  const present = parseNftTables(tablesJson).some((t) => t.family === NFT_FAMILY && t.name === NFT_TABLE);
  const [nftTable, forwarding] = await Promise.all([
    present
      ? runJson(run, 'nft', ['-j', 'list', 'table', NFT_FAMILY, NFT_TABLE], 'install nftables').then(
          parseNftTable,
        )
      : Promise.resolve(undefined),
    Promise.all(links.map((l) => read(`/proc/sys/net/ipv4/conf/${l.name}/forwarding`).then(parseFlag))),
  ]);
  return {
    links: links.map((l, i) => {
      const f = forwarding[i];
      return f === undefined ? l : { ...l, forwarding: f };
    }),
    routes,
    ipForward: parseFlag(ipForwardText) ?? false,
    nftTable,
    resolved: sameNamespace(resolved, links),
  };
}
