/**
 * Running a script in PowerShell once, not elevated. The real Runner spawns without a shell and with
 * stdin not connected (an open stdin pipe can keep powershell.exe from exiting) unless the script travels
 * on stdin; `runPowerShell` takes an injectable Runner so tests need no Windows.
 */
import { spawn } from 'node:child_process';
import { EnvironmentError } from '../../errors.js';
import type { RunResult, Runner } from '../runner.js';
import { powershellInvocation } from './command-line.js';
import { POWERSHELL_OVERRIDE_ENV, powershellPath, type PowerShellLocation } from './location.js';
import { interpretRun, type PsOutcome } from './outcome.js';

export type { RunResult, Runner };

export interface SpawnRunnerOptions {
  /** Kill the process after this long; 0 = never (an elevated run waits for a person at the UAC prompt). */
  timeoutMs?: number;
}

/**
 * The real Runner: spawn without a shell, stdin not connected, no console window, output as UTF-8.
 * ENOENT (no such file) and ENOEXEC (WSL interop not registered) become EnvironmentErrors that say what to do.
 */
export function makeSpawnRunner(options: SpawnRunnerOptions = {}): Runner {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return (file, args, input) =>
    new Promise<RunResult>((resolve, reject) => {
      const child = spawn(file, [...args], {
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      // Written whole and closed at once: an open stdin can keep powershell.exe from exiting.
      if (input !== undefined) child.stdin?.end(input);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              child.kill();
            }, timeoutMs)
          : undefined;
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer);
        if (e.code === 'ENOENT') {
          reject(
            new EnvironmentError(
              `${file} not found; set ${POWERSHELL_OVERRIDE_ENV} to the path of powershell.exe`,
              { cause: e },
            ),
          );
        } else if (e.code === 'ENOEXEC') {
          reject(
            new EnvironmentError(
              `cannot run ${file}: WSL interop is not registered (systemd-binfmt may have removed it); ` +
                `add ":WSLInterop:M::MZ::/init:PF" to /usr/lib/binfmt.d/WSLInterop.conf and restart WSL`,
              { cause: e },
            ),
          );
        } else {
          reject(new EnvironmentError(`could not run ${file}: ${e.message}`, { cause: e }));
        }
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout,
          stderr: signal ? `${stderr}\nkilled by ${signal}` : stderr,
        });
      });
    });
}

export interface RunOptions {
  runner?: Runner;
  location?: PowerShellLocation;
}

function locate(options: RunOptions): string {
  const location = options.location ?? powershellPath();
  if (!location.ok) throw new EnvironmentError(location.reason);
  return location.path;
}

/** Runs a complete script (see wrapScript) once, not elevated, and interprets its output. */
export async function runPowerShell(script: string, options: RunOptions = {}): Promise<PsOutcome> {
  const file = locate(options);
  const how = powershellInvocation(script, file);
  const run = await (options.runner ?? makeSpawnRunner())(file, how.args, how.input);
  return interpretRun(run);
}
