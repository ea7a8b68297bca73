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
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, SWITCHYARD_BIN } from './switchyard.js';
import { findWine, lf, NO_WINE_REASON, runLinux, WinePrefix, type Run } from './wine.js';

const EXE = join(REPO_ROOT, 'dist', 'switchyard.exe');
const EXAMPLE = join(REPO_ROOT, 'switchyard.example.yaml');

const wine = findWine();
const skip = !existsSync(EXE)
  ? 'no dist/switchyard.exe: build it with `npm run dist`'
  : wine === undefined
    ? NO_WINE_REASON
    : undefined;

describe('dist/switchyard.exe under Wine', { skip: skip ?? false }, () => {
  let prefix: WinePrefix | undefined;
  const exe = (args: readonly string[]): Promise<Run> => {
    assert.ok(prefix, 'the Wine prefix was created');
    return prefix.run(EXE, args);
  };
  const node = (args: readonly string[]): Promise<Run> =>
    runLinux(process.execPath, [SWITCHYARD_BIN, ...args], process.env);

  /** Runs both and asserts the same exit code, stdout and stderr (CRLF aside). */
  async function same(args: readonly string[]): Promise<Run> {
    const [w, n] = await Promise.all([exe(args), node(args)]);
    assert.equal(w.code, n.code, `exit code of ${args.join(' ')}; exe stderr: ${w.stderr}`);
    assert.equal(lf(w.stdout), n.stdout, `stdout of ${args.join(' ')}`);
    assert.equal(lf(w.stderr), n.stderr, `stderr of ${args.join(' ')}`);
    return w;
  }

  before(async () => {
    prefix = await WinePrefix.create(wine ?? '');
  });

  after(() => {
    prefix?.dispose();
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
    assert.ok(prefix);
    const bad = join(prefix.dir, 'bad.yaml');
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
