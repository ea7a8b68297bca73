/**
 * `switchyard install` / `switchyard uninstall`: start the daemon at boot.
 * - Linux: writes /etc/systemd/system/switchyard.service (artifacts/systemd-unit.ts) and says to run
 *   `systemctl daemon-reload && systemctl enable --now switchyard`.
 * - Windows: prints the PowerShell that registers the boot Scheduled Task (artifacts/scheduled-task.ts),
 *   to be run in an elevated PowerShell. Running it directly needs the elevated runner
 *   (host/windows/powershell.ts runElevated) and plan/apply integration: not wired yet.
 * Both are pure functions of their inputs plus the injected file writer, so tests need no root.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { posix, resolve as resolvePath, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { chooseStateDir } from '../daemon/state-dir.js';
import { EnvironmentError } from '../errors.js';
import {
  registerTaskScript,
  TASK_NAME,
  TASK_PATH,
  unregisterTaskScript,
} from '../artifacts/scheduled-task.js';
import { serveUnit, UNIT_DIR, UNIT_NAME } from '../artifacts/systemd-unit.js';

export interface InstallFlags {
  config: string;
  stateDir?: string;
  /** Print the unit / script instead of writing anything. */
  print?: boolean;
}

export interface InstallEnv {
  platform: NodeJS.Platform;
  nodePath: string;
  /** Absolute path of bin/switchyard.js. */
  scriptPath: string;
  /** Directory the Linux unit goes into (default /etc/systemd/system). */
  unitDir: string;
  version?: string;
  writeFile: (path: string, text: string) => void;
  mkdir: (path: string) => void;
}

/** bin/switchyard.js of this installation (this file is dist/src/cli/install.js). */
export function installedScriptPath(): string {
  return fileURLToPath(new URL('../../../bin/switchyard.js', import.meta.url));
}

export function systemInstallEnv(version?: string): InstallEnv {
  return {
    platform: process.platform,
    nodePath: process.execPath,
    scriptPath: installedScriptPath(),
    unitDir: UNIT_DIR,
    ...(version !== undefined ? { version } : {}),
    writeFile: (path, text) => {
      writeFileSync(path, text, { mode: 0o644 });
    },
    mkdir: (path) => mkdirSync(path, { recursive: true, mode: 0o700 }),
  };
}

function errnoCode(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

export async function installCommand(flags: InstallFlags, env: InstallEnv): Promise<string> {
  const config = await loadConfig(flags.config);
  const windows = env.platform === 'win32';
  const abs = (p: string): string => (windows ? win32.resolve(p) : resolvePath(p));
  const configPath = abs(flags.config);
  const stateDir = abs(chooseStateDir(flags.stateDir, config.stateDir));

  if (windows) {
    const script = registerTaskScript({
      nodePath: env.nodePath,
      scriptPath: env.scriptPath,
      configPath,
      stateDir,
    });
    return (
      `# Registers the Scheduled Task ${TASK_PATH}${TASK_NAME} (at startup, as SYSTEM, restarted on failure).\n` +
      '# Run in an elevated PowerShell (Run as administrator):\n' +
      script
    );
  }
  if (env.platform !== 'linux') {
    throw new EnvironmentError(
      `switchyard install supports Linux (systemd) and Windows, not ${env.platform}`,
    );
  }
  const unit = serveUnit({
    nodePath: env.nodePath,
    scriptPath: env.scriptPath,
    configPath,
    stateDir,
    ...(env.version !== undefined ? { version: env.version } : {}),
  });
  if (flags.print === true) return unit;
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
  return (
    `wrote ${target} (switchyard serve --config ${configPath} --state-dir ${stateDir})\n` +
    'start it now and at every boot with:\n' +
    '  systemctl daemon-reload && systemctl enable --now switchyard\n'
  );
}

/** `switchyard uninstall` (boot registration only, for now): what to run. */
export function uninstallCommand(platform: NodeJS.Platform): string {
  if (platform === 'win32') return '# Run in an elevated PowerShell:\n' + unregisterTaskScript();
  return (
    'remove the boot unit with:\n' +
    `  systemctl disable --now switchyard && rm ${posix.join(UNIT_DIR, UNIT_NAME)} && systemctl daemon-reload\n`
  );
}
