/**
 * The daemon's log file with size-bounded rotation, logrotate style: `switchyard.log` is the live file;
 * when a line would push it past `maxBytes`, it becomes `switchyard.log.1`, `.1` becomes `.2`, … and the
 * oldest (`.{files-1}`) is deleted. So the set is bounded: at most `files` files of at most `maxBytes` each
 * (a single line longer than `maxBytes` is written whole into a fresh file).
 *
 * Why not pino-roll (pino's own roller, v4.0.0 checked; it does support `size` and `limit.count`):
 * - its files are `switchyard.N.log` with N growing for ever, so there is no stable path to tail or to
 *   name in the README and in `doctor`;
 * - its count limit covers only files the current process created unless `removeOtherLogFiles` is set, and
 *   the boot task restarts the daemon (each start would leave files behind);
 * - it picks the next N from the trailing digits of every `*.log` in the folder, which is the state
 *   directory here, shared with other files; and it pulls in date-fns for a feature we do not use.
 * What remains is ~60 lines over node:fs with a test that writes past the limit.
 *
 * Writes are synchronous (writeSync on an append handle): a line is on disk when `write` returns, which is
 * what you want from a daemon's last words before a crash, and the daemon logs per event, not per packet
 * byte. Rotation closes the handle before renaming (Windows cannot rename an open file without
 * FILE_SHARE_DELETE).
 */
import { closeSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface RotationLimits {
  /** Rotate before a write that would make the live file larger than this. */
  maxBytes: number;
  /** Files kept in all, the live one included (>= 1). */
  files: number;
}

export const DEFAULT_ROTATION: RotationLimits = { maxBytes: 10 * 1024 * 1024, files: 5 };

/** A pino destination: anything with write(string). */
export class RotatingFile {
  readonly path: string;
  readonly limits: RotationLimits;
  private fd: number;
  private size: number;

  constructor(path: string, limits: RotationLimits = DEFAULT_ROTATION) {
    this.path = path;
    this.limits = limits;
    if (!Number.isInteger(limits.files) || limits.files < 1) throw new RangeError('files must be >= 1');
    if (!Number.isInteger(limits.maxBytes) || limits.maxBytes < 1)
      throw new RangeError('maxBytes must be >= 1');
    this.fd = openSync(path, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: string): boolean {
    const bytes = Buffer.from(chunk, 'utf8');
    if (this.size > 0 && this.size + bytes.length > this.limits.maxBytes) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
    return true;
  }

  /** The files of the set, newest first (the live one, then .1, .2, …). */
  names(): string[] {
    return Array.from({ length: this.limits.files }, (_, i) => (i === 0 ? this.path : `${this.path}.${i}`));
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const names = this.names();
    rmSync(names.at(-1)!, { force: true });
    for (let i = names.length - 1; i > 0; i--) {
      try {
        renameSync(names[i - 1]!, names[i]!);
      } catch (e) {
        if (!(e instanceof Error && 'code' in e && e.code === 'ENOENT')) throw e;
      }
    }
    this.fd = openSync(this.path, 'a', 0o640);
    this.size = 0;
  }
}

/** "10M", "512k", "1048576" → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1;
  const n = Number(m[1]) * unit;
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}
