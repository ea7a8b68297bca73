/**
 * How a script's result is told apart from everything else it prints (docs/windows.md#powershell-from-node):
 * results come back as one line of JSON between marker lines (`<<<SWITCHYARD-JSON` … `SWITCHYARD-JSON>>>`),
 * errors as JSON between `<<<SWITCHYARD-ERROR` … `SWITCHYARD-ERROR>>>` (Vagrant's VagrantMessages.psm1
 * does the same), so banners, warnings and profile noise around them cannot corrupt parsing. The JSON is
 * escaped to ASCII inside PowerShell (prelude.ts Out-Marked), so the console code page cannot mangle it either.
 */

export const JSON_START = '<<<SWITCHYARD-JSON';
export const JSON_END = 'SWITCHYARD-JSON>>>';
export const ERROR_START = '<<<SWITCHYARD-ERROR';
export const ERROR_END = 'SWITCHYARD-ERROR>>>';

/**
 * The text between the first `<<<SWITCHYARD-<kind>` line and the next `SWITCHYARD-<kind>>>` line, or
 * undefined if there is no complete block. Markers must be whole lines; the JSON in between is one line
 * (compressed, so no string in it can contain a line break), which means a value that happens to contain
 * marker text can never be taken for a marker.
 */
export function extractMarked(stdout: string, kind: 'JSON' | 'ERROR' = 'JSON'): string | undefined {
  const start = kind === 'JSON' ? JSON_START : ERROR_START;
  const end = kind === 'JSON' ? JSON_END : ERROR_END;
  const lines = stdout.split(/\r?\n/).map((l) => l.replace(/^\uFEFF/, '').trimEnd());
  const from = lines.indexOf(start);
  if (from < 0) return undefined;
  const to = lines.indexOf(end, from + 1);
  if (to < 0) return undefined;
  return lines.slice(from + 1, to).join('\n');
}
