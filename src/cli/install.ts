/**
 * `switchyard install` / `switchyard uninstall`: start the daemon at boot, and take everything away again.
 * - Windows: both go through plan/apply, so they show what they will do and ask first (or --yes).
 *   install = `apply` with the boot task added to the desired state (resources/boot-task.ts): the task runs
 *   `switchyard serve --log-file <stateDir>\switchyard.log` at startup as SYSTEM. uninstall = a plan against
 *   "nothing of ours" (desired.ts nothingOurs): the task, switches (unless a VM is still connected: then the
 *   switch stays, with a note), NAT, firewall rules go; values switchyard replaced come back (originals.ts).
 *   `--print` shows the task script instead, for review or for fleet tools.
 * - Linux: install writes /etc/systemd/system/switchyard.service (artifacts/systemd-unit.ts); logs go to the
 *   journal, which journald bounds (SystemMaxUse=). uninstall changes nothing and says so: it prints how to
 *   remove the unit and what apply created (bridges, the nftables table, ip_forward), which stays.
 * The program the boot registration runs: node + bin/switchyard.js, or in a single-executable build
 * (node:sea isSea()) the executable alone — process.execPath has the whole CLI inside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { posix, resolve as resolvePath, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { chooseStateDir } from '../daemon/state-dir.js';
import { EnvironmentError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { readOnly } from '../host/host.js';
import { bootTaskSpec, registerTaskScript, type TaskOptions } from '../artifacts/scheduled-task.js';
import { TASK_NAME, TASK_PATH } from '../model/marks.js';
import { serveUnit, UNIT_DIR, UNIT_NAME } from '../artifacts/systemd-unit.js';
import type { Plan } from '../model/change.js';
import type { BootTaskSpec } from '../model/ops.js';
import { nothingOurs } from '../model/desired.js';
import { readOriginals, removeOriginals } from '../model/originals.js';
import { makePlan } from '../reconcile/plan.js';
import { renderPlan } from '../reconcile/render.js';
import { applyCommand, confirmAndApply, type ApplyOutput } from './plan-apply.js';

export const LOG_FILE = 'switchyard.log';

export interface InstallFlags {
  config: string;
  stateDir?: string;
  /** Print the unit / script instead of changing anything. */
  print?: boolean;
  /** With print: the script is for this OS, whatever OS prints it (IT reviews the task script anywhere). */
  target?: 'windows';
  yes?: boolean;
}

/** How to start this switchyard: the program, and the script it needs (none in a single executable). */
export interface Program {
  execPath: string;
  /** Absolute path of bin/switchyard.js; undefined in a single-executable build. */
  scriptPath: string | undefined;
}

export interface InstallEnv {
  platform: NodeJS.Platform;
  program: Program;
  /** Directory the Linux unit goes into (default /etc/systemd/system). */
  unitDir: string;
  version?: string;
  writeFile: (path: string, text: string) => void;
  mkdir: (path: string) => void;
  /** Windows: %ProgramFiles% and %ProgramData%, where the boot task's files are copied (default: the environment's). */
  windowsDirs?: { programFiles: string; programData: string };
  /** The Windows host (plan/apply); only asked for on Windows. */
  host: () => Host;
  out: ApplyOutput;
}

/** bin/switchyard.js of this installation (this file is dist/src/cli/install.js). */
export function installedScriptPath(): string {
  return fileURLToPath(new URL('../../../bin/switchyard.js', import.meta.url));
}

/** This process's program: in a single executable (node:sea) process.execPath alone. */
export function currentProgram(sea: boolean): Program {
  return { execPath: process.execPath, scriptPath: sea ? undefined : installedScriptPath() };
}

/**
 * node:sea's isSea(). Loaded through createRequire, not `import`: node:sea exists from Node 20.12 (an older
 * Node is simply not a single executable, and a static import would fail every command there), and a SEA's
 * CommonJS main script cannot use dynamic import() (Node 20: no dynamic-import callback in a SEA).
 */
export function runningAsSea(): boolean {
  try {
    const sea = createRequire(import.meta.url)('node:sea') as { isSea: () => boolean };
    return sea.isSea();
  } catch {
    return false;
  }
}

export function systemInstallEnv(host: () => Host, out: ApplyOutput, version?: string): InstallEnv {
  return {
    platform: process.platform,
    program: currentProgram(runningAsSea()),
    unitDir: UNIT_DIR,
    ...(version !== undefined ? { version } : {}),
    writeFile: (path, text) => {
      writeFileSync(path, text, { mode: 0o644 });
    },
    mkdir: (path) => mkdirSync(path, { recursive: true, mode: 0o700 }),
    host,
    out,
  };
}

function errnoCode(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

function isWindowsPath(p: string): boolean {
  return /^[A-Za-z]:[\\/]|^\\\\/.test(p);
}

/** The boot task's options for this program, config and state directory (Windows paths). */
export function taskOptions(program: Program, configPath: string, stateDir: string): TaskOptions {
  return {
    nodePath: program.execPath,
    ...(program.scriptPath !== undefined ? { scriptPath: program.scriptPath } : {}),
    configPath,
    stateDir,
    logFile: (isWindowsPath(stateDir) ? win32 : posix).join(stateDir, LOG_FILE),
  };
}

/**
 * Where the task's files go on a Windows host when the script is printed elsewhere (--target windows):
 * folders only administrators can write, since the task runs them as SYSTEM.
 */
export const WINDOWS_PROGRAM = 'C:\\Program Files\\switchyard\\switchyard.exe';
export const WINDOWS_DATA = 'C:\\ProgramData\\switchyard';

/**
 * The boot task as `install` registers it: it runs files in admin-only folders only (stageBootFiles), the
 * program in %ProgramFiles%\switchyard (switchyard.exe, or node.exe + the package) and the config in
 * %ProgramData%\switchyard, so no file the task runs as SYSTEM can be changed by a user.
 */
export function stagedBootTask(env: InstallEnv, configPath: string, stateDir: string): BootTaskSpec {
  const dirs = env.windowsDirs ?? {
    programFiles: process.env.ProgramFiles ?? 'C:\\Program Files',
    programData: process.env.ProgramData ?? 'C:\\ProgramData',
  };
  const programDir = win32.join(dirs.programFiles, 'switchyard');
  const dataDir = win32.join(dirs.programData, 'switchyard');
  const copies: { from: string; to: string }[] = [];
  const place = (from: string, to: string): string => {
    if (from.toLowerCase() !== to.toLowerCase()) copies.push({ from, to });
    return to;
  };
  const { execPath, scriptPath } = env.program;
  let program: Program;
  if (scriptPath === undefined) {
    program = { execPath: place(execPath, win32.join(programDir, 'switchyard.exe')), scriptPath: undefined };
  } else {
    // The whole package (bin, dist, node_modules) is what node.exe runs: copied as one folder.
    const pkg = win32.dirname(win32.dirname(scriptPath));
    place(pkg, win32.join(programDir, 'package'));
    program = {
      execPath: place(execPath, win32.join(programDir, 'node.exe')),
      scriptPath: win32.join(programDir, 'package', win32.relative(pkg, scriptPath)),
    };
  }
  const config = place(configPath, win32.join(dataDir, 'switchyard.yaml'));
  return {
    ...bootTaskSpec(taskOptions(program, config, stateDir)),
    stage: { dirs: [programDir, dataDir], copies },
  };
}

/** Returns the exit code. */
export async function installCommand(flags: InstallFlags, env: InstallEnv): Promise<number> {
  if (flags.target !== undefined && flags.print !== true) {
    throw new UsageError(
      `install --target ${flags.target} only prints (add --print); install on the host itself`,
    );
  }
  const config = await loadConfig(flags.config);
  const foreign = flags.target === 'windows' && env.platform !== 'win32';
  const windows = env.platform === 'win32' || foreign;
  // A drive-letter path is kept as a Windows path (--print for another machine); others are resolved here.
  const abs = (p: string): string => (windows && isWindowsPath(p) ? win32.normalize(p) : resolvePath(p));
  const chosenState = chooseStateDir(flags.stateDir, config.stateDir);
  // Printed on another OS: a local path means nothing on the Windows host, so the admin-only defaults stand.
  const configPath =
    foreign && !isWindowsPath(flags.config) ? win32.join(WINDOWS_DATA, 'switchyard.yaml') : abs(flags.config);
  const stateDir = foreign && !isWindowsPath(chosenState) ? WINDOWS_DATA : abs(chosenState);

  if (windows) {
    const program: Program = foreign ? { execPath: WINDOWS_PROGRAM, scriptPath: undefined } : env.program;
    const options = taskOptions(program, configPath, stateDir);
    if (flags.print === true) {
      env.out.write(
        `# Registers the Scheduled Task ${TASK_PATH}${TASK_NAME} (at startup, as SYSTEM, restarted on failure).\n` +
          (foreign
            ? `# Printed for another machine: it expects ${WINDOWS_PROGRAM} and the config in ${WINDOWS_DATA}.\n`
            : '') +
          '# Run in an elevated PowerShell (Run as administrator):\n' +
          registerTaskScript(options),
      );
      return 0;
    }
    const task = stagedBootTask(env, configPath, stateDir);
    return applyCommand(config, stateDir, env.host(), flags.yes === true, env.out, {
      verb: 'install',
      shape: (d) => ({ ...d, bootTask: task }),
    });
  }
  if (env.platform !== 'linux') {
    throw new EnvironmentError(
      `switchyard install supports Linux (systemd) and Windows, not ${env.platform}`,
    );
  }
  const unit = serveUnit({
    nodePath: env.program.execPath,
    ...(env.program.scriptPath !== undefined ? { scriptPath: env.program.scriptPath } : {}),
    configPath,
    stateDir,
    ...(env.version !== undefined ? { version: env.version } : {}),
    ...(flags.print === true ? { printed: true } : {}),
  });
  if (flags.print === true) {
    env.out.write(unit);
    return 0;
  }
  const target = posix.join(env.unitDir, UNIT_NAME);
  try {
    if (!stateDir.startsWith('/var/lib/')) env.mkdir(stateDir); // ReadWritePaths= needs it to exist
    env.writeFile(target, unit);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new EnvironmentError(
        `cannot write ${target}: permission denied; run as root (sudo switchyard install)`,
      );
    }
    throw e;
  }
  env.out.write(
    `wrote ${target} (switchyard serve --config ${configPath} --state-dir ${stateDir})\n` +
      'start it now and at every boot with:\n' +
      '  systemctl daemon-reload && systemctl enable --now switchyard\n',
  );
  return 0;
}

export interface UninstallFlags {
  stateDir: string;
  yes?: boolean;
}

/**
 * Blocked changes (a switch with VMs on it) do not stop uninstall: they become the reasons things stay.
 * The boot task goes first: its daemon's forwarding keeper would otherwise undo a restored forwarding setting.
 */
export function splitUninstall(plan: Plan): { plan: Plan; stays: string[] } {
  const runnable = plan.changes.filter((c) => c.action !== '!');
  return {
    plan: {
      changes: [
        ...runnable.filter((c) => c.resource === 'boot-task'),
        ...runnable.filter((c) => c.resource !== 'boot-task'),
      ],
    },
    stays: plan.changes.filter((c) => c.action === '!').map((c) => `${c.resource} ${c.key}: ${c.detail}`),
  };
}

/** `switchyard uninstall`. Returns the exit code. */
export async function uninstallCommand(flags: UninstallFlags, env: InstallEnv): Promise<number> {
  if (env.platform !== 'win32') {
    // Said plainly: on Linux uninstall changes nothing itself; the network apply built stays until removed.
    env.out.write(
      'switchyard uninstall on Linux only tells you how to remove the boot unit; it changes nothing itself.\n' +
        'remove the boot unit with:\n' +
        `  systemctl disable --now switchyard && rm ${posix.join(UNIT_DIR, UNIT_NAME)} && systemctl daemon-reload\n` +
        'what apply created stays: the switch bridges (alias switchyard:switch) and their addresses, the nftables\n' +
        "table inet switchyard, resolved's DNS settings on the bridges, and net.ipv4.ip_forward (on). To remove them:\n" +
        '  ip link del BRIDGE            (each switch bridge, once no VM is attached)\n' +
        '  nft delete table inet switchyard\n' +
        '  sysctl -w net.ipv4.ip_forward=0   (only if nothing else on this host routes)\n',
    );
    return 0;
  }
  const host = env.host();
  const saved = await readOriginals(flags.stateDir);
  const desired = nothingOurs(saved);
  const observed = await readOnly(host).observe();
  const { plan, stays } = splitUninstall(makePlan(desired, observed));
  const staysText = stays.length > 0 ? `\nStays:\n${stays.map((s) => `  note: ${s}`).join('\n')}\n` : '';
  if (plan.changes.length === 0) {
    env.out.write(`Nothing of switchyard's to remove or restore.\n${staysText}`);
    return 0;
  }
  env.out.write(renderPlan(plan) + staysText);
  const code = await confirmAndApply(plan, host, flags.yes === true, env.out, {
    verb: 'uninstall',
    prepare: () => Promise.resolve(),
    replan: async () => splitUninstall(makePlan(desired, await readOnly(host).observe())).plan,
    done: "nothing of switchyard's is left on the host except what is listed to stay",
  });
  // The originals have been put back; a later install records the (then current) values afresh.
  if (code === 0) await removeOriginals(flags.stateDir);
  if (code === 0 && stays.length > 0) env.out.write(staysText);
  return code;
}
