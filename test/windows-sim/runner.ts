/**
 * A Runner (the interface src/host/windows/spawn-runner.ts spawns PowerShell through) that runs the script a
 * switchyard command line carries in real PowerShell 7 against the simulated Windows: the same
 * `powershell.exe … -EncodedCommand <base64>` the Windows backend builds, decoded and run by pwsh after
 * the simulation's boot (ps/run.ps1), as the account and token the test chose.
 *
 * What it checks on the way, as Windows would: the command line fits CreateProcess's 32,767 characters
 * (else the spawn fails, as node's spawn does on Windows with ENAMETOOLONG).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RunResult, Runner } from '../../src/host/windows/spawn-runner.js';
import {
  commandLineLength,
  decodeCommand,
  MAX_COMMAND_LINE_CHARS,
} from '../../src/host/windows/command-line.js';
import { simRoot } from './sim-root.js';

/** Who runs switchyard on the simulated host. */
export interface SimSession {
  account: string;
  elevated: boolean;
  /** A desktop session (false: a SYSTEM task or a service); default true. */
  interactive?: boolean;
}

let pwshCache: string | null | undefined;

/** pwsh on PATH or as the dotnet global tool; null when there is none. */
export function pwshPath(): string | null {
  if (pwshCache !== undefined) return pwshCache;
  if (process.env.SWITCHYARD_NO_PWSH === '1') return (pwshCache = null); // to see the skip path
  const candidates = [
    ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'pwsh')),
    join(homedir(), '.dotnet', 'tools', 'pwsh'),
  ];
  pwshCache = candidates.find((p) => existsSync(p)) ?? null;
  return pwshCache;
}

/** How to get pwsh, for the line a skipped test prints. */
export const PWSH_HINT = 'dotnet tool install --global PowerShell --version 7.6.10 (or npm run test:all)';

/**
 * Call at the top of a test that needs pwsh: returns a reason to skip it, or undefined. Under CI a missing
 * pwsh is a failure, not a skip (the test command installs it).
 */
export function pwshMissing(): string | undefined {
  if (pwshPath() !== null) return undefined;
  const ci = process.env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') {
    throw new Error(`pwsh is required under CI and was not found: ${PWSH_HINT}`);
  }
  return `pwsh not found: ${PWSH_HINT}`;
}

/** Counts and timings of the runs, for the notes and the idle-cost tests. */
export interface RunStats {
  runs: number;
  ms: number;
}

export interface SimRunnerOptions {
  /** The host's folder: state.json and the profiles are there. */
  dir: string;
  session: () => SimSession;
  stats?: RunStats;
}

let scriptCounter = 0;

export function envFor(dir: string, session: SimSession, profile: string): NodeJS.ProcessEnv {
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? homedir(),
    TMPDIR: tmp,
    USERPROFILE: profile,
    POWERSHELL_TELEMETRY_OPTOUT: '1',
    POWERSHELL_UPDATECHECK: 'Off',
    DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    DOTNET_NOLOGO: '1',
    NO_COLOR: '1',
    SWITCHYARD_SIM_STATE: join(dir, 'state.json'),
    SWITCHYARD_SIM_ROOT: simRoot(),
    SWITCHYARD_SIM_ACCOUNT: session.account,
    SWITCHYARD_SIM_ELEVATED: session.elevated ? '1' : '0',
    SWITCHYARD_SIM_INTERACTIVE: session.interactive === false ? '0' : '1',
    SWITCHYARD_SIM_PWSH: pwshPath() ?? 'pwsh',
  };
}

/**
 * One long-lived pwsh per test process (ps/server.ps1) runs the scripts one after another, each in a fresh
 * runspace: about 1 s of pwsh start-up once instead of per script. SWITCHYARD_SIM_SERVER=0 runs each script
 * in a pwsh process of its own (run.ps1), the slower and plainer way.
 */
class SimServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private stderr = '';
  private closed = false;

  constructor(pwsh: string) {
    this.child = spawn(
      pwsh,
      ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', join(simRoot(), 'server.ps1')],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...envFor(simRoot(), { account: 'dev', elevated: false }, simRoot()) },
      },
    );
    this.hold(true);
    this.child.stderr.on('data', (b: Buffer) => {
      this.stderr += b.toString('utf8');
    });
    this.child.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w('');
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
  }

  private pending = 0;

  /** Keeps node alive while a script runs, and lets it exit while the server idles. */
  private hold(on: boolean): void {
    const handles = [this.child, this.child.stdout, this.child.stderr, this.child.stdin] as unknown as {
      ref?: () => void;
      unref?: () => void;
    }[];
    for (const h of handles) (on ? h.ref : h.unref)?.call(h);
  }

  private next(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  run(script: string, env: NodeJS.ProcessEnv, stdin?: string): Promise<RunResult> {
    this.pending += 1;
    this.hold(true);
    const job = this.queue.then(async () => {
      if (this.closed) throw new Error(`the simulated PowerShell server exited: ${this.stderr.trim()}`);
      const answer = this.next();
      this.child.stdin.write(`${JSON.stringify({ script, env, stdin })}\n`);
      const line = await answer;
      if (line === '') throw new Error(`the simulated PowerShell server exited: ${this.stderr.trim()}`);
      return JSON.parse(line) as RunResult;
    });
    this.queue = job.catch(() => undefined);
    return job.finally(() => {
      this.pending -= 1;
      if (this.pending === 0) this.hold(false);
    });
  }

  idle(): void {
    if (this.pending === 0) this.hold(false);
  }

  async ready(): Promise<void> {
    const line = await this.next();
    if (!line.includes('ready'))
      throw new Error(`the simulated PowerShell server did not start: ${this.stderr.trim()}`);
  }
}

let server: Promise<SimServer> | undefined;

function simServer(pwsh: string): Promise<SimServer> {
  server ??= (async () => {
    const s = new SimServer(pwsh);
    await s.ready();
    s.idle();
    return s;
  })();
  return server;
}

/** Runs `script` text directly (no command line), e.g. a generated .ps1 file's content. */
export function runScriptText(
  dir: string,
  session: SimSession,
  profile: string,
  script: string,
  stats?: RunStats,
  stdin?: string,
): Promise<RunResult> {
  const pwsh = pwshPath();
  if (pwsh === null) return Promise.reject(new Error(`pwsh not found: ${PWSH_HINT}`));
  const file = join(dir, 'tmp', `script-${process.pid}-${++scriptCounter}.ps1`);
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  // With a BOM, as Windows PowerShell 5.1 needs to read a non-ASCII .ps1 as UTF-8.
  writeFileSync(file, `\uFEFF${script}`);
  const started = Date.now();
  const env = envFor(dir, session, profile);
  // For the notes: SWITCHYARD_SIM_RUNLOG=FILE appends one line per script run (its first line of code).
  const runlog = process.env.SWITCHYARD_SIM_RUNLOG;
  if (runlog !== undefined && runlog !== '') {
    const first = script.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
    appendFileSync(runlog, `${first.slice(0, 100)}\n`);
  }
  if (process.env.SWITCHYARD_SIM_SERVER !== '0') {
    return simServer(pwsh)
      .then((s) => s.run(file, env, stdin))
      .then((r) => {
        if (stats) {
          stats.runs += 1;
          stats.ms += Date.now() - started;
        }
        return r;
      });
  }
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(
      pwsh,
      ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', join(simRoot(), 'run.ps1'), file],
      { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (stats) {
        stats.runs += 1;
        stats.ms += Date.now() - started;
      }
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** The Runner for the Windows backend: `file` is powershell.exe, `args` end in -EncodedCommand <base64>. */
export function makeSimRunner(
  options: SimRunnerOptions & { profileOf: (account: string) => string },
): Runner {
  return async (file, args, input) => {
    const length = commandLineLength(file, args);
    if (length > MAX_COMMAND_LINE_CHARS) {
      const e = new Error(
        `spawn ${file} ENAMETOOLONG (command line of ${length} characters)`,
      ) as NodeJS.ErrnoException;
      e.code = 'ENAMETOOLONG';
      throw e;
    }
    const at = args.findIndex((a) => /^-(EncodedCommand|enc|e|ec)$/i.test(a));
    if (at < 0 || at + 1 >= args.length)
      throw new Error('simulated Windows: expected -EncodedCommand <base64>');
    const session = options.session();
    return runScriptText(
      options.dir,
      session,
      options.profileOf(session.account),
      decodeCommand(args[at + 1]!),
      options.stats,
      input,
    );
  };
}

/** `pwsh --version`, for the notes. */
export function pwshVersion(): string | undefined {
  const p = pwshPath();
  if (p === null) return undefined;
  const r = spawnSync(
    p,
    ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()'],
    {
      encoding: 'utf8',
    },
  );
  return r.stdout.trim();
}
