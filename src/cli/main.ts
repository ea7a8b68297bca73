/**
 * The CLI entry: parses flags (commander), runs a verb, and is the only place that maps errors to exit
 * codes — 0 success, 1 failure at run time, 2 bad usage or bad config (nothing was changed).
 */
// First: for `serve`, SIGHUP is remembered from here on instead of ending the process (early-sighup.ts).
import './early-sighup.js';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import { LOG_LEVELS } from '../log.js';
import { DEFAULT_ROTATION, parseSize } from '../log-file.js';
import { chooseStateDir } from '../daemon/state-dir.js';
import { ConfigError, EnvironmentError, UsageError } from '../errors.js';
import { leasesCommand } from './leases.js';
import { applyCommand, planCommand } from './plan-apply.js';
import { doctorCommand } from './doctor.js';
import { statusCommand } from './status.js';
import { hostFor } from './reconcile.js';
import { WindowsHost } from '../host/windows/host.js';
import { reserveCommand, unreserveCommand } from './reserve.js';
import { installCommand, systemInstallEnv, uninstallCommand } from './install.js';
import { wslInstallCommand, wslUnitCommand } from './wsl.js';
import { systemProbe } from '../host/windows/powershell.js';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { guestCommand } from './guest.js';
import { DEFAULT_BOX, vagrantCommand } from './vagrant.js';
import { serveCommand, type ServeFlags } from './serve.js';
import { packageVersion } from './version.js';
import { windowsScript } from '../artifacts/windows-script.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('not a port number (1-65535)');
  return n;
}

function logSize(value: string): number {
  const n = parseSize(value);
  if (n === undefined) throw new InvalidArgumentError('not a size (bytes, or with k, M, G: 10M)');
  return n;
}

function logFiles(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('not a file count (1-100)');
  return n;
}

const DEFAULT_CONFIG = process.env.SWITCHYARD_CONFIG ?? 'switchyard.yaml';

/** Output goes through one function so tests can capture it; large output is written before exit. */
function out(text: string): void {
  process.stdout.write(text);
}

export function buildProgram(): Command {
  const program = new Command('switchyard')
    .description(
      'One VPN-proof network for WSL2, Hyper-V VMs and Vagrant boxes, with DHCP and DNS for the switch.',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('run the DHCP and DNS daemon in the foreground (SIGINT/SIGTERM stop it)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases are kept')
    .addOption(new Option('--log-level <level>', 'log detail').choices(LOG_LEVELS).default('info'))
    .option('--log-file <file>', 'log to this file, rotated by size, instead of stderr')
    .addOption(
      new Option('--log-max-size <size>', 'rotate the log file at this size (bytes, or 512k, 10M)')
        .argParser(logSize)
        .default(DEFAULT_ROTATION.maxBytes, '10M'),
    )
    .addOption(
      new Option('--log-files <n>', 'log files kept in all, the live one included')
        .argParser(logFiles)
        .default(DEFAULT_ROTATION.files),
    )
    .addOption(new Option('--dhcp-port <port>', 'server port (tests)').argParser(port).default(67))
    .addOption(new Option('--dhcp-client-port <port>', 'client port (tests)').argParser(port).default(68))
    .addOption(new Option('--dns-port <port>', 'DNS server port (tests)').argParser(port).default(53))
    .action(async (o: Omit<ServeFlags, 'rotation'> & { logMaxSize: number; logFiles: number }) => {
      const { logMaxSize, logFiles, ...rest } = o;
      await serveCommand({ ...rest, rotation: { maxBytes: logMaxSize, files: logFiles } });
    });

  program
    .command('leases')
    .description('show the lease table')
    .option('-c, --config <file>', 'config file (for its stateDir)')
    .option('--state-dir <dir>', 'where leases are kept')
    .option('--json', 'JSON output')
    .action(async (o: { config?: string; stateDir?: string; json?: boolean }) => {
      const config = o.config !== undefined ? await loadConfig(o.config) : undefined;
      out(await leasesCommand(chooseStateDir(o.stateDir, config?.stateDir), o.json === true, systemClock));
    });

  program
    .command('plan')
    .description('show what apply would change on this host (changes nothing)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where pinned ranges are kept')
    .option('--json', 'JSON output')
    .action(async (o: { config: string; stateDir?: string; json?: boolean }) => {
      const config = await loadConfig(o.config);
      out(
        await planCommand(
          config,
          chooseStateDir(o.stateDir, config.stateDir),
          hostFor(config),
          o.json === true,
        ),
      );
    });

  program
    .command('apply')
    .description('converge this host to the config, showing each step')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where pinned ranges are kept')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (o: { config: string; stateDir?: string; yes?: boolean }) => {
      const config = await loadConfig(o.config);
      const code = await applyCommand(
        config,
        chooseStateDir(o.stateDir, config.stateDir),
        hostFor(config),
        o.yes === true,
        {
          write: out,
          interactive: process.stdin.isTTY,
          flags: { config: o.config, stateDir: o.stateDir },
        },
      );
      if (code !== 0) process.exitCode = code;
    });

  program
    .command('status')
    .description('the network at a glance: switches, ranges, adapters, forwarding, daemon, leases')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases and pinned ranges are kept')
    .option('--json', 'JSON output')
    .action(async (o: { config: string; stateDir?: string; json?: boolean }) => {
      const config = await loadConfig(o.config);
      out(
        await statusCommand(
          config,
          chooseStateDir(o.stateDir, config.stateDir),
          hostFor(config),
          o.json === true,
        ),
      );
    });

  program
    .command('doctor')
    .description('check every known gotcha; each failure comes with its fix (exit 1 when any fails)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases and pinned ranges are kept')
    .option('--json', 'JSON output')
    .action(async (o: { config: string; stateDir?: string; json?: boolean }) => {
      const config = await loadConfig(o.config);
      const r = await doctorCommand(
        config,
        chooseStateDir(o.stateDir, config.stateDir),
        hostFor(config),
        o.json === true,
        {},
        { config: o.config, stateDir: o.stateDir },
      );
      out(r.output);
      if (r.exitCode !== 0) process.exitCode = r.exitCode;
    });

  program
    .command('script')
    .description('print one idempotent PowerShell script that converges a Windows host to the config')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .addOption(
      new Option('--target <os>', 'the host the script is for').choices(['windows']).makeOptionMandatory(),
    )
    .action(async (o: { config: string; target: 'windows' }) => {
      const config = await loadConfig(o.config, 'win32'); // the script is for Windows, wherever it is made
      out(windowsScript(config, packageVersion()));
    });

  program
    .command('vagrant')
    .description('reserve a MAC + IP per box and print the Vagrantfile lines that put it on the switch')
    .argument('<names...>', 'box names (reservation names, DNS labels); several boxes share one Vagrantfile')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases are kept')
    .option('--box <box>', 'the Vagrant box', DEFAULT_BOX)
    .option('--init', 'write a complete ./Vagrantfile (refuses to overwrite one)')
    .option('--mac <mac>', "MAC address (one box only; default: a stable one in Hyper-V's 00:15:5d range)")
    .option('--ip <address>', 'address (one box only; default: the first free one outside the pool)')
    .option('--switch <name>', 'which switch, when the config has several')
    .option(
      '--static <kind>',
      'also install a static guest network config (netplan | networkd) through a provisioner that runs on every up',
    )
    .action(
      async (
        names: string[],
        o: {
          config: string;
          stateDir?: string;
          box: string;
          init?: boolean;
          mac?: string;
          ip?: string;
          switch?: string;
          static?: string;
        },
      ) => {
        const config = await loadConfig(o.config);
        const { stateDir, ...rest } = o;
        out(
          await vagrantCommand(
            names,
            { ...rest, stateDir: chooseStateDir(stateDir, config.stateDir) },
            systemClock,
          ),
        );
      },
    );

  program
    .command('guest')
    .description('print a static network config for reservation NAME, for guests that must not use DHCP')
    .argument('<kind>', 'netplan | networkd | nm | ifupdown')
    .requiredOption('--name <name>', 'the reservation')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--iface <ifname>', 'ifupdown only: the guest interface name', 'eth0')
    .action(async (kind: string, o: { name: string; config: string; iface: string }) => {
      out(await guestCommand(kind, o.name, { config: o.config, iface: o.iface }));
    });

  const applyOut = { write: out, interactive: process.stdin.isTTY };
  program
    .command('install')
    .description(
      'start the daemon at boot: on Windows plan + apply the network and a boot Scheduled Task; on Linux write a systemd unit',
    )
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases, pinned ranges and the log are kept')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--print', 'print the unit (Linux) or the task script (Windows) instead of changing anything')
    .action(async (o: { config: string; stateDir?: string; print?: boolean; yes?: boolean }) => {
      const code = await installCommand(
        o,
        systemInstallEnv(() => new WindowsHost(), applyOut, packageVersion()),
      );
      if (code !== 0) process.exitCode = code;
    });

  program
    .command('uninstall')
    .description(
      'Windows: remove everything switchyard created (boot task, switches without VMs, NAT, firewall rules) and restore what it replaced; Linux: print how to remove the unit and what stays',
    )
    .option('-c, --config <file>', 'config file (for its stateDir)')
    .option('--state-dir <dir>', 'where the replaced values were saved')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (o: { config?: string; stateDir?: string; yes?: boolean }) => {
      const config = o.config !== undefined ? await loadConfig(o.config) : undefined;
      const code = await uninstallCommand(
        { stateDir: chooseStateDir(o.stateDir, config?.stateDir), ...(o.yes ? { yes: true } : {}) },
        systemInstallEnv(() => new WindowsHost(), applyOut, packageVersion()),
      );
      if (code !== 0) process.exitCode = code;
    });

  const wsl = program.command('wsl').description('the in-WSL systemd unit that keeps forwarding on');
  wsl
    .command('unit')
    .description('print the systemd oneshot unit (warnings on stderr when it cannot work here)')
    .action(() => {
      const r = wslUnitCommand(systemProbe(), packageVersion());
      out(r.output);
      for (const p of r.problems) process.stderr.write(`switchyard: warning: ${p}\n`);
    });
  wsl
    .command('install')
    .description('install the unit into /etc/systemd/system (root, inside WSL with systemd)')
    .action(() => {
      out(
        wslInstallCommand({
          probe: systemProbe(),
          uid: process.getuid?.(),
          writeFile: (path, text) => {
            writeFileSync(path, text, { mode: 0o644 });
          },
          run: (argv) => {
            const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
            return { status: r.status ?? 1, stderr: r.error ? r.error.message : r.stderr };
          },
          version: packageVersion(),
        }),
      );
    });

  program
    .command('reserve')
    .description('reserve an address for NAME (by MAC), in the config file and live in a running daemon')
    .argument('<name>', 'reservation name (a DNS label; the VM becomes NAME.<domain>)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases are kept')
    .option('--mac <mac>', "MAC address (default: a stable one in Hyper-V's 00:15:5d range)")
    .option('--ip <address>', 'address (default: the first free one outside the dynamic pool)')
    .option('--switch <name>', 'which switch, when the config has several')
    .action(
      async (
        name: string,
        o: { config: string; stateDir?: string; mac?: string; ip?: string; switch?: string },
      ) => {
        const config = await loadConfig(o.config);
        const { stateDir, ...rest } = o;
        out(
          await reserveCommand(
            name,
            { ...rest, stateDir: chooseStateDir(stateDir, config.stateDir) },
            systemClock,
          ),
        );
      },
    );

  program
    .command('unreserve')
    .description('remove the reservation NAME from the config file and a running daemon')
    .argument('<name>')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases are kept')
    .action(async (name: string, o: { config: string; stateDir?: string }) => {
      const config = await loadConfig(o.config);
      out(
        await unreserveCommand(name, {
          config: o.config,
          stateDir: chooseStateDir(o.stateDir, config.stateDir),
        }),
      );
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0
        ? 0
        : 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`switchyard: invalid config:\n${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`switchyard: ${e.message}\n`);
      return 2;
    }
    if (e instanceof EnvironmentError) {
      process.stderr.write(`switchyard: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`switchyard: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

// Set the exit code and let the process end by itself: process.exit() would cut off piped output.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);
