/** An error as one JSON line on stderr, for callers that asked for --json (stdout stays empty). */
import type { Issue } from '../errors.js';

export type ErrorKind = 'usage' | 'config' | 'environment' | 'internal';

export function errorJson(kind: ErrorKind, message: string, issues?: readonly Issue[]): string {
  return (
    JSON.stringify({
      error: {
        kind,
        message,
        ...(issues
          ? {
              issues: issues.map((i) => ({
                file: i.file,
                line: i.line ?? null,
                column: i.column ?? null,
                key: i.key ?? null,
                message: i.message,
              })),
            }
          : {}),
      },
    }) + '\n'
  );
}
