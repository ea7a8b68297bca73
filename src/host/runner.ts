/** Running a program: the effect both backends are built on (Linux: iproute2, nft; Windows: PowerShell). */

export interface RunResult {
  /** Exit status; non-zero when the command failed. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argv array (no shell). Rejects only when it could not be run at all. */
/** Runs `file args…`; `input`, when given, is written to its stdin, which is then closed. */
export type Runner = (file: string, args: readonly string[], input?: string) => Promise<RunResult>;
