/**
 * Lab harness: isolated network namespaces for tests with real DHCP clients and servers (Linux, root).
 *
 * Topology (every name starts with the lab's prefix `sy<4 hex>`, e.g. `sy3f0a`):
 *
 *   <prefix>-host  bridge <prefix>-br (server address, default 10.77.0.1/24)      ← addSwitch()
 *                    ├─ port <prefix>-p1 ── veth ── <prefix>-c1 in <prefix>-<name>  ← addClient(name)
 *                    └─ port <prefix>-p2 ── veth ── <prefix>-c2 in <prefix>-<name2>
 *                  <prefix>-s3 (own address, NOT on the bridge) ── veth ── <prefix>-c3 in <prefix>-<side>
 *                                                                  ← addClient(side, { onBridge: false })
 *
 * Safety rules the code keeps:
 * - Nothing is created in, or attached to, the host's own network namespace: veth pairs are created with
 *   both ends directly inside lab namespaces (`ip link add X netns A type veth peer name Y netns B`), the
 *   bridge is created inside `<prefix>-host`. Every interface name carries the prefix, so a command that
 *   ran in the wrong namespace by mistake could not match a real interface.
 * - exec()/spawn() refuse any namespace this lab did not create.
 * - No default route is added anywhere; IPv6 is disabled in every lab namespace.
 * - Cleanup: destroy() (call it from node:test `after()`), plus process 'exit'/SIGINT/SIGTERM/SIGHUP
 *   handlers that delete the namespaces synchronously, plus sweepStale() (run by createLab) that deletes
 *   namespaces matching /^sy[0-9a-f]{4}-/ whose owning process is gone (crashed runs). Ownership is
 *   recorded in /run/switchyard-lab/<prefix>.owner (PID + process start time) before any namespace exists.
 * - Every wait is bounded by a timeout.
 */
import { execFile, spawn as spawnChild, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Names of every namespace a lab creates: `sy` + 4 hex digits + `-` + suffix. sweepStale() matches only these. */
export const LAB_NS_PATTERN = /^sy[0-9a-f]{4}-/;
const PREFIX_PATTERN = /^sy[0-9a-f]{4}$/;
/** Where labs record their owner (PID + start time). /run is a tmpfs: it empties on reboot, like the namespaces. */
export const LAB_STATE_DIR = '/run/switchyard-lab';
const IFNAMSIZ_MAX = 15;
const DEFAULT_EXEC_TIMEOUT_MS = 10_000;
const DEFAULT_SERVER_CIDR = '10.77.0.1/24';
const CARRIER_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 2_000;
const OUTPUT_LIMIT = 1 << 20;

export interface LabOptions {
  /** Default timeout for exec() in ms (default 10 000). */
  execTimeoutMs?: number;
  /** Run sweepStale() before creating anything (default true). */
  sweep?: boolean;
  /** Keep the lab's scratch directory after destroy() (default: env SWITCHYARD_LAB_KEEP=1). */
  keepWorkDir?: boolean;
}

export interface ExecOptions {
  /** Kill the command (SIGKILL) after this many ms; default the lab's execTimeoutMs. */
  timeoutMs?: number;
  /** Reject with LabCommandError on a non-zero exit, a signal or a timeout (default true). */
  check?: boolean;
  /** Environment of the command (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Text written to the command's standard input. */
  input?: string;
}

export interface ExecResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export class LabCommandError extends Error {
  readonly argv: readonly string[];
  readonly result: ExecResult;
  constructor(argv: readonly string[], result: ExecResult) {
    const why = result.timedOut
      ? 'timed out'
      : result.signal
        ? `killed by ${result.signal}`
        : `exited with code ${String(result.code)}`;
    super(`${argv.join(' ')} ${why}${result.stderr.trim() ? `: ${result.stderr.trim()}` : ''}`);
    this.name = 'LabCommandError';
    this.argv = argv;
    this.result = result;
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A long-running process inside a lab namespace; killed at destroy() if still running. */
export interface LabProcess {
  /** PID of the process (`ip netns exec` execs the command, so this is the command itself). */
  readonly pid: number;
  readonly ns: string;
  readonly argv: readonly string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** Exit status once it has exited. */
  exitInfo(): ExitInfo | undefined;
  /** stdout and stderr interleaved (the last 1 MiB). */
  output(): string;
  /** Characters of output produced so far (including any dropped from output()): a `from` for waitForOutput(). */
  outputMark(): number;
  /** Sends a signal to the process (by its PID); false when it has already exited. */
  signal(sig: NodeJS.Signals): boolean;
  /** Resolves with the first output match at or after `from` (an earlier outputMark()); bounded. */
  waitForOutput(re: RegExp, timeoutMs: number, from?: number): Promise<RegExpExecArray>;
  /** Sends `signal` (default SIGTERM, plus SIGCONT), waits up to `timeoutMs` (default 2000), then SIGKILL. */
  stop(opts?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<ExitInfo>;
}

/** The bridge in the host namespace that carries the server address. */
export interface LabSwitch {
  /** Namespace of the bridge (the lab's "host" namespace, where the DHCP server runs). */
  readonly ns: string;
  /** Bridge interface name, e.g. `sy3f0a-br`. */
  readonly ifname: string;
  /** Server address with prefix length, e.g. `10.77.0.1/24`. */
  readonly cidr: string;
  /** Server address, e.g. `10.77.0.1`. */
  readonly address: string;
  readonly prefixLength: number;
  /** The bridge's (fixed, locally administered) MAC address. */
  readonly mac: string;
}

export interface AddClientOptions {
  /** true (default): veth to a bridge port. false: veth to a separate interface of the host namespace. */
  onBridge?: boolean;
  /** Only with onBridge false: address put on the host-side interface (default 10.79.<n>.1/24). */
  serverCidr?: string;
  /** MAC address for the client interface (default: the kernel's random one). */
  mac?: string;
}

export interface LabClient {
  /** The name given to addClient(). */
  readonly name: string;
  /** The client namespace, `<prefix>-<name>`. */
  readonly ns: string;
  /** Interface in the client namespace, e.g. `sy3f0a-c1`. */
  readonly ifname: string;
  /** Its MAC address at creation. */
  readonly mac: string;
  /** Host-namespace end of the veth: a bridge port (`-pN`) or, off the bridge, a routed interface (`-sN`). */
  readonly peerIfname: string;
  readonly onBridge: boolean;
  /** Off the bridge: the address (with prefix length) on peerIfname; on the bridge: the switch's. */
  readonly serverCidr: string;
}

export interface Lab {
  /** `sy` + 4 hex digits; every namespace and interface name of this lab starts with it. */
  readonly prefix: string;
  /** The lab's "host" namespace (`<prefix>-host`): the bridge and the server live here. */
  readonly hostNs: string;
  /** Scratch directory of this lab (removed by destroy()). */
  readonly workDir: string;
  /** Namespaces created so far. */
  readonly namespaces: readonly string[];
  /** Non-fatal problems (e.g. ethtool missing). */
  readonly warnings: readonly string[];
  /** The switch, once addSwitch() ran. */
  readonly switch: LabSwitch | undefined;
  /** Runs argv in one of this lab's namespaces (`ip netns exec NS argv...`), bounded by a timeout. */
  exec(ns: string, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running process in one of this lab's namespaces; it is killed at destroy(). */
  spawn(ns: string, argv: readonly string[], opts?: SpawnOptions): LabProcess;
  /** Creates the bridge (once) in the host namespace with the server address. */
  addSwitch(opts?: { cidr?: string }): Promise<LabSwitch>;
  /** Creates namespace `<prefix>-<name>` with a veth to the bridge (or, onBridge false, to its own host interface). */
  addClient(name: string, opts?: AddClientOptions): Promise<LabClient>;
  /**
   * Gives one of this lab's namespaces its own /etc/resolv.conf: `ip netns exec` bind-mounts
   * /etc/netns/<ns>/resolv.conf over it (ip-netns(8)). Removed with the namespace.
   */
  setResolvConf(ns: string, text: string): void;
  /** Kills every process of the lab and deletes every namespace it created; idempotent. */
  destroy(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// small helpers

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with `p`'s value, or undefined after `ms` (the timer is cleared either way). */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((r) => {
        timer = setTimeout(() => {
          r(undefined);
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` every `intervalMs` until it returns something other than undefined/false; rejects with
 * `what` after `timeoutMs`.
 */
export async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string | (() => string),
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    }
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

/** Names in `binaries` not found on PATH (nor in /usr/sbin, /sbin). */
export function missingBinaries(binaries: readonly string[]): string[] {
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/bin:/bin`;
  return binaries.filter(
    (b) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', b], { env: { PATH: path } }).status !== 0,
  );
}

/** Why lab tests cannot run here (not Linux, not root, binaries missing), or undefined when they can. */
export function labSkipReason(binaries: readonly string[] = []): string | undefined {
  if (process.platform !== 'linux') return 'lab test: Linux only (network namespaces)';
  if (process.getuid?.() !== 0) return 'lab test: needs root (creates network namespaces)';
  const missing = missingBinaries(['ip', ...binaries]);
  if (missing.length > 0) {
    return `lab test: missing ${missing.join(', ')} (run: sudo bash scripts/install-deps.sh)`;
  }
  return undefined;
}

function checkIfname(name: string): string {
  if (name.length > IFNAMSIZ_MAX || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new Error(`invalid interface name "${name}" (at most ${IFNAMSIZ_MAX} characters)`);
  }
  return name;
}

function parseCidr(cidr: string): { address: string; prefixLength: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = m?.slice(1, 5).map(Number) ?? [];
  const prefixLength = Number(m?.[5]);
  if (!m || octets.some((o) => o > 255) || prefixLength < 1 || prefixLength > 30) {
    throw new Error(`invalid IPv4 address/prefix "${cidr}"`);
  }
  return { address: octets.join('.'), prefixLength };
}

export function normalizeMac(mac: string): string {
  const m = mac.trim().toLowerCase().replace(/-/g, ':');
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m)) throw new Error(`invalid MAC address "${mac}"`);
  if (parseInt(m.slice(0, 2), 16) & 1) throw new Error(`MAC address "${mac}" is multicast`);
  return m;
}

/** A random locally administered unicast MAC (02:xx:xx:xx:xx:xx). */
export function randomMac(): string {
  return ['02', ...[...randomBytes(5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** Runs a command (no shell), bounded; never throws. */
function runFile(
  file: string,
  args: readonly string[],
  opts: { timeoutMs: number; env?: NodeJS.ProcessEnv | undefined; input?: string | undefined },
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        encoding: 'utf8',
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 << 20,
        ...(opts.env ? { env: opts.env } : {}),
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ code: 0, signal: null, timedOut: false, stdout, stderr });
          return;
        }
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null };
        const code = typeof e.code === 'number' ? e.code : null;
        const signal = e.signal ?? null;
        resolve({
          code: code ?? (signal ? null : 127),
          signal,
          timedOut: e.killed === true && signal === 'SIGKILL',
          stdout,
          stderr: stderr || (typeof e.code === 'string' ? `${e.code}: ${e.message}` : ''),
        });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

function runSync(args: readonly string[], timeoutMs = 5_000): { ok: boolean; stdout: string } {
  const r = spawnSync(args[0]!, args.slice(1), {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { ok: r.status === 0, stdout: r.stdout ?? '' };
}

/** Names of all named network namespaces (`ip netns list`). */
/** Runs a command synchronously (bounded to 10 s): for tests that manage namespaces of their own. */
export function runCommand(args: readonly string[]): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 10_000 });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? r.error?.message ?? '' };
}

/** runCommand, throwing with the command's stderr when it fails. */
export function mustRun(args: readonly string[]): string {
  const r = runCommand(args);
  if (!r.ok) throw new Error(`${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Whether a process exists (EPERM: it exists but belongs to someone else). Signal 0 only checks. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * For tests that name their own namespaces after the creating process (`pattern`'s first group is its pid,
 * in `radix`): deletes those whose creator is gone — crashed runs — and never a namespace of a live run.
 */
export function sweepByCreator(pattern: RegExp, radix: 10 | 16): void {
  for (const ns of listNamespaces()) {
    const m = pattern.exec(ns);
    if (!m) continue;
    const pid = Number.parseInt(m[1] ?? '', radix);
    if (Number.isInteger(pid) && pidAlive(pid)) continue;
    runCommand(['ip', 'netns', 'del', ns]);
  }
}

export function listNamespaces(): string[] {
  return runSync(['ip', 'netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

function nsPidsSync(ns: string): number[] {
  return runSync(['ip', 'netns', 'pids', ns])
    .stdout.split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number);
}

function killQuiet(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Start time of a process (clock ticks since boot, field 22 of /proc/PID/stat), or undefined if gone. */
function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const ownerFile = (prefix: string): string => join(LAB_STATE_DIR, `${prefix}.owner`);

function writeOwner(prefix: string): void {
  mkdirSync(LAB_STATE_DIR, { recursive: true, mode: 0o755 });
  writeFileSync(ownerFile(prefix), `${process.pid} ${procStartTime(process.pid) ?? '?'}\n`, { flag: 'wx' });
}

/** true when the run that owns `prefix` is still alive (same PID and same process start time). */
function ownerAlive(prefix: string): boolean {
  let text: string;
  try {
    text = readFileSync(ownerFile(prefix), 'utf8');
  } catch {
    return false;
  }
  const [pidText, start] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = procStartTime(pid);
  return now !== undefined && (start === '?' || now === start);
}

function removeOwner(prefix: string): void {
  try {
    unlinkSync(ownerFile(prefix));
  } catch {
    /* already gone */
  }
}

/** Kills (SIGKILL) every process inside `ns` and deletes it; synchronous, bounded. */
function deleteNamespaceSync(ns: string): void {
  for (let i = 0; i < 3; i++) {
    const pids = nsPidsSync(ns);
    if (pids.length === 0) break;
    for (const pid of pids) killQuiet(pid, 'SIGKILL');
    spawnSync('sleep', ['0.05']);
  }
  runSync(['ip', 'netns', 'del', ns]);
  removeNetnsEtc(ns);
}

/** /etc/netns/<ns> (per-namespace resolv.conf): only ever for lab-named namespaces. */
function removeNetnsEtc(ns: string): void {
  if (LAB_NS_PATTERN.test(ns)) rmSync(join('/etc/netns', ns), { recursive: true, force: true });
}

/**
 * Deletes namespaces left by crashed runs: only names matching LAB_NS_PATTERN (`sy<4 hex>-…`) whose
 * owner record is missing or names a process that no longer exists. Processes still inside such a
 * namespace (daemons of the crashed run) are killed first. Returns the deleted namespaces.
 */
export function sweepStale(): string[] {
  const deleted: string[] = [];
  const byPrefix = new Map<string, string[]>();
  for (const ns of listNamespaces()) {
    if (!LAB_NS_PATTERN.test(ns)) continue;
    const prefix = ns.slice(0, 6);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), ns]);
  }
  for (const [prefix, names] of byPrefix) {
    if (liveLabs.has(prefix) || ownerAlive(prefix)) continue;
    for (const ns of names) {
      deleteNamespaceSync(ns);
      deleted.push(ns);
    }
    removeOwner(prefix);
  }
  // scratch directories of dead runs (kept when SWITCHYARD_LAB_KEEP=1, for debugging)
  if (process.env.SWITCHYARD_LAB_KEEP !== '1') {
    let dirs: string[] = [];
    try {
      dirs = readdirSync(tmpdir());
    } catch {
      /* no tmpdir listing */
    }
    for (const d of dirs) {
      const prefix = /^switchyard-lab-(sy[0-9a-f]{4})-[A-Za-z0-9]{6}$/.exec(d)?.[1];
      if (prefix && !liveLabs.has(prefix) && !ownerAlive(prefix)) {
        rmSync(join(tmpdir(), d), { recursive: true, force: true });
      }
    }
  }
  // owner records of runs that died before creating (or after deleting) their namespaces
  let records: string[] = [];
  try {
    records = readdirSync(LAB_STATE_DIR);
  } catch {
    /* no state dir yet */
  }
  for (const f of records) {
    const prefix = f.replace(/\.owner$/, '');
    if (PREFIX_PATTERN.test(prefix) && !liveLabs.has(prefix) && !ownerAlive(prefix)) removeOwner(prefix);
  }
  return deleted;
}

// ---------------------------------------------------------------------------------------------------------
// process-wide cleanup of labs still alive at exit or on a signal

const liveLabs = new Map<string, LabImpl>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let handlersInstalled = false;

function cleanupAllSync(): void {
  for (const lab of [...liveLabs.values()]) lab.destroySync();
}

function onSignal(sig: NodeJS.Signals): void {
  cleanupAllSync();
  uninstallHandlers();
  // Let the default action (or whoever else listens) decide what happens next.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', cleanupAllSync);
  for (const s of SIGNALS) process.off(s, onSignal);
}

// ---------------------------------------------------------------------------------------------------------

class LabProcessImpl implements LabProcess {
  readonly pid: number;
  readonly ns: string;
  readonly argv: readonly string[];
  readonly exited: Promise<ExitInfo>;
  private info: ExitInfo | undefined;
  private buf = '';
  private dropped = 0;
  private readonly child: ChildProcess;

  constructor(ns: string, argv: readonly string[], opts: SpawnOptions) {
    this.ns = ns;
    this.argv = argv;
    this.child = spawnChild('ip', ['netns', 'exec', ns, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    const append = (d: Buffer): void => {
      this.buf += d.toString('utf8');
      if (this.buf.length > OUTPUT_LIMIT) {
        const cut = this.buf.length - OUTPUT_LIMIT;
        this.buf = this.buf.slice(cut);
        this.dropped += cut;
      }
    };
    this.child.stdout?.on('data', append);
    this.child.stderr?.on('data', append);
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.once('error', (err) => {
        append(Buffer.from(`spawn error: ${err.message}\n`));
        this.info ??= { code: 127, signal: null };
        resolve(this.info);
      });
      this.child.once('exit', (code, signal) => {
        this.info ??= { code, signal };
        resolve(this.info);
      });
    });
    this.pid = this.child.pid ?? -1;
  }

  exitInfo(): ExitInfo | undefined {
    return this.info;
  }

  output(): string {
    return this.buf;
  }

  outputMark(): number {
    return this.dropped + this.buf.length;
  }

  signal(sig: NodeJS.Signals): boolean {
    if (this.info || this.pid <= 0) return false;
    return killQuiet(this.pid, sig);
  }

  async waitForOutput(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    const rx = new RegExp(re.source, re.flags.replace('g', ''));
    return waitUntil(
      () => {
        const m = rx.exec(this.buf.slice(Math.max(0, from - this.dropped)));
        if (m) return m;
        if (this.info) {
          throw new Error(
            `${this.argv.join(' ')} exited (${JSON.stringify(this.info)}) before printing ${String(re)}:\n${this.buf.slice(-4000)}`,
          );
        }
        return undefined;
      },
      timeoutMs,
      () => `${String(re)} from ${this.argv.join(' ')}; output so far:\n${this.buf.slice(-4000)}`,
    );
  }

  async stop(opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<ExitInfo> {
    if (this.info) return this.info;
    this.signal(opts.signal ?? 'SIGTERM');
    this.signal('SIGCONT'); // a SIGSTOPped process only acts on SIGTERM once continued
    const grace = opts.timeoutMs ?? STOP_GRACE_MS;
    const info = await withTimeout(this.exited, grace);
    if (info) return info;
    this.signal('SIGKILL');
    // SIGKILL cannot be ignored; the bound only guards against an exit event that never comes.
    return (await withTimeout(this.exited, 3_000)) ?? { code: null, signal: 'SIGKILL' };
  }

  killSync(): void {
    if (!this.info && this.pid > 0) killQuiet(this.pid, 'SIGKILL');
  }
}

class LabImpl implements Lab {
  readonly prefix: string;
  readonly hostNs: string;
  readonly workDir: string;
  private readonly created: string[] = [];
  private readonly warn: string[] = [];
  private readonly procs: LabProcessImpl[] = [];
  private readonly execTimeoutMs: number;
  private readonly keepWorkDir: boolean;
  private sw: LabSwitch | undefined;
  private switchPending: Promise<LabSwitch> | undefined;
  private nextIndex = 1;
  private readonly clientNames = new Set<string>();
  private destroying: Promise<void> | undefined;
  private destroyed = false;

  constructor(prefix: string, opts: LabOptions) {
    this.prefix = prefix;
    this.hostNs = `${prefix}-host`;
    this.execTimeoutMs = opts.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    this.keepWorkDir = opts.keepWorkDir ?? process.env.SWITCHYARD_LAB_KEEP === '1';
    this.workDir = mkdtempSync(join(tmpdir(), `switchyard-lab-${prefix}-`));
  }

  get namespaces(): readonly string[] {
    return [...this.created];
  }

  get warnings(): readonly string[] {
    return [...this.warn];
  }

  get switch(): LabSwitch | undefined {
    return this.sw;
  }

  private assertOwn(ns: string): void {
    if (this.destroyed) throw new Error(`lab ${this.prefix} is destroyed`);
    if (!this.created.includes(ns)) {
      throw new Error(
        `namespace "${ns}" does not belong to lab ${this.prefix} (refusing to run anything there)`,
      );
    }
  }

  async exec(ns: string, argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.assertOwn(ns);
    if (argv.length === 0) throw new Error('exec: empty argv');
    const r = await runFile('ip', ['netns', 'exec', ns, ...argv], {
      timeoutMs: opts.timeoutMs ?? this.execTimeoutMs,
      env: opts.env,
      input: opts.input,
    });
    if ((opts.check ?? true) && (r.code !== 0 || r.timedOut)) {
      throw new LabCommandError(['ip', 'netns', 'exec', ns, ...argv], r);
    }
    return r;
  }

  spawn(ns: string, argv: readonly string[], opts: SpawnOptions = {}): LabProcess {
    this.assertOwn(ns);
    if (argv.length === 0) throw new Error('spawn: empty argv');
    const p = new LabProcessImpl(ns, argv, opts);
    this.procs.push(p);
    return p;
  }

  /** `ip` in the host's own namespace, limited to what creates/deletes lab objects. */
  private async hostIp(args: readonly string[]): Promise<void> {
    const r = await runFile('ip', args, { timeoutMs: this.execTimeoutMs });
    if (r.code !== 0 || r.timedOut) throw new LabCommandError(['ip', ...args], r);
  }

  private async ip(ns: string, args: readonly string[]): Promise<string> {
    return (await this.exec(ns, ['ip', ...args])).stdout;
  }

  /** Creates a namespace (recorded before anything else), lo up, IPv6 off. */
  async addNamespace(suffix: string): Promise<string> {
    const ns = `${this.prefix}-${suffix}`;
    if (!LAB_NS_PATTERN.test(ns)) throw new Error(`bad namespace name ${ns}`);
    await this.hostIp(['netns', 'add', ns]);
    this.created.push(ns);
    // Every command here runs through `ip netns exec`, which then mounts this file over /etc/resolv.conf:
    // a client that rewrites resolv.conf (a DHCP client's hook) writes the namespace's copy, never the
    // machine's (a rename onto the mount point fails instead).
    this.setResolvConf(ns, '# switchyard lab namespace: no resolver unless a test sets one\n');
    await this.ip(ns, ['link', 'set', 'lo', 'up']);
    // IPv6 off (quieter captures, no SLAAC/DAD traffic); absent when the kernel has no IPv6.
    await this.exec(ns, [
      'sh',
      '-c',
      'for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do [ -w "$f" ] && echo 1 >"$f"; done; true',
    ]);
    return ns;
  }

  private async checksumOff(ns: string, ifname: string): Promise<void> {
    // Raw-socket DHCP clients (dhclient, udhcpc) drop packets whose UDP checksum is left to offload on veth.
    const r = await this.exec(ns, ['ethtool', '-K', ifname, 'tx', 'off'], { check: false });
    if (r.code !== 0) this.warn.push(`ethtool -K ${ifname} tx off failed in ${ns}: ${r.stderr.trim()}`);
  }

  /** veth pair with one end in each (lab) namespace, created there directly; tx checksum offload off; up. */
  private async veth(nsA: string, ifA: string, nsB: string, ifB: string): Promise<void> {
    this.assertOwn(nsA);
    this.assertOwn(nsB);
    checkIfname(ifA);
    checkIfname(ifB);
    await this.hostIp(['link', 'add', ifA, 'netns', nsA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
    await this.checksumOff(nsA, ifA);
    await this.checksumOff(nsB, ifB);
  }

  private async waitCarrier(ns: string, ifname: string): Promise<void> {
    await waitUntil(
      async () => {
        const r = await this.exec(ns, ['cat', `/sys/class/net/${ifname}/operstate`], { check: false });
        return r.stdout.trim() === 'up';
      },
      CARRIER_TIMEOUT_MS,
      `carrier on ${ns}:${ifname}`,
      20,
    );
  }

  async addSwitch(opts: { cidr?: string } = {}): Promise<LabSwitch> {
    if (this.sw) return this.sw;
    this.switchPending ??= this.createSwitch(opts.cidr ?? DEFAULT_SERVER_CIDR);
    return this.switchPending;
  }

  private async createSwitch(cidr: string): Promise<LabSwitch> {
    const { address, prefixLength } = parseCidr(cidr);
    const ifname = checkIfname(`${this.prefix}-br`);
    const mac = `02:73:79:${this.prefix.slice(2, 4)}:${this.prefix.slice(4, 6)}:01`;
    await this.ip(this.hostNs, [
      'link',
      'add',
      ifname,
      'type',
      'bridge',
      'forward_delay',
      '0',
      'stp_state',
      '0',
    ]);
    // a fixed MAC: otherwise the bridge takes the lowest port MAC and changes as clients come and go
    await this.ip(this.hostNs, ['link', 'set', 'dev', ifname, 'address', mac]);
    await this.ip(this.hostNs, ['addr', 'add', cidr, 'dev', ifname]);
    await this.ip(this.hostNs, ['link', 'set', 'dev', ifname, 'up']);
    this.sw = { ns: this.hostNs, ifname, cidr, address, prefixLength, mac };
    return this.sw;
  }

  async addClient(name: string, opts: AddClientOptions = {}): Promise<LabClient> {
    if (!/^[a-z0-9][a-z0-9-]{0,23}$/.test(name) || name === 'host') {
      throw new Error(`invalid client name "${name}" (lower-case letters, digits, '-'; not "host")`);
    }
    if (this.clientNames.has(name)) throw new Error(`client "${name}" exists already in lab ${this.prefix}`);
    this.clientNames.add(name);
    const onBridge = opts.onBridge ?? true;
    const sw = onBridge ? await this.addSwitch() : undefined;
    const i = this.nextIndex++;
    const ifname = `${this.prefix}-c${i}`;
    const peerIfname = `${this.prefix}-${onBridge ? 'p' : 's'}${i}`;
    const serverCidr = sw ? sw.cidr : (opts.serverCidr ?? `10.79.${i % 256}.1/24`);
    if (!sw) parseCidr(serverCidr);
    const ns = await this.addNamespace(name);
    await this.veth(this.hostNs, peerIfname, ns, ifname);
    if (opts.mac !== undefined)
      await this.ip(ns, ['link', 'set', 'dev', ifname, 'address', normalizeMac(opts.mac)]);
    if (sw) {
      await this.ip(this.hostNs, ['link', 'set', 'dev', peerIfname, 'master', sw.ifname]);
    } else {
      await this.ip(this.hostNs, ['addr', 'add', serverCidr, 'dev', peerIfname]);
    }
    await this.ip(this.hostNs, ['link', 'set', 'dev', peerIfname, 'up']);
    await this.ip(ns, ['link', 'set', 'dev', ifname, 'up']);
    await this.waitCarrier(ns, ifname);
    const mac = (await this.exec(ns, ['cat', `/sys/class/net/${ifname}/address`])).stdout.trim();
    return { name, ns, ifname, mac, peerIfname, onBridge, serverCidr };
  }

  setResolvConf(ns: string, text: string): void {
    if (!this.created.includes(ns))
      throw new Error(`setResolvConf: ${ns} is not a namespace of lab ${this.prefix}`);
    mkdirSync(join('/etc/netns', ns), { recursive: true });
    writeFileSync(join('/etc/netns', ns, 'resolv.conf'), text);
  }

  destroy(): Promise<void> {
    this.destroying ??= this.destroyAsync();
    return this.destroying;
  }

  private async destroyAsync(): Promise<void> {
    const problems: string[] = [];
    await Promise.all(this.procs.map((p) => p.stop({ timeoutMs: STOP_GRACE_MS })));
    for (const ns of [...this.created].reverse()) {
      // anything still inside (daemons that forked, exec() children past their timeout) is ours
      try {
        await waitUntil(
          () => {
            const pids = nsPidsSync(ns);
            for (const pid of pids) killQuiet(pid, 'SIGKILL');
            return pids.length === 0;
          },
          3_000,
          `processes in ${ns} to exit`,
          50,
        );
      } catch (err) {
        problems.push((err as Error).message);
      }
      const r = await runFile('ip', ['netns', 'del', ns], { timeoutMs: this.execTimeoutMs });
      removeNetnsEtc(ns);
      if (r.code !== 0 && listNamespaces().includes(ns))
        problems.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
    }
    const left = listNamespaces().filter((n) => n.startsWith(`${this.prefix}-`));
    if (left.length > 0) problems.push(`namespaces still present: ${left.join(', ')}`);
    this.finish();
    if (problems.length > 0) throw new Error(`lab ${this.prefix} teardown: ${problems.join('; ')}`);
  }

  /** Synchronous last-resort teardown (process exit / signal). */
  destroySync(): void {
    if (this.destroyed) return;
    for (const p of this.procs) p.killSync();
    for (const ns of [...this.created].reverse()) deleteNamespaceSync(ns);
    this.finish();
  }

  private finish(): void {
    this.destroyed = true;
    this.created.length = 0;
    if (!this.keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
    removeOwner(this.prefix);
    liveLabs.delete(this.prefix);
    if (liveLabs.size === 0) uninstallHandlers();
  }
}

/**
 * Creates a lab: a unique prefix `sy<4 hex>`, its owner record, and the "host" namespace `<prefix>-host`
 * (where addSwitch() puts the bridge and the tests run the server). Runs sweepStale() first unless
 * `sweep: false`. Needs root.
 */
export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  const why = labSkipReason();
  if (why) throw new Error(why);
  if (opts.sweep ?? true) sweepStale();
  let lab: LabImpl | undefined;
  const existing = new Set(listNamespaces().map((n) => n.slice(0, 6)));
  for (let attempt = 0; attempt < 20 && !lab; attempt++) {
    const prefix = `sy${randomBytes(2).toString('hex')}`;
    if (existing.has(prefix) || liveLabs.has(prefix)) continue;
    try {
      writeOwner(prefix); // exclusive create: fails if another run holds the prefix
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    lab = new LabImpl(prefix, opts);
  }
  if (!lab) throw new Error('could not find a free lab prefix');
  liveLabs.set(lab.prefix, lab);
  installHandlers();
  try {
    await lab.addNamespace('host');
  } catch (err) {
    await lab.destroy().catch(() => undefined);
    throw err;
  }
  return lab;
}

/** Sets the MAC address of `ifname` in lab namespace `ns`. */
export async function setMac(lab: Lab, ns: string, ifname: string, mac: string): Promise<void> {
  await lab.exec(ns, ['ip', 'link', 'set', 'dev', checkIfname(ifname), 'address', normalizeMac(mac)]);
}
