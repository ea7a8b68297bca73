/**
 * The daemon's logger: pino (fast, structured JSON lines, one per event) behind a small interface so
 * tests can capture events. Level names follow the CLI flag --log-level.
 */
import { pino } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type LogFn = (obj: Record<string, unknown>, msg: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  isLevelEnabled(level: LogLevel): boolean;
}

/** Where log lines go: anything with write(string), e.g. a RotatingFile (log-file.ts). */
export interface LogDestination {
  write(line: string): unknown;
}

/**
 * Logs to stderr (fd 2) by default, with asynchronous buffering that keeps logging off the packet path's
 * critical time; or to `destination` (the daemon's rotating log file under the boot task / unit).
 */
export function createLogger(level: LogLevel, destination?: LogDestination): Logger {
  return pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ fd: 2, sync: false, minLength: 0 }),
  );
}

/** Collects log calls in memory, for tests. */
export function memoryLogger(
  level: LogLevel = 'debug',
): Logger & { lines: { level: LogLevel; msg: string; obj: Record<string, unknown> }[] } {
  const order = LOG_LEVELS.indexOf(level);
  const lines: { level: LogLevel; msg: string; obj: Record<string, unknown> }[] = [];
  const at =
    (l: LogLevel): LogFn =>
    (obj, msg) => {
      if (LOG_LEVELS.indexOf(l) >= order) lines.push({ level: l, msg, obj });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: (l) => LOG_LEVELS.indexOf(l) >= order,
  };
}
