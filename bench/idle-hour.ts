/**
 * What an idle daemon does in one hour, counted, not timed: `startDaemon` from a build (this one, or an
 * older one's dist, so before and after run under the same harness) with a fake clock installed over the
 * global timers, and every way out of the process replaced by a counting simulation:
 * - child_process.spawn (PowerShell: test/fakes/sim-windows-net.ts, a laptop with Wi-Fi, the switch and
 *   WSL, forwarding on, nothing changing) and child_process.execFile (ip, resolvectl: canned output);
 * - reads of /proc/sys/net/ipv4/conf/…/forwarding (the Linux keeper; fs/promises before, fs sync after);
 * - os.networkInterfaces (the in-process adapter list).
 * The config has `mtu: auto`, `forwarding: true`, WSL and DNS: every watch the daemon has runs.
 * On Windows it also compares one process per check with one long-lived PowerShell, by charging the
 * simulated runs the published start cost (0.6–1 s: 800 ms) and a per-script cost, once per process.
 *
 * Run: node dist/bench/idle-hour.js [--dist DIR] [--json]   (DIR: a build's root holding dist/; default this one)
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FakeTimers } from '../test/fakes/fake-timers.js';
import { SimWindowsNet, type RunKind } from '../test/fakes/sim-windows-net.js';

const args = process.argv.slice(2);
const distRoot = resolve(args.includes('--dist') ? args[args.indexOf('--dist') + 1]! : '.');
const json = args.includes('--json');
const HOUR = 3_600_000;

const require = createRequire(import.meta.url);
const cp = require('node:child_process') as typeof import('node:child_process');
const fsp = require('node:fs/promises') as typeof import('node:fs/promises');
const fs = require('node:fs') as typeof import('node:fs');
const os = require('node:os') as typeof import('node:os');

interface Counts {
  platform: string;
  processes: Record<string, number>;
  procReads: number;
  networkInterfaces: number;
  timersFired: number;
  powershellKinds?: Record<string, number>;
  simulatedCpuS?: { perProcess: number; longLived: number };
}

const LINUX_OUT: Record<string, string> = {
  'ip -j address show': JSON.stringify([
    { ifindex: 2, ifname: 'eth0', mtu: 1500, flags: ['UP'], operstate: 'UP', addr_info: [] },
  ]),
  'ip -j -4 route show table all': JSON.stringify([
    { dst: 'default', gateway: '192.168.1.1', dev: 'eth0', table: 'main', type: 'unicast' },
  ]),
  'ip -j link show': JSON.stringify([{ ifindex: 3, ifname: 'switchyard' }]),
  'resolvectl dns': 'Link 3 (switchyard): 10.0.251.1\n',
  'resolvectl domain': 'Link 3 (switchyard): ~switchyard.internal\n',
};

async function idleHour(platform: 'win32' | 'linux', session?: SimWindowsNet['session']): Promise<Counts> {
  const timers = new FakeTimers();
  const net = new SimWindowsNet(timers);
  net.session = session;
  net.add('Wi-Fi', ['192.168.1.23/24'], { mtu: 1500 });
  net.add(platform === 'win32' ? 'vEthernet (switchyard)' : 'switchyard', ['10.0.251.1/24'], {
    forwarding: true,
  });
  net.add(platform === 'win32' ? 'vEthernet (WSL (Hyper-V firewall))' : 'wsl0', ['10.0.250.1/24'], {
    forwarding: true,
  });
  net.routes.push({ dest: '0.0.0.0/0', alias: 'Wi-Fi', nextHop: '192.168.1.1' });
  net.wslRange = '10.0.250.0/24';

  const processes: Record<string, number> = {};
  let procReads = 0;
  let lists = 0;
  const saved = {
    spawn: cp.spawn,
    execFile: cp.execFile,
    readFile: fsp.readFile,
    readFileSync: fs.readFileSync,
    ni: os.networkInterfaces,
  };
  const isForwarding = (path: unknown): boolean =>
    typeof path === 'string' && path.startsWith('/proc/sys/net/ipv4/conf/');
  (cp as { spawn: unknown }).spawn = (file: string, argv: string[]) => {
    processes[file] = (processes[file] ?? 0) + 1;
    const child = Object.assign(new EventEmitter(), {
      stdout: new EventEmitter(),
      stderr: new EventEmitter(),
      kill: () => true,
    });
    void net.runner(file, argv).then((r) => {
      child.stdout.emit('data', Buffer.from(r.stdout));
      child.emit('close', r.code, null);
    });
    return child;
  };
  (cp as { execFile: unknown }).execFile = (
    file: string,
    argv: string[],
    _o: unknown,
    cb: (e: Error | null, out: string, err: string) => void,
  ) => {
    processes[file] = (processes[file] ?? 0) + 1;
    const out = LINUX_OUT[[file, ...argv].join(' ')] ?? '';
    timers.setTimeout(() => {
      cb(null, out, '');
    }, 5);
  };
  (fsp as { readFile: unknown }).readFile = (path: string, ...rest: unknown[]) => {
    if (isForwarding(path)) {
      procReads++;
      return Promise.resolve('1\n');
    }
    return (saved.readFile as (...a: unknown[]) => Promise<unknown>)(path, ...rest);
  };
  (fs as { readFileSync: unknown }).readFileSync = (path: string, ...rest: unknown[]) => {
    if (isForwarding(path)) {
      procReads++;
      return '1\n';
    }
    return (saved.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
  };
  (os as { networkInterfaces: unknown }).networkInterfaces = () => {
    lists++;
    return net.networkInterfaces();
  };
  syncBuiltinESMExports();
  process.env.SWITCHYARD_POWERSHELL = 'powershell.exe';
  const uninstall = timers.install();
  const dir = mkdtempSync(join(tmpdir(), 'sy-idle-'));
  try {
    const load = async <T>(p: string): Promise<T> =>
      (await import(pathToFileURL(join(distRoot, 'dist', p)).href)) as T;
    const { startDaemon } = await load<typeof import('../src/daemon/serve.js')>('src/daemon/serve.js');
    const { parseConfig } = await load<typeof import('../src/config/load.js')>('src/config/load.js');
    const { memoryLogger } = await load<typeof import('../src/log.js')>('src/log.js');
    // A build from before the daemon host port (host/daemon-host.ts) took `platform` instead of `host`.
    const hosts = await load<typeof import('../src/host/daemon-host.js')>('src/host/daemon-host.js').catch(
      () => undefined,
    );
    const where = (hosts ? { host: hosts.daemonHostFor(platform) } : { platform }) as {
      host: ReturnType<NonNullable<typeof hosts>['daemonHostFor']>;
    };
    const { FakeTransport } = await load<typeof import('../test/fakes/fake-transport.js')>(
      'test/fakes/fake-transport.js',
    );
    const config = parseConfig(
      `switches:
  - name: switchyard
    subnet: 10.0.251.0/24
    host: 10.0.251.1
    dhcp: { mtu: auto }
wsl: { subnet: 10.0.250.0/24${platform === 'linux' ? ', interface: wsl0' : ''} }
`,
      'idle.yaml',
    );
    const starting = startDaemon({
      config,
      stateDir: dir,
      log: memoryLogger('error'),
      clock: timers,
      ...where,
      control: false,
      dnsPort: 0,
      ...(platform === 'win32' ? { wslPinned: '10.0.250.0/24' } : {}),
      inspect: (name) =>
        Promise.resolve({
          name,
          exists: true,
          up: true,
          addresses: [{ address: '10.0.251.1', prefix: 24, dynamic: false }],
        }),
      openTransport: () => Promise.resolve(new FakeTransport()),
    });
    let daemon: Awaited<typeof starting> | undefined;
    void starting.then((d) => (daemon = d));
    while (daemon === undefined) await timers.advance(10);
    const startedAt = timers.now();
    while (timers.now() - startedAt < HOUR) await timers.advance(1000);
    const stopping = daemon.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    while (!stopped) await timers.advance(100);
    const kinds: Record<string, number> = {};
    for (const r of net.runs) kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    return {
      platform,
      processes,
      procReads,
      networkInterfaces: lists,
      timersFired: timers.fired,
      ...(platform === 'win32' ? { powershellKinds: kinds } : {}),
      ...(session ? { simulatedCpuS: { perProcess: 0, longLived: net.busyMs / 1000 } } : {}),
      ...(platform === 'win32' && !session
        ? { simulatedCpuS: { perProcess: net.busyMs / 1000, longLived: 0 } }
        : {}),
    };
  } finally {
    uninstall();
    Object.assign(cp, { spawn: saved.spawn, execFile: saved.execFile });
    Object.assign(fsp, { readFile: saved.readFile });
    Object.assign(fs, { readFileSync: saved.readFileSync });
    Object.assign(os, { networkInterfaces: saved.ni });
    syncBuiltinESMExports();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Published: a Windows PowerShell 5.1 start is 0.6–1 s; per script, what runs after the start. */
const START_MS = 800;
const SCRIPT_MS: Record<RunKind, number> = { targeted: 150, full: 1200, elevated: 0, other: 0 };

const win = await idleHour('win32');
// the same hour, charged as one process per check and as one long-lived process
const perProcess = await idleHour('win32', { startMs: START_MS, scriptMs: SCRIPT_MS });
const perCheckMs = Object.entries(perProcess.powershellKinds ?? {}).reduce(
  (n, [k, c]) => n + c * (START_MS + SCRIPT_MS[k as RunKind]),
  0,
);
win.simulatedCpuS = { perProcess: perCheckMs / 1000, longLived: perProcess.simulatedCpuS!.longLived };
const linux = await idleHour('linux');
if (json) process.stdout.write(`${JSON.stringify({ dist: distRoot, windows: win, linux }, null, 2)}\n`);
else {
  for (const c of [win, linux]) {
    process.stdout.write(
      `${c.platform}: processes ${JSON.stringify(c.processes)}, /proc reads ${c.procReads}, ` +
        `networkInterfaces() ${c.networkInterfaces}, timers fired ${c.timersFired}` +
        (c.powershellKinds ? `, PowerShell runs ${JSON.stringify(c.powershellKinds)}` : '') +
        (c.simulatedCpuS
          ? `, simulated PowerShell CPU-s: ${c.simulatedCpuS.perProcess} one process per check, ${c.simulatedCpuS.longLived} one long-lived process`
          : '') +
        '\n',
    );
  }
}
