/**
 * Real DHCP clients (ISC dhclient, busybox udhcpc, dhcpcd) in a lab client namespace, with our own hook
 * scripts (test/lab/hooks/) that configure the address (dhclient, udhcpc; dhcpcd does it itself) and log
 * one line per event to a per-run file:
 *
 *   <unix ns> <reason> <ip|-> server=<id|-> mask=<…> router=<a,b|-> dns=<a,b|-> lease=<s|-> domain=<d|->
 *
 * Each client runs in the foreground as a LabProcess (killed at lab.destroy()), with every file it writes
 * (config, lease file, PID file, dhcpcd's state dirs) in a scratch directory under lab.workDir.
 *
 * How renew/release/stop work per client (what each supports):
 *
 * - dhclient (ISC 4.4): has no renew command or signal (its OMAPI control only releases, pauses or resumes
 *   through INIT-REBOOT; a second `dhclient` also does INIT-REBOOT, hook REBOOT). The harness therefore runs
 *   it with `supersede dhcp-renewal-time 1` (T1 = 1 s) and SIGSTOPs ("parks") it after every bind.
 *   renew(): SIGCONT; about 1 s later T1 fires and it sends a unicast DHCPREQUEST with ciaddr set (RENEWING)
 *   → hook RENEW; it is parked again. release(): SIGKILL the daemon (sends nothing), then
 *   `dhclient -r` with the same -lf/-pf/-cf/-sf releases the lease in the lease file (unicast DHCPRELEASE)
 *   → hook RELEASE. stop(): SIGKILL. With `naturalTimers: true` it keeps the server's T1, is never parked,
 *   and renew() throws.
 * - udhcpc (busybox 1.35, run without -R): renew(): SIGUSR1 → unicast DHCPREQUEST → hook `renew`.
 *   release(): SIGUSR2 → unicast DHCPRELEASE, hook `deconfig` (udhcpc has no release event), then SIGTERM.
 *   stop(): SIGTERM (no release without -R).
 * - dhcpcd (9.4): renew(): `dhcpcd -4 -N IF` (through the wrapper with the same state dir, which is how it
 *   finds the daemon) → unicast DHCPREQUEST → hook RENEW. (`-n`/--rebind reloads the config and starts
 *   over with INIT-REBOOT, hook REBOOT: not a renewal.) release(): `dhcpcd -4 -k IF` → DHCPRELEASE, hook
 *   STOP then STOPPED, the daemon exits. stop(): `dhcpcd -4 -x IF` (deconfigures, no release).
 *
 * stop() also flushes the interface's IPv4 addresses, so the next client starts clean.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeMac, setMac, waitUntil, withTimeout, type Lab, type LabProcess } from './netns.js';

export { setMac } from './netns.js';

export type ClientKind = 'dhclient' | 'udhcpc' | 'dhcpcd';
export const CLIENT_KINDS: readonly ClientKind[] = ['dhclient', 'udhcpc', 'dhcpcd'];

/** Binaries each client kind needs (for skip decisions). */
export const CLIENT_BINARIES: Readonly<Record<ClientKind, readonly string[]>> = {
  dhclient: ['dhclient'],
  udhcpc: ['udhcpc'],
  dhcpcd: ['dhcpcd', 'unshare', 'mount'],
};

export interface ClientOptions {
  /** DHCP client identifier (option 61) as hex bytes, type byte first: `01:02:aa:bb:cc:dd:ee` or `0102aabbccddee`. */
  clientId?: string;
  /** Host name sent in option 12. */
  hostname?: string;
  /** MAC address to give the interface before the client starts. */
  mac?: string;
  /** The client's own give-up time for the first lease, in seconds (default 60). */
  timeoutSec?: number;
  /** dhclient only: keep the server's T1 and never park the daemon (renew() then throws). */
  naturalTimers?: boolean;
  /** dhclient only: more options for its `request` list (dhclient names, e.g. ntp-servers). */
  request?: readonly string[];
  /** dhclient only: more dhclient.conf statements (e.g. `reboot 2;`). */
  conf?: readonly string[];
  /** dhclient only: what its lease file holds at start (a lease from an earlier run: INIT-REBOOT). */
  leaseFile?: string;
}

/** Normalized event kinds across the three clients' hook reasons. */
export type EventKind =
  | 'bound'
  | 'renew'
  | 'rebind'
  | 'reboot'
  | 'release'
  | 'expire'
  | 'nak'
  | 'fail'
  | 'deconfig'
  | 'preinit'
  | 'stop'
  | 'other';

export interface ClientEvent {
  /** Wall-clock time of the hook run, ms since the epoch (fractional). */
  ts: number;
  /** Reason as the client passed it (dhclient/dhcpcd: BOUND, RENEW…; udhcpc: bound, renew, deconfig…). */
  reason: string;
  kind: EventKind;
  ip?: string;
  serverId?: string;
  /** dhclient/dhcpcd: dotted mask; udhcpc: prefix length. */
  mask?: string;
  routers?: string[];
  dns?: string[];
  leaseSec?: number;
  domain?: string;
  /** Option 26 (interface MTU), when the server sent it (dhcpcd: only when its config asks for it). */
  mtu?: number;
  /** The hook log line. */
  raw: string;
}

export interface Lease {
  ip: string;
  serverId: string;
  /** ms from startClient() to this event. */
  ms: number;
  event: ClientEvent;
}

export interface ClientHandle {
  readonly kind: ClientKind;
  readonly ns: string;
  readonly ifname: string;
  /** Scratch directory of this run (config, lease/pid files, hook log). */
  readonly dir: string;
  readonly hookLog: string;
  /** The client daemon. */
  readonly process: LabProcess;
  /** Date.now() when the client was started. */
  readonly startedAt: number;
  /** Events so far (re-reads the hook log). */
  events(): ClientEvent[];
  /** First event at index >= `since` (default 0) matching `pred`; rejects after `timeoutMs` or if the client exits. */
  waitEvent(pred: (e: ClientEvent) => boolean, timeoutMs: number, since?: number): Promise<ClientEvent>;
  /** The first binding event (bound/renew/rebind/reboot) with an address. */
  waitBound(timeoutMs?: number): Promise<Lease>;
  /** Makes the client renew now (see the table above) and resolves with the next binding event. */
  renew(timeoutMs?: number): Promise<Lease>;
  /** Releases the lease (DHCPRELEASE) and ends the client; resolves with the release/deconfig/stop event. */
  release(timeoutMs?: number): Promise<ClientEvent>;
  /** Ends the client without a release and removes the address from the interface; idempotent. */
  stop(): Promise<void>;
  /** The client's own stdout/stderr. */
  output(): string;
}

const BINDING: ReadonlySet<EventKind> = new Set(['bound', 'renew', 'rebind', 'reboot']);
const POLL_MS = 20;

/** test/lab in the source tree: hooks and conf are not copied to dist/ by tsc. */
function labAssetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../../test/lab'), here];
  for (const c of candidates) if (existsSync(join(c, 'hooks', 'dhclient-hook.sh'))) return c;
  throw new Error(`lab hook scripts not found (looked in ${candidates.join(', ')})`);
}

const KIND_OF: Readonly<Record<string, EventKind>> = {
  bound: 'bound',
  renew: 'renew',
  rebind: 'rebind',
  reboot: 'reboot',
  release: 'release',
  expire: 'expire',
  nak: 'nak',
  fail: 'fail',
  leasefail: 'fail',
  timeout: 'fail',
  deconfig: 'deconfig',
  preinit: 'preinit',
  stop: 'stop',
  stopped: 'stop',
};

/** Parses one hook log line; undefined for a line that is not one. */
export function parseEventLine(line: string): ClientEvent | undefined {
  const parts = line.trim().split(/\s+/);
  const [ts, reason, ip, ...rest] = parts;
  if (!ts || !/^\d+$/.test(ts) || !reason) return undefined;
  const kv = new Map<string, string>();
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i > 0) kv.set(p.slice(0, i), p.slice(i + 1));
  }
  const val = (v: string | undefined): string | undefined =>
    v === undefined || v === '-' || v === '' ? undefined : v;
  const list = (v: string | undefined): string[] | undefined =>
    val(v)
      ?.split(',')
      .filter((s) => s !== '');
  const e: ClientEvent = {
    ts: Number(ts) / 1e6,
    reason,
    kind: KIND_OF[reason.toLowerCase()] ?? 'other',
    raw: line,
  };
  const ipv = val(ip);
  if (ipv !== undefined) e.ip = ipv;
  const server = val(kv.get('server'));
  if (server !== undefined) e.serverId = server;
  const mask = val(kv.get('mask'));
  if (mask !== undefined) e.mask = mask;
  const routers = list(kv.get('router'));
  if (routers !== undefined) e.routers = routers;
  const dns = list(kv.get('dns'));
  if (dns !== undefined) e.dns = dns;
  const lease = val(kv.get('lease'));
  if (lease !== undefined && /^\d+$/.test(lease)) e.leaseSec = Number(lease);
  const domain = val(kv.get('domain'));
  if (domain !== undefined) e.domain = domain;
  const mtu = val(kv.get('mtu'));
  if (mtu !== undefined && /^\d+$/.test(mtu)) e.mtu = Number(mtu);
  return e;
}

/** `01:02:aa` / `01-02-aa` / `0102aa` → bytes as lower-case hex pairs. */
function clientIdBytes(id: string): string[] {
  const s = id.trim().toLowerCase();
  if (!/^[0-9a-f]{2}([:-]?[0-9a-f]{2})+$/.test(s)) {
    throw new Error(
      `invalid clientId "${id}": hex bytes (at least 2, type byte first), e.g. 01:02:aa:bb:cc:dd:ee`,
    );
  }
  return s.replace(/[:-]/g, '').match(/../g) ?? [];
}

function checkHostname(h: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(h)) throw new Error(`invalid hostname "${h}"`);
  return h;
}

let runCounter = 0;

class Client implements ClientHandle {
  readonly kind: ClientKind;
  readonly ns: string;
  readonly ifname: string;
  readonly dir: string;
  readonly hookLog: string;
  readonly startedAt: number;
  process!: LabProcess;
  private readonly lab: Lab;
  private readonly opts: ClientOptions;
  private readonly hooks: string;
  private readonly confDir: string;
  private readonly evs: ClientEvent[] = [];
  private offset = 0;
  private partial = '';
  private poller: NodeJS.Timeout | undefined;
  private parked = false;
  private parkEnabled: boolean;
  private ended = false;

  constructor(lab: Lab, ns: string, ifname: string, kind: ClientKind, opts: ClientOptions) {
    this.lab = lab;
    this.ns = ns;
    this.ifname = ifname;
    this.kind = kind;
    this.opts = opts;
    this.dir = join(lab.workDir, `${ns}-${kind}-${++runCounter}`);
    mkdirSync(this.dir, { recursive: true });
    this.hookLog = join(this.dir, 'hook.log');
    writeFileSync(this.hookLog, '');
    // Copies of the hooks with exec permission (robust against a checkout that lost the mode bits).
    const assets = labAssetDir();
    this.hooks = join(this.dir, 'hooks');
    mkdirSync(this.hooks);
    for (const f of ['dhclient-hook.sh', 'udhcpc-hook.sh', 'dhcpcd-hook.sh', 'dhcpcd-run.sh']) {
      copyFileSync(join(assets, 'hooks', f), join(this.hooks, f));
      chmodSync(join(this.hooks, f), 0o755);
    }
    this.confDir = join(assets, 'conf');
    this.parkEnabled = kind === 'dhclient' && opts.naturalTimers !== true;
    this.startedAt = Date.now();
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  private dhclientArgs(extra: readonly string[]): string[] {
    return [
      'dhclient',
      '-4',
      ...extra,
      '-e',
      `LAB_HOOK_OUT=${this.hookLog}`,
      '-cf',
      this.file('dhclient.conf'),
      '-sf',
      join(this.hooks, 'dhclient-hook.sh'),
      '-lf',
      this.file('dhclient.leases'),
      '-pf',
      this.file('dhclient.pid'),
      this.ifname,
    ];
  }

  private dhcpcdEnv(): NodeJS.ProcessEnv {
    return { ...process.env, LAB_HOOK_OUT: this.hookLog, LAB_DHCPCD_STATE: this.file('dhcpcd-state') };
  }

  /** argv of a dhcpcd control command (-N, -k, -x) that reaches the daemon through the same state dirs. */
  private dhcpcdCtl(flag: string): string[] {
    return [join(this.hooks, 'dhcpcd-run.sh'), '-4', flag, this.ifname];
  }

  start(): void {
    const o = this.opts;
    const timeoutSec = o.timeoutSec ?? 60;
    const cid = o.clientId !== undefined ? clientIdBytes(o.clientId) : undefined;
    const host = o.hostname !== undefined ? checkHostname(o.hostname) : undefined;
    let argv: string[];
    let env: NodeJS.ProcessEnv | undefined;
    switch (this.kind) {
      case 'dhclient': {
        const conf = [
          `timeout ${timeoutSec};`,
          'retry 1;',
          'initial-interval 1;',
          'backoff-cutoff 2;',
          `request ${['subnet-mask', 'broadcast-address', 'routers', 'domain-name-servers', 'domain-name', 'host-name', ...(o.request ?? [])].join(', ')};`,
          ...(o.conf ?? []),
          ...(host ? [`send host-name "${host}";`] : []),
          ...(cid ? [`send dhcp-client-identifier ${cid.join(':')};`] : []),
          // T1 = 1 s: dhclient has no renew command; see the table at the top of this file.
          ...(this.parkEnabled ? ['supersede dhcp-renewal-time 1;'] : []),
        ];
        writeFileSync(this.file('dhclient.conf'), `${conf.join('\n')}\n`);
        writeFileSync(this.file('dhclient.leases'), o.leaseFile ?? ''); // dhclient wants the lease file to exist
        argv = this.dhclientArgs(['-d', '-v', '-1']);
        break;
      }
      case 'udhcpc':
        argv = [
          'udhcpc',
          '-f',
          '-i',
          this.ifname,
          '-s',
          join(this.hooks, 'udhcpc-hook.sh'),
          // DISCOVER every second, give up (exit) after timeoutSec of them; once bound it stays running
          '-t',
          String(Math.max(1, timeoutSec)),
          '-T',
          '1',
          '-n',
          ...(host ? ['-x', `hostname:${host}`] : []),
          ...(cid ? ['-x', `0x3d:${cid.join('')}`] : []),
        ];
        env = { ...process.env, LAB_HOOK_OUT: this.hookLog };
        break;
      case 'dhcpcd':
        argv = [
          join(this.hooks, 'dhcpcd-run.sh'),
          '-4',
          '-B',
          '-t',
          String(timeoutSec),
          '-f',
          join(this.confDir, 'dhcpcd.conf'),
          '-c',
          join(this.hooks, 'dhcpcd-hook.sh'),
          '-e',
          `LAB_HOOK_OUT=${this.hookLog}`,
          ...(host ? ['-h', host] : []),
          ...(cid ? ['-I', cid.join(':')] : []),
          this.ifname,
        ];
        env = this.dhcpcdEnv();
        break;
    }
    this.process = this.lab.spawn(this.ns, argv, env ? { env } : {});
    this.poller = setInterval(() => {
      this.sync();
    }, POLL_MS);
    this.poller.unref();
    void this.process.exited.then(() => {
      this.sync();
    });
  }

  /** Reads new hook log lines; parks dhclient after each bind. */
  private sync(): void {
    let buf: Buffer;
    try {
      buf = readFileSync(this.hookLog);
    } catch {
      return;
    }
    if (buf.length <= this.offset) return;
    const text = this.partial + buf.subarray(this.offset).toString('utf8');
    this.offset = buf.length;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const e = parseEventLine(line);
      if (!e) continue;
      this.evs.push(e);
      if (this.parkEnabled && BINDING.has(e.kind) && !this.parked && !this.ended) {
        if (this.process.signal('SIGSTOP')) this.parked = true;
      }
    }
  }

  events(): ClientEvent[] {
    this.sync();
    return [...this.evs];
  }

  output(): string {
    return this.process.output();
  }

  private describe(): string {
    return `${this.kind} in ${this.ns} on ${this.ifname}; events:\n${this.evs.map((e) => `  ${e.raw}`).join('\n') || '  (none)'}\noutput:\n${this.output().slice(-3000)}`;
  }

  waitEvent(pred: (e: ClientEvent) => boolean, timeoutMs: number, since = 0): Promise<ClientEvent> {
    return this.waitEventOpt(pred, timeoutMs, since, true);
  }

  private async waitEventOpt(
    pred: (e: ClientEvent) => boolean,
    timeoutMs: number,
    since: number,
    failOnExit: boolean,
  ): Promise<ClientEvent> {
    let exitedSeen = false;
    return waitUntil(
      () => {
        this.sync();
        const hit = this.evs.slice(since).find(pred);
        if (hit) return hit;
        if (failOnExit && this.process.exitInfo()) {
          // one more poll after the exit, for a hook line written just before
          if (exitedSeen) {
            throw new Error(
              `${this.kind} exited (${JSON.stringify(this.process.exitInfo())}) before the expected event; ${this.describe()}`,
            );
          }
          exitedSeen = true;
        }
        return undefined;
      },
      timeoutMs,
      () => `an event from ${this.describe()}`,
      POLL_MS,
    );
  }

  private lease(e: ClientEvent): Lease {
    return { ip: e.ip ?? '', serverId: e.serverId ?? '', ms: Math.round(e.ts - this.startedAt), event: e };
  }

  async waitBound(timeoutMs = 15_000): Promise<Lease> {
    const e = await this.waitEvent((x) => BINDING.has(x.kind) && x.ip !== undefined, timeoutMs);
    return this.lease(e);
  }

  async renew(timeoutMs = 10_000): Promise<Lease> {
    if (this.ended) throw new Error(`${this.kind}: renew() after release()/stop()`);
    this.sync();
    const mark = this.evs.length;
    switch (this.kind) {
      case 'dhclient':
        if (!this.parkEnabled) throw new Error('dhclient has no renew trigger with naturalTimers: true');
        await waitUntil(() => this.parked, Math.min(timeoutMs, 5_000), 'dhclient to be bound (parked)');
        this.parked = false;
        this.process.signal('SIGCONT');
        break;
      case 'udhcpc':
        this.process.signal('SIGUSR1');
        break;
      case 'dhcpcd':
        await this.lab.exec(this.ns, this.dhcpcdCtl('-N'), { env: this.dhcpcdEnv(), timeoutMs });
        break;
    }
    const e = await this.waitEvent((x) => BINDING.has(x.kind) && x.ip !== undefined, timeoutMs, mark);
    return this.lease(e);
  }

  async release(timeoutMs = 10_000): Promise<ClientEvent> {
    if (this.ended) throw new Error(`${this.kind}: release() after release()/stop()`);
    this.sync();
    const mark = this.evs.length;
    this.ended = true;
    let e: ClientEvent;
    switch (this.kind) {
      case 'dhclient': {
        // The daemon is parked (or idle): end it without a word, then `dhclient -r` releases the lease in
        // the lease file (unicast DHCPRELEASE) and runs the hook with RELEASE.
        this.process.signal('SIGKILL');
        await withTimeout(this.process.exited, 3_000);
        this.parked = false;
        writeFileSync(this.file('dhclient.pid'), ''); // so `-r` has no old process to signal and wait for
        await this.lab.exec(this.ns, this.dhclientArgs(['-r', '-v']), { timeoutMs });
        e = await this.waitEventOpt((x) => x.kind === 'release', 2_000, mark, false);
        break;
      }
      case 'udhcpc':
        // SIGUSR2: DHCPRELEASE, then the script with `deconfig`; udhcpc stays in "released" state until SIGTERM.
        this.process.signal('SIGUSR2');
        e = await this.waitEvent((x) => x.kind === 'deconfig', timeoutMs, mark);
        await this.process.stop({ signal: 'SIGTERM', timeoutMs: 3_000 });
        break;
      case 'dhcpcd':
        await this.lab.exec(this.ns, this.dhcpcdCtl('-k'), { env: this.dhcpcdEnv(), timeoutMs });
        await withTimeout(this.process.exited, timeoutMs);
        e = await this.waitEventOpt((x) => x.kind === 'release' || x.kind === 'stop', 2_000, mark, false);
        break;
    }
    this.end();
    return e;
  }

  async stop(): Promise<void> {
    if (this.process.exitInfo() && this.poller === undefined) return;
    this.ended = true;
    switch (this.kind) {
      case 'dhclient':
        this.process.signal('SIGKILL'); // works on a parked (SIGSTOPped) daemon too; sends nothing
        break;
      case 'udhcpc':
        this.process.signal('SIGTERM'); // started without -R: no release on exit
        break;
      case 'dhcpcd':
        if (!this.process.exitInfo()) {
          await this.lab
            .exec(this.ns, this.dhcpcdCtl('-x'), { env: this.dhcpcdEnv(), check: false, timeoutMs: 5_000 })
            .catch(() => undefined); // lab already destroyed: the daemon is gone with it
        }
        break;
    }
    await this.process.stop({ timeoutMs: 3_000 });
    this.end();
    await this.lab
      .exec(this.ns, ['ip', '-4', 'addr', 'flush', 'dev', this.ifname], { check: false })
      .catch(() => undefined);
  }

  private end(): void {
    this.sync();
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }
}

/**
 * Starts a DHCP client of `kind` on `ifname` in lab namespace `ns` (sets opts.mac first). The client keeps
 * running (renewing, answering renew()/release()) until release(), stop() or lab.destroy().
 */
export async function startClient(
  lab: Lab,
  ns: string,
  ifname: string,
  kind: ClientKind,
  opts: ClientOptions = {},
): Promise<ClientHandle> {
  if (opts.mac !== undefined) await setMac(lab, ns, ifname, normalizeMac(opts.mac));
  // a clean interface: no address left by an earlier client
  await lab.exec(ns, ['ip', '-4', 'addr', 'flush', 'dev', ifname]);
  await lab.exec(ns, ['ip', 'link', 'set', 'dev', ifname, 'up']);
  const c = new Client(lab, ns, ifname, kind, opts);
  c.start();
  return c;
}

export interface ObtainedLease extends Lease {
  kind: ClientKind;
  events: ClientEvent[];
}

/**
 * One shot: start the client, wait for a lease, then release it (default) or just stop the client
 * (`release: false`, the server keeps the lease).
 */
export async function obtainLease(
  lab: Lab,
  ns: string,
  ifname: string,
  kind: ClientKind,
  opts: ClientOptions & { timeoutMs?: number; release?: boolean } = {},
): Promise<ObtainedLease> {
  const { timeoutMs = 15_000, release = true, ...clientOpts } = opts;
  const c = await startClient(lab, ns, ifname, kind, clientOpts);
  try {
    const lease = await c.waitBound(timeoutMs);
    if (release) await c.release();
    return { ...lease, kind, events: c.events() };
  } finally {
    await c.stop().catch(() => undefined);
  }
}
