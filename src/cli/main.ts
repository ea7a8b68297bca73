/**
 * The CLI entry: parses flags (commander), runs a verb, and is the only place that maps errors to exit
 * codes — 0 success, 1 failure at run time, 2 bad usage or bad config (nothing was changed).
 */
// First: for `serve`, SIGHUP is remembered from here on instead of ending the process (early-sighup.ts).
import './early-sighup.js';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { systemClock } from '../clock.js';
import { LOG_LEVELS } from '../log.js';
import { DEFAULT_ROTATION, parseSize } from '../log-file.js';
import { ConfigError, EnvironmentError, UsageError } from '../errors.js';
import { leasesCommand } from './leases.js';
import { applyCommand, planOutcome } from './plan-apply.js';
import { doctorCommand } from './doctor.js';
import { doctorReportCommand, reportDeps } from './doctor-report.js';
import { statusCommand } from './status.js';
import { hostFor } from './reconcile.js';
import { WindowsHost } from '../host/windows/host.js';
import { reserveCommand, unreserveCommand } from './reserve.js';
import { installCommand, systemInstallEnv, uninstallCommand } from './install.js';
import { wslInstallCommand, wslUnitCommand } from './wsl.js';
import { systemProbe } from '../host/windows/location.js';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { guestCommand } from './guest.js';
import { DEFAULT_BOX, vagrantCommand } from './vagrant.js';
import { serveCommand, type ServeFlags } from './serve.js';
import { packageVersion } from './version.js';
import { fleetBootTask, windowsScript } from '../artifacts/windows-script.js';
import { windowsCheckScript } from '../artifacts/windows-check.js';
import { configJsonSchemaText } from '../config/json-schema.js';
import { detectStyle, forConsole, PLAIN, type Style } from '../style.js';
import { errorJson } from './json-error.js';
import { convergedHost, loadContext, loadOptionalContext, result, type VerbResult } from './verb.js';

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

/** How stdout looks (colour on a terminal, ASCII on consoles without ✔); set once in main(). */
let style: Style = PLAIN;

/** Output goes through one function so tests can capture it; large output is written before exit. */
function out(text: string): void {
  process.stdout.write(forConsole(style, text));
}

/** The command line as typed, for messages that tell the user what to run instead. */
let typed: readonly string[] = [];

/** A verb's action: runs it, prints what it gives back, and makes its exit code the process's. */
function verb<A extends unknown[]>(
  run: (...args: A) => Promise<VerbResult> | VerbResult,
): (...args: A) => Promise<void> {
  return async (...args) => {
    const r = await run(...args);
    if (r.output !== '') out(r.output);
    for (const w of r.warnings ?? []) process.stderr.write(`switchyard: warning: ${w}\n`);
    if (r.exitCode !== 0) process.exitCode = r.exitCode;
  };
}

export function buildProgram(opts: { json?: boolean } = {}): Command {
  const program = new Command('switchyard')
    .description(
      'One VPN-proof network for WSL2, Hyper-V VMs and Vagrant boxes, with DHCP and DNS for the switch.',
    )
    .version(packageVersion(), '-v, --version')
    // Taken out of argv by main() before parsing, so that it works before or after the verb.
    .option('--no-color', 'no colour (also when NO_COLOR is set or the output is not a terminal)')
    .configureOutput({
      // Under --json, errors are one JSON object (main's catch); commander's own text stays out of it.
      writeErr: (str) => {
        if (!opts.json) process.stderr.write(str);
      },
      outputError: (str, write) => {
        write(`switchyard: ${str}`);
      },
    })
    .exitOverride();

  program
    .command('version')
    .description('print the version')
    .action(verb(() => result(packageVersion() + '\n')));

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
    .addOption(new Option('--dhcp-port <port>', 'server port (tests)').argParser(port).default(67).hideHelp())
    .addOption(
      new Option('--dhcp-client-port <port>', 'client port (tests)').argParser(port).default(68).hideHelp(),
    )
    .addOption(
      new Option('--dns-port <port>', 'DNS server port (tests)').argParser(port).default(53).hideHelp(),
    )
    .action(
      verb(async (o: Omit<ServeFlags, 'rotation'> & { logMaxSize: number; logFiles: number }) => {
        const { logMaxSize, logFiles, ...rest } = o;
        await serveCommand({ ...rest, rotation: { maxBytes: logMaxSize, files: logFiles } });
        return result('');
      }),
    );

  program
    .command('leases')
    .description('show the lease table')
    .option(
      '-c, --config <file>',
      'config file (stateDir, DNS names, reservations; default ./switchyard.yaml if there)',
    )
    .option('--state-dir <dir>', 'where leases are kept')
    .option('--json', 'JSON output')
    .action(
      verb(async (o: { config?: string; stateDir?: string; json?: boolean }) => {
        // The config gives the DNS names and reservations; ./switchyard.yaml is read when it is there.
        const file = o.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
        const c = await loadOptionalContext({ config: file, stateDir: o.stateDir });
        return result(await leasesCommand(c.stateDir, o.json === true, systemClock, c.config));
      }),
    );

  program
    .command('plan')
    .description('show what apply would change on this host (changes nothing)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where pinned ranges are kept')
    .option('--json', 'JSON output')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .action(
      verb(async (o: { config: string; stateDir?: string; json?: boolean; detailedExitcode?: boolean }) => {
        const c = await loadContext(o);
        const r = await planOutcome(c.config, c.stateDir, convergedHost(c, typed), o.json === true, style);
        return result(r.output, o.detailedExitcode === true && r.changes > 0 ? 2 : 0);
      }),
    );

  program
    .command('apply')
    .description('converge this host to the config, showing each step')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where pinned ranges are kept')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      verb(async (o: { config: string; stateDir?: string; yes?: boolean }) => {
        const c = await loadContext(o);
        // apply prints each step as it runs: its output is written as it goes, not returned.
        const code = await applyCommand(c.config, c.stateDir, convergedHost(c, typed), o.yes === true, {
          write: out,
          interactive: process.stdin.isTTY,
          style,
          flags: c.flags,
        });
        return result('', code);
      }),
    );

  program
    .command('status')
    .description(
      'the network drawn as text: the way out, host, WSL, switches and their VMs (--json: the data)',
    )
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases and pinned ranges are kept')
    .option('--json', 'JSON output')
    .action(
      verb(async (o: { config: string; stateDir?: string; json?: boolean }) => {
        const c = await loadContext(o);
        return result(
          await statusCommand(c.config, c.stateDir, convergedHost(c, typed), o.json === true, {}, style),
        );
      }),
    );

  program
    .command('doctor')
    .description('check every known gotcha; each failure comes with its fix (exit 1 when any fails)')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases and pinned ranges are kept')
    .option('--json', 'JSON output')
    .option(
      '--report <file>',
      'write a JSON report of this Windows host to send or to add as a test (read-only)',
    )
    .action(
      verb(async (o: { config: string; stateDir?: string; json?: boolean; report?: string }) => {
        if (o.report !== undefined)
          return doctorReportCommand(o.report, await reportDeps(o.config, DEFAULT_CONFIG));
        const c = await loadContext(o);
        return doctorCommand(c.config, c.stateDir, hostFor(c.config), o.json === true, {}, style, c.flags);
      }),
    );

  program
    .command('script')
    .description('print one idempotent PowerShell script that converges a Windows host to the config')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .addOption(
      new Option('--target <os>', 'the host the script is for').choices(['windows']).makeOptionMandatory(),
    )
    .option(
      '--check',
      'print the read-only detection script instead: exit 0 compliant, 1 drift (one JSON line)',
    )
    .option(
      '--with-daemon <path>',
      'also register the boot task running this switchyard.exe (absolute Windows path) as the daemon',
    )
    .action(
      verb(async (o: { config: string; target: 'windows'; check?: boolean; withDaemon?: string }) => {
        const { config } = await loadContext({ config: o.config }, 'win32'); // for Windows, wherever it is made
        if (o.withDaemon !== undefined && !/^[A-Za-z]:\\[^\r\n]*\.exe$/i.test(o.withDaemon))
          throw new UsageError(
            `--with-daemon ${o.withDaemon}: give the absolute Windows path of switchyard.exe`,
          );
        const daemon = o.withDaemon !== undefined ? { daemon: o.withDaemon } : {};
        return result(
          o.check === true
            ? windowsCheckScript(config, packageVersion(), {
                ...(o.withDaemon !== undefined ? { bootTask: fleetBootTask(config, o.withDaemon) } : {}),
              })
            : windowsScript(config, packageVersion(), daemon),
        );
      }),
    );

  program
    .command('schema')
    .description(
      'print the JSON Schema of the config file, for editors (also shipped as switchyard.schema.json)',
    )
    .action(verb(() => result(configJsonSchemaText())));

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
      verb(
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
          const c = await loadContext(o);
          return result(await vagrantCommand(names, { ...o, stateDir: c.stateDir }, systemClock));
        },
      ),
    );

  program
    .command('guest')
    .description('print a static network config for reservation NAME, for guests that must not use DHCP')
    .argument('<kind>', 'netplan | networkd | nm | ifupdown')
    .requiredOption('--name <name>', 'the reservation')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where pinned ranges are kept (for subnet: auto)')
    .option('--iface <ifname>', 'ifupdown only: the guest interface name', 'eth0')
    .action(
      verb(async (kind: string, o: { name: string; config: string; iface: string; stateDir?: string }) =>
        result(
          await guestCommand(kind, o.name, {
            config: o.config,
            iface: o.iface,
            ...(o.stateDir !== undefined ? { stateDir: o.stateDir } : {}),
          }),
        ),
      ),
    );

  const applyOut = { write: out, interactive: process.stdin.isTTY, style };
  program
    .command('install')
    .description(
      'start the daemon at boot: on Windows plan + apply the network and a boot Scheduled Task; on Linux write a systemd unit',
    )
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases, pinned ranges and the log are kept')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--print', 'print the unit (Linux) or the task script (Windows) instead of changing anything')
    .addOption(
      new Option('--target <os>', 'with --print: the script for this OS, printed on any OS').choices([
        'windows',
      ]),
    )
    .action(
      verb(
        async (o: {
          config: string;
          stateDir?: string;
          print?: boolean;
          yes?: boolean;
          target?: 'windows';
        }) =>
          result(
            '',
            await installCommand(
              o,
              systemInstallEnv(() => new WindowsHost(), applyOut, packageVersion()),
            ),
          ),
      ),
    );

  program
    .command('uninstall')
    .description(
      'Windows: remove everything switchyard created (boot task, switches without VMs, NAT, firewall rules) and restore what it replaced; Linux: print how to remove the unit and what stays',
    )
    .option('-c, --config <file>', 'config file (for its stateDir)')
    .option('--state-dir <dir>', 'where the replaced values were saved')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      verb(async (o: { config?: string; stateDir?: string; yes?: boolean }) => {
        const c = await loadOptionalContext(o);
        const code = await uninstallCommand(
          { stateDir: c.stateDir, ...(o.yes ? { yes: true } : {}) },
          systemInstallEnv(() => new WindowsHost(), applyOut, packageVersion()),
        );
        return result('', code);
      }),
    );

  const wsl = program.command('wsl').description('the in-WSL systemd unit that keeps forwarding on');
  wsl
    .command('unit')
    .description('print the systemd oneshot unit (warnings on stderr when it cannot work here)')
    .action(
      verb(() => {
        const r = wslUnitCommand(systemProbe(), packageVersion());
        return { ...result(r.output), warnings: r.problems };
      }),
    );
  wsl
    .command('install')
    .description('install the unit into /etc/systemd/system (root, inside WSL with systemd)')
    .action(
      verb(() =>
        result(
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
        ),
      ),
    );

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
      verb(
        async (
          name: string,
          o: { config: string; stateDir?: string; mac?: string; ip?: string; switch?: string },
        ) => {
          const c = await loadContext(o);
          return result(await reserveCommand(name, { ...o, stateDir: c.stateDir }, systemClock));
        },
      ),
    );

  program
    .command('unreserve')
    .description('remove the reservation NAME from the config file and a running daemon')
    .argument('<name>')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--state-dir <dir>', 'where leases are kept')
    .action(
      verb(async (name: string, o: { config: string; stateDir?: string }) => {
        const c = await loadContext(o);
        return result(await unreserveCommand(name, { config: o.config, stateDir: c.stateDir }));
      }),
    );

  seeHelp(program, 'switchyard');
  return program;
}

/** A usage error prints its one line and where to read more, not the whole help. */
function seeHelp(cmd: Command, path: string): void {
  for (const sub of cmd.commands) {
    const name = `${path} ${sub.name()}`;
    sub.showHelpAfterError(`see \`${name} --help\``);
    seeHelp(sub, name);
  }
  if (path === 'switchyard') cmd.showHelpAfterError('see `switchyard --help`');
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const code = await run(argv, json);
  // terraform's -detailed-exitcode: 0 no changes, 2 changes, 1 error (a bad config included).
  if (argv.includes('--detailed-exitcode') && code !== 0 && process.exitCode !== 2) return 1;
  return code;
}

async function run(argvIn: string[], json: boolean): Promise<number> {
  // `-V` is kept for those who learnt it before `-v`; --no-color is read here so it works anywhere.
  const argv = argvIn.filter((a) => a !== '--no-color').map((a) => (a === '-V' ? '--version' : a));
  style = detectStyle(process.stdout, process.env, argv.length !== argvIn.length, process.platform);
  typed = argvIn;
  try {
    await buildProgram({ json }).parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0;
      if (!ok && json) process.stderr.write(errorJson('usage', e.message.replace(/^error: /, '')));
      return ok ? 0 : 2;
    }
    if (json) {
      const kind =
        e instanceof ConfigError
          ? 'config'
          : e instanceof UsageError
            ? 'usage'
            : e instanceof EnvironmentError
              ? 'environment'
              : 'internal';
      process.stderr.write(
        errorJson(
          kind,
          e instanceof Error ? e.message : String(e),
          e instanceof ConfigError ? e.issues : undefined,
        ),
      );
      return kind === 'config' || kind === 'usage' ? 2 : 1;
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
