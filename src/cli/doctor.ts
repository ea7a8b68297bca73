/**
 * `switchyard doctor [--json]`: gathers what the checks need once (the host's observation, the address plan as
 * `plan` computes it, the pinned ranges, the daemon's control-channel status, the holders of udp 67/53), runs
 * the pure checks in src/model/checks and renders them; exit 1 when any fails.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { callDaemon, type DaemonReply } from '../daemon/control/client.js';
import { withUserFlags, type UserFlags } from './user-flags.js';
import { controlPath } from '../daemon/control/path.js';
import type { Method } from '../daemon/control/protocol.js';
import type { Host } from '../host/host.js';
import { readOnly } from '../host/host.js';
import { planAddresses, type AddressPlan } from '../model/address-plan.js';
import { runChecks, type Check, type DaemonProbe, type PortHolder } from '../model/checks/index.js';
import { switchInterface } from '../config/switch-interface.js';
import type { ObservedHost } from '../model/observed.js';
import { readPinned, type PinnedRanges } from '../model/pinned.js';
import type { Ipv4 } from '../net/ipv4.js';
import { paint, PLAIN, type Style } from '../style.js';

/** Effects doctor and status use besides the Host; tests replace them. */
export interface DoctorProbes {
  /** One control-channel call (default: callDaemon on the state dir's channel, 2 s timeout). */
  daemon?: (method: Method) => Promise<DaemonReply>;
  /**
   * Holders of udp 67/53 on 0.0.0.0 or the given addresses; undefined = not looked (the check is left out).
   * Default: /proc on a Linux host observed from Linux; not looked for on Windows.
   */
  ports?: (addresses: readonly Ipv4[], observed: ObservedHost) => Promise<PortHolder[] | undefined>;
}

export interface Gathered {
  observed: ObservedHost;
  addresses: AddressPlan;
  pinned: PinnedRanges | undefined;
  /** Why the pinned file could not be used (then the plan is made as if nothing were pinned). */
  pinnedError: string | undefined;
  daemon: DaemonProbe;
}

const DAEMON_TIMEOUT_MS = 2000;

export function daemonCaller(stateDir: string, probes: DoctorProbes): (m: Method) => Promise<DaemonReply> {
  return probes.daemon ?? ((m) => callDaemon(controlPath(stateDir), m, {}, { timeoutMs: DAEMON_TIMEOUT_MS }));
}

export function toProbe(r: DaemonReply): DaemonProbe {
  if (!r.running) return { running: false };
  return r.ok ? { running: true, status: r.result } : { running: true, error: r.error };
}

/** Like computePlan, but a range that cannot be chosen or a broken pinned file is a finding, not an exception. */
export async function gather(
  config: Config,
  stateDir: string,
  host: Host,
  probes: DoctorProbes = {},
): Promise<Gathered> {
  const observed = await readOnly(host).observe();
  let pinned: PinnedRanges | undefined;
  let pinnedError: string | undefined;
  try {
    const r = await readPinned(stateDir);
    if (r && 'error' in r) pinnedError = r.error;
    else pinned = r;
  } catch (e) {
    pinnedError = (e as Error).message;
  }
  const managed = new Set([
    ...config.switches.map((s) => switchInterface(s, observed.platform)),
    ...(observed.wslInterface ? [observed.wslInterface] : []),
  ]);
  const routes = observed.routes.filter((r) => !managed.has(r.iface)).map((r) => r.dest);
  const addresses = planAddresses({ config, routes, pinned });
  const daemon = toProbe(await daemonCaller(stateDir, probes)('status'));
  return { observed, addresses, pinned, pinnedError, daemon };
}

export interface DoctorResult {
  output: string;
  exitCode: 0 | 1;
}

export async function doctorCommand(
  config: Config,
  stateDir: string,
  host: Host,
  json: boolean,
  probes: DoctorProbes = {},
  style: Style = PLAIN,
  /** The user's --config/--state-dir, repeated in every `switchyard …` a fix suggests (user-flags.ts). */
  flags: UserFlags = {},
): Promise<DoctorResult> {
  const g = await gather(config, stateDir, host, probes);
  const findPorts = probes.ports ?? procPortHolders;
  const ports = await findPorts(
    g.addresses.switches.map((s) => s.host),
    g.observed,
  );
  const checks: Check[] = [];
  if (g.pinnedError !== undefined)
    checks.push({
      id: 'pinned',
      title: 'pinned ranges readable',
      ok: false,
      detail: g.pinnedError,
      fix: 'fix the file, or delete it to choose the ranges again (`switchyard apply`; guests may move)',
    });
  checks.push(
    ...runChecks({
      config,
      observed: g.observed,
      addresses: g.addresses,
      pinned: g.pinned,
      daemon: g.daemon,
      ...(ports !== undefined ? { ports } : {}),
      stateDir,
    }),
  );
  for (const c of checks) if (c.fix !== undefined) c.fix = withUserFlags(c.fix, flags);
  const exitCode = checks.every((c) => c.ok) ? 0 : 1;
  return { output: json ? doctorJson(checks) : renderChecks(checks, style), exitCode };
}

export function doctorJson(checks: readonly Check[]): string {
  return (
    JSON.stringify(
      {
        checks: checks.map((c) => ({
          id: c.id,
          title: c.title,
          ok: c.ok,
          detail: c.detail,
          fix: c.fix ?? null,
          ...(c.warning === true ? { warning: true } : {}),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

export function renderChecks(checks: readonly Check[], style: Style = PLAIN): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(
      `${c.warning === true ? paint(style, 'yellow', '!') : c.ok ? paint(style, 'green', '✔') : paint(style, 'red', '✘')} ${c.title} — ${c.detail}`,
    );
    if ((!c.ok || c.warning === true) && c.fix !== undefined) lines.push(`    fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  const warned = checks.filter((c) => c.warning === true).length;
  const warnings = warned > 0 ? ` (${warned} warning${warned === 1 ? '' : 's'})` : '';
  lines.push(
    '',
    failed === 0
      ? `all ${checks.length} checks passed${warnings}`
      : `${failed} of ${checks.length} checks failed${warnings}`,
  );
  return lines.join('\n') + '\n';
}

// --- udp 67/53 holders from /proc (Linux) ---------------------------------------------------------------

const WATCHED = [67, 53];

/** Parses /proc/net/udp: the inodes of sockets bound to a watched port on 0.0.0.0 or one of `addresses`. */
export function udpSockets(text: string, addresses: readonly Ipv4[]): { port: number; inode: string }[] {
  const wanted = new Set<number>([0, ...addresses]);
  const out: { port: number; inode: string }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const inode = f[9];
    if (local === undefined || inode === undefined) continue;
    const [hexIp, hexPort] = local.split(':');
    if (hexIp === undefined || hexPort === undefined) continue;
    const port = parseInt(hexPort, 16);
    // The address is little-endian on x86/ARM Linux (the kernel prints the __be32 as a host-order %08X).
    const le = parseInt(hexIp, 16);
    const ip =
      (((le & 0xff) << 24) | (((le >>> 8) & 0xff) << 16) | (((le >>> 16) & 0xff) << 8) | (le >>> 24)) >>> 0;
    if (WATCHED.includes(port) && wanted.has(ip)) out.push({ port, inode });
  }
  return out;
}

async function procPortHolders(
  addresses: readonly Ipv4[],
  observed: ObservedHost,
): Promise<PortHolder[] | undefined> {
  if (process.platform !== 'linux' || observed.platform !== 'linux') return undefined;
  let text: string;
  try {
    text = await readFile('/proc/net/udp', 'utf8');
  } catch {
    return undefined;
  }
  const sockets = udpSockets(text, addresses);
  if (sockets.length === 0) return [];
  const byInode = new Map(sockets.map((s) => [`socket:[${s.inode}]`, s]));
  const found = new Map<string, { pid: number; name: string }>();
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (!byInode.has(link) || found.has(link)) continue;
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
      found.set(link, { pid: Number(pid), name: comm });
    }
  }
  return [...byInode].map(([link, s]) => {
    const h = found.get(link);
    return h ? { port: s.port, holder: h.name, pid: h.pid } : { port: s.port };
  });
}
