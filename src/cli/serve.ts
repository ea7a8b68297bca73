/** `switchyard serve`: the foreground daemon. SIGINT/SIGTERM stop it cleanly. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock } from '../clock.js';
import { repinWslRange } from '../daemon/boot-pin.js';
import { daemonHostFor } from '../host/daemon-host.js';
import type { Host } from '../host/host.js';
import { WindowsHost } from '../host/windows/host.js';
import { loadConfig } from '../config/load.js';
import { createLogger, type LogLevel } from '../log.js';
import { RotatingFile, type RotationLimits } from '../log-file.js';
import { startDaemon, type RunningDaemon } from '../daemon/serve.js';
import { rememberSighup, takeEarlySighup } from './early-sighup.js';
import { prettyDestination } from '../log-pretty.js';
import { detectStyle } from '../style.js';

/** Readable lines on a terminal; JSON lines (pino's default destination) to a pipe or file. */
function consoleLog(): ReturnType<typeof prettyDestination> | undefined {
  if (!process.stderr.isTTY) return undefined;
  const style = detectStyle(
    process.stderr,
    process.env,
    process.argv.includes('--no-color'),
    process.platform,
  );
  return prettyDestination(process.stderr, style.color);
}
import { withUserFlags } from './user-flags.js';
import { loadContext } from './verb.js';

export interface ServeFlags {
  config: string;
  stateDir?: string;
  logLevel: LogLevel;
  dhcpPort: number;
  dhcpClientPort: number;
  dnsPort: number;
  /** Log to this file (rotated by size) instead of stderr. */
  logFile?: string;
  rotation?: RotationLimits;
}

/**
 * `repinHost`: on Windows the host whose WSL range is re-asserted once serving (daemon/boot-pin.ts); the
 * boot task's serve is the first thing to run at startup. It runs its scripts as the daemon is (the boot
 * task's SYSTEM), never through the UAC wrapper.
 */
export async function serveCommand(
  flags: ServeFlags,
  repinHost: Host | undefined = process.platform === 'win32'
    ? new WindowsHost({ elevate: false })
    : undefined,
): Promise<void> {
  // SIGHUP reloads the config, as for dnsmasq; a config that no longer loads changes nothing. Until the
  // daemon has started (reading the config, opening sockets, DNS and keepers take a while) a SIGHUP is only
  // remembered (early-sighup.ts; SIGHUP's default action would kill the daemon), and applied once it has.
  rememberSighup();
  const { config, stateDir, flags: typed } = await loadContext(flags);
  if (flags.logFile !== undefined) mkdirSync(dirname(flags.logFile), { recursive: true });
  const file = flags.logFile !== undefined ? new RotatingFile(flags.logFile, flags.rotation) : undefined;
  const log = createLogger(flags.logLevel, file ?? consoleLog());
  if (flags.logFile !== undefined) process.stderr.write(`switchyard: logging to ${flags.logFile}\n`);
  const reload = (d: RunningDaemon): void => {
    d.reload().catch((e: unknown) => {
      log.error(
        { err: e instanceof Error ? e.message : String(e) },
        'reload failed; the running config stays',
      );
    });
  };
  // Serve first: the re-pin runs PowerShell, so it runs once DHCP and DNS answer (WSL cannot start before
  // a user logs on, long after the boot task's first second).
  let pinned: string | undefined;
  const daemon = await startDaemon({
    config,
    stateDir,
    wslPinned: () => pinned,
    log,
    clock: systemClock,
    host: daemonHostFor(process.platform),
    ports: { server: flags.dhcpPort, client: flags.dhcpClientPort },
    dnsPort: flags.dnsPort,
    nextStep: (text) => withUserFlags(text, typed),
    reloadConfig: () => loadConfig(flags.config),
  });
  process.on('SIGHUP', () => {
    reload(daemon);
  });
  if (takeEarlySighup()) reload(daemon);
  if (repinHost !== undefined) {
    repinWslRange(config, stateDir, repinHost, log).then(
      (r) => (pinned = r.pinned),
      (e: unknown) => {
        log.error({ err: e instanceof Error ? e.message : String(e) }, 'could not re-pin the WSL range');
      },
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'stopping');
      daemon.stop().then(resolve, resolve);
    };
    process.once('SIGINT', () => {
      stop('SIGINT');
    });
    process.once('SIGTERM', () => {
      stop('SIGTERM');
    });
  });
}
