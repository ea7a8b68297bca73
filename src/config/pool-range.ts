import { formatIpv4, parseIpv4, type Ipv4 } from '../net/ipv4.js';

export interface PoolRange {
  start: Ipv4;
  end: Ipv4;
}

/** "10.0.251.100-10.0.251.199" → inclusive range; undefined when malformed. */
export function parsePoolRange(text: string): PoolRange | undefined {
  const m = /^\s*([\d.]+)\s*-\s*([\d.]+)\s*$/.exec(text);
  if (!m) return undefined;
  const start = parseIpv4(m[1]!);
  const end = parseIpv4(m[2]!);
  return start === undefined || end === undefined ? undefined : { start, end };
}

export function formatPoolRange(r: PoolRange): string {
  return `${formatIpv4(r.start)}-${formatIpv4(r.end)}`;
}
