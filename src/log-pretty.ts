/**
 * The daemon's log as a person at a terminal reads it: `12:03:04.512 INFO  message key=value`, DNS record
 * types by name. pino still writes its JSON line; this destination turns each line into text, so files and
 * pipes (where machines read the log) keep the JSON unchanged.
 */
import { RrType } from './dns/message.js';
import type { LogDestination } from './log.js';

const TYPE_NAMES = new Map<number, string>(Object.entries(RrType).map(([k, v]) => [v, k]));

const LEVEL_COLOR: Record<string, number> = { debug: 2, info: 32, warn: 33, error: 31 };

function value(key: string, v: unknown, dns: boolean): string {
  if (dns && (key === 'type' || key === 'qtype') && typeof v === 'number')
    return TYPE_NAMES.get(v) ?? `TYPE${v}`;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  // Quoted when it would not read back as one word; JSON escapes control characters.
  // eslint-disable-next-line no-control-regex
  return /^[^\s"=\x00-\x1f\x7f]*$/.test(s) && s !== '' ? s : JSON.stringify(s);
}

/** One JSON log line as text; a line that is not JSON is passed through. */
export function prettyLine(line: string, color = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, ...rest } = o;
  const t = typeof time === 'string' ? time.slice(11, 23) : '';
  const lv = typeof level === 'string' ? level : '';
  const label = lv.toUpperCase().padEnd(5);
  const message = typeof msg === 'string' ? msg : '';
  const dns = message.startsWith('DNS');
  const kv = Object.entries(rest).map(([k, v]) => `${k}=${value(k, v, dns)}`);
  const head = color && LEVEL_COLOR[lv] !== undefined ? `\x1b[${LEVEL_COLOR[lv]}m${label}\x1b[0m` : label;
  return `${t} ${head} ${message}${kv.length ? ' ' + kv.join(' ') : ''}\n`;
}

/** Writes readable lines to a terminal stream. */
export function prettyDestination(stream: { write(s: string): unknown }, color: boolean): LogDestination {
  return {
    write: (chunk: string) => {
      let out = '';
      for (const line of chunk.split('\n')) if (line !== '') out += prettyLine(line, color);
      stream.write(out);
    },
  };
}
