/** `switchyard serve`: the foreground daemon. SIGINT/SIGTERM stop it cleanly. */
import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import { createLogger, type LogLevel } from '../log.js';
import { startDaemon } from '../daemon/serve.js';
import { chooseStateDir } from '../daemon/state-dir.js';

export interface ServeFlags {
  config: string;
  stateDir?: string;
  logLevel: LogLevel;
  dhcpPort: number;
  dhcpClientPort: number;
  dnsPort: number;
}

export async function serveCommand(flags: ServeFlags): Promise<void> {
  const config = await loadConfig(flags.config);
  const log = createLogger(flags.logLevel);
  const daemon = await startDaemon({
    config,
    stateDir: chooseStateDir(flags.stateDir, config.stateDir),
    log,
    clock: systemClock,
    ports: { server: flags.dhcpPort, client: flags.dhcpClientPort },
    dnsPort: flags.dnsPort,
    reloadConfig: () => loadConfig(flags.config),
  });
  // SIGHUP reloads the config, as for dnsmasq; a config that no longer loads changes nothing.
  process.on('SIGHUP', () => {
    daemon.reload().catch((e: unknown) => {
      log.error(
        { err: e instanceof Error ? e.message : String(e) },
        'reload failed; the running config stays',
      );
    });
  });
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
