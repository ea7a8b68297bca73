/**
 * The command line that runs a script in PowerShell (docs/windows.md#powershell-from-node):
 * - `-NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass`, as Vagrant does.
 * - The script goes in `-EncodedCommand` (base64 of UTF-16LE): one argument of [A-Za-z0-9+/=] that needs
 *   no quoting through Node, cmd.exe, CreateProcess or WSL interop. Limit: a Windows command line holds at
 *   most 32,767 characters (CreateProcessW lpCommandLine), so a script may have roughly 12,000 characters;
 *   a longer one travels on stdin behind a short bootstrap (powershellInvocation).
 */
import { InternalError } from '../../errors.js';
import { PS_LANGUAGE_GUARD } from './prelude.js';

/** Flags for every run: no banner, no profile scripts, never prompt, ignore the execution policy. */
export const POWERSHELL_FLAGS: readonly string[] = [
  '-NoLogo',
  '-NoProfile',
  '-NonInteractive',
  '-ExecutionPolicy',
  'Bypass',
];

/** CreateProcessW: "The maximum length of this string is 32,767 characters", terminating NUL included. */
export const MAX_COMMAND_LINE_CHARS = 32_767;

/** The -EncodedCommand form of a script: base64 of its UTF-16LE bytes. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function decodeCommand(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

/** Length of the Windows command line for `file args…` (quoted file, space-separated plain args, NUL). */
export function commandLineLength(file: string, args: readonly string[]): number {
  return file.length + 2 + args.reduce((n, a) => n + 1 + a.length, 0) + 1;
}

/** The arguments for running `script`; throws InternalError if the command line would be too long. */
export function powershellArgs(script: string, file = 'powershell.exe'): string[] {
  const args = [...POWERSHELL_FLAGS, '-EncodedCommand', encodeCommand(script)];
  const length = commandLineLength(file, args);
  if (length > MAX_COMMAND_LINE_CHARS) {
    throw new InternalError(
      `PowerShell script too long for one command line (${script.length} characters → ${length} of at most ` +
        `${MAX_COMMAND_LINE_CHARS}); split it`,
    );
  }
  return args;
}

/**
 * A script too long for one command line travels on stdin instead: the command line carries a short
 * bootstrap that reads the base64 text from stdin, decodes it and runs it in the same scope, as
 * -EncodedCommand would (exit codes included). Like -EncodedCommand it is not a script file, so an
 * execution policy set by Group Policy (AllSigned) does not block it, where `-File` of a temp file would be.
 */
function stdinBootstrap(): string {
  return `$ErrorActionPreference = 'Stop'
${PS_LANGUAGE_GUARD}
. ([scriptblock]::Create([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String([Console]::In.ReadToEnd().Trim()))))`;
}

export interface PowerShellInvocation {
  args: string[];
  /** For stdin (the script, base64 of UTF-16LE), when it does not fit the command line. */
  input?: string;
}

/** How to run `script`: on the command line when it fits, else through stdin (no length limit). */
export function powershellInvocation(script: string, file = 'powershell.exe'): PowerShellInvocation {
  const args = [...POWERSHELL_FLAGS, '-EncodedCommand', encodeCommand(script)];
  if (commandLineLength(file, args) <= MAX_COMMAND_LINE_CHARS) return { args };
  return {
    args: [...POWERSHELL_FLAGS, '-EncodedCommand', encodeCommand(stdinBootstrap())],
    input: `${encodeCommand(script)}\n`,
  };
}
