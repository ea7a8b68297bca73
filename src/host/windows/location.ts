/**
 * Where Windows PowerShell 5.1 is, for this process — on Windows itself or from inside WSL
 * (docs/windows.md#calling-windows-from-wsl): by absolute path
 * (`%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe`;
 * from WSL `/mnt/c/Windows/System32/…`, because WSL's `appendWindowsPath` may be off, so PATH may not
 * reach Windows). Pure except for `systemProbe`; tests pass their own HostProbe.
 */
import { readFileSync } from 'node:fs';

/** What powershellPath looks at; `systemProbe()` is the real one, tests pass their own. */
export interface HostProbe {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** A small text file's content; undefined when it does not exist or cannot be read. */
  readFile: (path: string) => string | undefined;
}

export function systemProbe(): HostProbe {
  return {
    platform: process.platform,
    env: process.env,
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/** The binfmt_misc entries WSL registers for Windows executables (older builds: WSLInterop only). */
const WSL_INTEROP_FILES = [
  '/proc/sys/fs/binfmt_misc/WSLInterop',
  '/proc/sys/fs/binfmt_misc/WSLInterop-late',
] as const;

/** Environment variable that names powershell.exe explicitly (both platforms); wins over detection. */
export const POWERSHELL_OVERRIDE_ENV = 'SWITCHYARD_POWERSHELL';

export interface WslState {
  wsl: boolean;
  /** From the binfmt_misc entry: "enabled"/"disabled" is its first line; "unknown" when no entry is visible. */
  interop: 'enabled' | 'disabled' | 'unknown';
}

/**
 * Whether this Linux runs inside WSL: a WSLInterop binfmt entry, WSL_DISTRO_NAME (set by WSL's init for
 * sessions it starts), or a "microsoft"/"WSL" kernel release (systemd services have no WSL_DISTRO_NAME, and
 * systemd-binfmt can wipe the binfmt entry: microsoft/WSL#8843).
 */
export function wslState(probe: HostProbe): WslState {
  if (probe.platform !== 'linux') return { wsl: false, interop: 'unknown' };
  let interop: WslState['interop'] = 'unknown';
  let entry = false;
  for (const file of WSL_INTEROP_FILES) {
    const text = probe.readFile(file);
    if (text === undefined) continue;
    entry = true;
    const first = text.split('\n', 1)[0]?.trim();
    if (first === 'enabled') interop = 'enabled';
    else if (first === 'disabled' && interop !== 'enabled') interop = 'disabled';
  }
  const release = probe.readFile('/proc/sys/kernel/osrelease') ?? '';
  const wsl = entry || (probe.env.WSL_DISTRO_NAME ?? '') !== '' || /microsoft|wsl/i.test(release);
  return { wsl, interop };
}

/** The last value of `key` in `[section]` of /etc/wsl.conf text (`#`/`;` comments, case-insensitive names). */
export function wslConfValue(wslConf: string | undefined, section: string, key: string): string | undefined {
  let current = '';
  let value: string | undefined;
  for (const raw of (wslConf ?? '').split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim().toLowerCase();
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (current === section && kv && kv[1]!.trim().toLowerCase() === key) value = kv[2]!.trim();
  }
  return value;
}

/** `[automount] root` from /etc/wsl.conf (default "/mnt/"), always with a trailing slash. */
export function parseAutomountRoot(wslConf: string | undefined): string {
  const value = wslConfValue(wslConf, 'automount', 'root')?.replace(/^"(.*)"$/, '$1');
  if (value === undefined || !value.startsWith('/')) return '/mnt/';
  return value.endsWith('/') ? value : `${value}/`;
}

function envGet(env: HostProbe['env'], name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  // Windows environment names are case-insensitive; an injected plain object is not.
  const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : env[key];
  return value === '' ? undefined : value;
}

export type PowerShellLocation =
  { ok: true; path: string; via: 'windows' | 'wsl' | 'override' } | { ok: false; reason: string };

/**
 * Where Windows PowerShell 5.1 is, for this process:
 * - `SWITCHYARD_POWERSHELL` if set;
 * - on Windows `%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe` (`Sysnative` instead of
 *   `System32` from a 32-bit Node on 64-bit Windows, whose System32 is redirected to the 32-bit SysWOW64);
 * - inside WSL the same file through the drvfs mount, `/mnt/c/Windows/System32/…` (the mount root from
 *   /etc/wsl.conf `[automount] root`), by absolute path since PATH may not include Windows directories.
 *   Assumes Windows lives on C: (WSL cannot see %SystemRoot% before interop works); override otherwise.
 */
export function powershellPath(probe: HostProbe = systemProbe()): PowerShellLocation {
  const override = envGet(probe.env, POWERSHELL_OVERRIDE_ENV);
  if (override !== undefined) return { ok: true, path: override, via: 'override' };
  if (probe.platform === 'win32') {
    const root = (envGet(probe.env, 'SystemRoot') ?? envGet(probe.env, 'windir') ?? 'C:\\Windows').replace(
      /[\\/]+$/,
      '',
    );
    const wow64 = envGet(probe.env, 'PROCESSOR_ARCHITEW6432') !== undefined;
    const system = wow64 ? 'Sysnative' : 'System32';
    return { ok: true, path: `${root}\\${system}\\WindowsPowerShell\\v1.0\\powershell.exe`, via: 'windows' };
  }
  const wsl = wslState(probe);
  if (!wsl.wsl) {
    return {
      ok: false,
      reason: `no Windows host to reach: this is ${probe.platform}, not Windows and not inside WSL`,
    };
  }
  if (wsl.interop === 'disabled') {
    return {
      ok: false,
      reason:
        'Windows interop is disabled in this WSL distribution, so powershell.exe cannot run: set ' +
        '[interop] enabled=true in /etc/wsl.conf and restart WSL (wsl.exe --shutdown)',
    };
  }
  const mount = parseAutomountRoot(probe.readFile('/etc/wsl.conf'));
  return { ok: true, path: `${mount}c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe`, via: 'wsl' };
}
