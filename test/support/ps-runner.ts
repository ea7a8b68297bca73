/**
 * Small fakes for the Windows backend's unit tests: a finished run, a Runner that records what it was asked
 * to run, and the texts those tests compare against.
 */
import type { RunResult, Runner } from '../../src/host/windows/spawn-runner.js';

/** The tail of Windows PowerShell 5.1's path, as powershellPath builds it. */
export const WIN_PS = 'WindowsPowerShell\\v1.0\\powershell.exe';

/** One JSON result between markers, as a script prints it. */
export const JSON_BLOCK = '<<<SWITCHYARD-JSON\n{"a":1}\nSWITCHYARD-JSON>>>';

export function run(stdout: string, stderr = '', code = 0): RunResult {
  return { code, stdout, stderr };
}

/** A Runner answering `stdout` every time, and the calls it saw. */
export function recordingRunner(stdout: string): {
  runner: Runner;
  calls: { file: string; args: readonly string[] }[];
} {
  const calls: { file: string; args: readonly string[] }[] = [];
  return {
    calls,
    runner: (file, args) => {
      calls.push({ file, args });
      return Promise.resolve(run(stdout));
    },
  };
}
