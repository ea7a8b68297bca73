/**
 * Lab test: `npm install -g <packed tarball>` on a Windows runtime. Under Wine, the Windows node.exe (the one
 * scripts/dist.mjs caches) runs the npm JavaScript installed beside this node and installs the tarball from
 * `npm pack` into C:\sy, offline (a scratch cache holding the runtime dependencies, see
 * npm-offline-cache.ts; proxies set to a closed local port, update notifier off). Then: the postinstall
 * (scripts/build-native.mjs) said there is nothing to build on win32 and npm exited 0; the installed CLI,
 * run by node.exe, prints the same `--version` and `script --target windows` as the repository's Linux build;
 * the npm-generated C:\sy\switchyard.cmd runs through Wine's cmd.
 *
 * Skips, saying why, without Wine, without node.exe (`npm run dist` fetches it), without npm beside this
 * node, or when the local npm cache lacks a dependency (an online `npm install` of the tarball fills it).
 * About 30 s: a new prefix (~10 s), the install (~15 s). The prefix is removed afterwards.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  bundledNpmDir,
  copyRuntimeDependencies,
  localCacache,
  missingFromCache,
} from './npm-offline-cache.js';
import { REPO_ROOT, SWITCHYARD_BIN } from './switchyard.js';
import {
  findWine,
  lf,
  NO_WINE_REASON,
  runLinux,
  WINDOWS_NODE,
  winPath,
  WinePrefix,
  type Run,
} from './wine.js';

const EXAMPLE = join(REPO_ROOT, 'switchyard.example.yaml');
const LOCK = join(REPO_ROOT, 'package-lock.json');
const INSTALL_TIMEOUT_MS = 300_000;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

const wine = findWine();
const npmDir = bundledNpmDir();

// On a fresh machine the full packuments come from pack.test.ts, which runs first (files run in name order)
// and falls back to an online `npm install -g` of the same tarball when --offline cannot resolve it.
async function skipReason(): Promise<string | undefined> {
  if (wine === undefined) return NO_WINE_REASON;
  if (!existsSync(WINDOWS_NODE)) return `no ${WINDOWS_NODE}: \`npm run dist\` fetches it`;
  if (npmDir === undefined) return `no npm beside ${process.execPath} (…/lib/node_modules/npm)`;
  const missing = await missingFromCache(npmDir, localCacache(), LOCK);
  if (missing.length > 0)
    return `the local npm cache lacks ${missing.join(', ')}: one online \`npm install -g <tarball>\` fills it`;
  return undefined;
}
const skip = await skipReason();

/** Linux `npm` with pipes (packing on the Linux side). */
function npmLinux(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((res) => {
    execFile('npm', args, { cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      res({ code, stdout, stderr });
    });
  });
}

describe(
  'npm install -g of the packed tarball on Windows (Wine, Windows node.exe)',
  { skip: skip ?? false },
  () => {
    let work = '';
    let prefix: WinePrefix | undefined;
    let install: Run = { code: -1, stdout: '', stderr: '' };
    let installMs = 0;
    const installedJs = 'C:\\sy\\node_modules\\switchyard\\bin\\switchyard.js';
    const wp = (): WinePrefix => {
      assert.ok(prefix, 'the Wine prefix was created');
      return prefix;
    };

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'sy-wine-npm-'));
      const packed = await npmLinux(['pack', '--json', '--pack-destination', work], REPO_ROOT);
      assert.equal(packed.code, 0, packed.stderr);
      const [entry] = JSON.parse(packed.stdout) as { filename: string }[];
      assert.ok(entry, 'npm pack --json names the tarball');
      const tarball = join(work, entry.filename);
      const cache = join(work, 'npm-cache');
      mkdirSync(cache);
      await copyRuntimeDependencies(npmDir ?? '', localCacache(), join(cache, '_cacache'), LOCK);

      prefix = await WinePrefix.create(wine ?? '', { path: [winPath(dirname(WINDOWS_NODE))] });
      const started = Date.now();
      install = await prefix.run(
        WINDOWS_NODE,
        [
          winPath(join(npmDir ?? '', 'bin', 'npm-cli.js')),
          'install',
          '-g',
          '--prefix',
          'C:\\sy',
          '--offline',
          '--cache',
          winPath(cache),
          // Belt and braces: nothing inside Wine may reach the network.
          '--proxy',
          'http://127.0.0.1:9',
          '--https-proxy',
          'http://127.0.0.1:9',
          '--no-update-notifier',
          '--no-audit',
          '--no-fund',
          // Lifecycle output on stdout (npm hides it on success otherwise).
          '--foreground-scripts',
          winPath(tarball),
        ],
        INSTALL_TIMEOUT_MS,
      );
      installMs = Date.now() - started;
    });

    after(() => {
      prefix?.dispose();
      if (work !== '') rmSync(work, { recursive: true, force: true });
    });

    test('npm exits 0; postinstall says there is nothing to build on win32; no native build', (t) => {
      assert.equal(install.code, 0, `npm install under Wine:\n${install.stdout}\n${install.stderr}`);
      const out = lf(install.stdout);
      assert.match(out, /> node scripts\/build-native\.mjs\n/, 'the postinstall ran');
      assert.match(
        out,
        /build-native: the SO_BINDTODEVICE helper is only needed on Linux; nothing to build on win32\./,
      );
      assert.match(out, /added \d+ packages/);
      const pkgDir = join(wp().driveC, 'sy', 'node_modules', 'switchyard');
      assert.ok(existsSync(join(pkgDir, 'bin', 'switchyard.js')));
      assert.ok(!existsSync(join(pkgDir, 'native', 'build')), 'nothing built on win32');
      for (const dep of ['commander', 'ini-api', 'pino', 'yaml', 'zod'])
        assert.ok(
          existsSync(join(pkgDir, 'node_modules', dep, 'package.json')),
          `dependency ${dep} installed`,
        );
      t.diagnostic(
        `npm install -g under Wine: ${installMs} ms; ${out.match(/added \d+ packages[^\n]*/)?.[0] ?? ''}`,
      );
    });

    test('installed CLI under node.exe: --version is package.json version', async () => {
      const r = await wp().run(WINDOWS_NODE, [installedJs, '--version']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lf(r.stdout), `${pkg.version}\n`);
    });

    test('installed CLI under node.exe: script --target windows identical to the Linux build', async (t) => {
      const args = ['script', '--target', 'windows', '--config'];
      const [w, n] = await Promise.all([
        wp().run(WINDOWS_NODE, [installedJs, ...args, winPath(EXAMPLE)]),
        runLinux(process.execPath, [SWITCHYARD_BIN, ...args, EXAMPLE], process.env),
      ]);
      assert.equal(w.code, 0, w.stderr);
      assert.equal(n.code, 0, n.stderr);
      assert.match(w.stdout, /New-VMSwitch/);
      assert.equal(lf(w.stdout), n.stdout);
      assert.equal(lf(w.stderr), n.stderr);
      t.diagnostic(`${Buffer.byteLength(w.stdout)} bytes identical`);
    });

    test('the npm shim C:\\sy\\switchyard.cmd runs the installed CLI through Wine cmd', async (t) => {
      const shim = join(wp().driveC, 'sy', 'switchyard.cmd');
      const text = readFileSync(shim, 'utf8');
      assert.match(text, /"%dp0%\\node_modules\\switchyard\\bin\\switchyard\.js" %\*/);
      const asIs = await wp().run('cmd', ['/c', 'C:\\sy\\switchyard.cmd', '--version']);
      if (asIs.code === 0 && lf(asIs.stdout) === `${pkg.version}\n`) {
        t.diagnostic('switchyard.cmd ran as npm wrote it');
        return;
      }
      // cmd-shim ends with `endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & "%_prog%" …`: the failing
      // goto stops cmd.exe reading the batch file while the rest of the line still runs. Wine 8.0's cmd stops
      // at the goto without running the `||` part (checked with a 3-line batch file), so the shim prints
      // nothing there. The same shim without that trick still checks what npm generated: %~dp0, finding
      // node on PATH, and argument passing.
      const trick = 'endLocal & goto #_undefined_# 2>NUL || title %COMSPEC% & ';
      assert.ok(text.includes(trick), `switchyard.cmd has cmd-shim's goto trick:\n${text}`);
      writeFileSync(join(wp().driveC, 'sy', 'switchyard-wine.cmd'), text.replace(trick, 'endLocal & '));
      const r = await wp().run('cmd', ['/c', 'C:\\sy\\switchyard-wine.cmd', '--version']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lf(r.stdout), `${pkg.version}\n`);
      t.diagnostic(
        `switchyard.cmd as written printed ${JSON.stringify(asIs.stdout)} (exit ${asIs.code}) under Wine's cmd; ` +
          'without the goto trick it prints the version',
      );
    });
  },
);
if (skip) test('npm install -g of the packed tarball on Windows (Wine)', { skip }, () => undefined);
