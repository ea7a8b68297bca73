/**
 * Runs the real `switchyard` binary inside a lab: `serve` in the lab's host namespace (where the switch
 * bridge is), `leases` against its state directory.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LeaseRow } from '../../src/dhcp/lease-rows.js';
import type { Lab, LabProcess } from './netns.js';
import { SERVE_NODE_FLAGS } from '../../src/artifacts/serve-flags.js';

/** The repository root (dist/test/lab → ../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SWITCHYARD_BIN = join(REPO_ROOT, 'bin', 'switchyard.js');

/** A row of `switchyard leases --json` (the contract of docs/dhcp.md#leases-on-disk). */
export type LeaseJson = LeaseRow;

export interface Daemon {
  readonly configPath: string;
  readonly stateDir: string;
  process: LabProcess;
  /** `switchyard leases --json` against the state directory. */
  leases(): Promise<LeaseJson[]>;
  /** Stops (SIGTERM, or SIGKILL with `hard`) and starts again with the same state directory. */
  restart(opts?: { hard?: boolean; config?: string }): Promise<void>;
  stop(): Promise<void>;
}

export function writeConfig(lab: Lab, yaml: string, name = 'switchyard.yaml'): string {
  const path = join(lab.workDir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, yaml);
  return path;
}

export function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [SWITCHYARD_BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

/** The command line of `switchyard serve` as the service definitions run it (SERVE_NODE_FLAGS first). */
export function serveArgv(configPath: string, stateDir: string, extraArgs: readonly string[] = []): string[] {
  return [
    process.execPath,
    ...SERVE_NODE_FLAGS,
    SWITCHYARD_BIN,
    'serve',
    '--config',
    configPath,
    '--state-dir',
    stateDir,
    ...extraArgs,
  ];
}

/** Starts `switchyard serve` in the lab's host namespace and waits until it serves (bounded). */
export async function startServe(
  lab: Lab,
  yaml: string,
  opts: { logLevel?: string; extraArgs?: string[] } = {},
): Promise<Daemon> {
  let configPath = writeConfig(lab, yaml);
  const stateDir = join(lab.workDir, 'state');
  const spawn = (): LabProcess =>
    lab.spawn(
      lab.hostNs,
      serveArgv(configPath, stateDir, ['--log-level', opts.logLevel ?? 'debug', ...(opts.extraArgs ?? [])]),
    );
  const ready = async (p: LabProcess): Promise<void> => {
    const exited = p.exited.then((e) => {
      throw new Error(`switchyard serve exited (${String(e.code ?? e.signal)}):\n${p.output()}`);
    });
    await Promise.race([p.waitForOutput(/"msg":"serving DHCP"/, 15_000), exited]);
  };
  const d: Daemon = {
    configPath,
    stateDir,
    process: spawn(),
    async leases() {
      const r = await runCli(['leases', '--state-dir', stateDir, '--json']);
      if (r.code !== 0) throw new Error(`switchyard leases failed (${r.code}): ${r.stderr}`);
      return JSON.parse(r.stdout) as LeaseJson[];
    },
    async restart(o = {}) {
      if (o.hard) {
        d.process.signal('SIGKILL');
        await d.process.exited;
      } else await d.process.stop();
      if (o.config !== undefined) configPath = writeConfig(lab, o.config);
      d.process = spawn();
      await ready(d.process);
    },
    async stop() {
      await d.process.stop();
    },
  };
  await ready(d.process);
  return d;
}
