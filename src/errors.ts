/**
 * The closed set of errors that cross module borders. Only cli/main.ts turns them into exit codes:
 * UsageError and ConfigError → 2 (nothing was changed), everything else → 1.
 */

/** One problem in a user's file, with where it is. */
export interface Issue {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the key, e.g. "switches[0].dhcp.pool". */
  key?: string;
  message: string;
}

export function formatIssue(i: Issue): string {
  const where = [
    i.file,
    i.line !== undefined ? String(i.line) : undefined,
    i.column !== undefined ? String(i.column) : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(':');
  return `${where}: ${i.key ? `${i.key}: ` : ''}${i.message}`;
}

export class ConfigError extends Error {
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Bad flags or arguments on the command line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The environment is not as required (interface missing, port taken…); a run-time failure. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** A programming mistake: should never be seen by a user. */
export class InternalError extends Error {
  override name = 'InternalError';
}
