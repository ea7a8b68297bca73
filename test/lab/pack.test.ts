/**
 * Lab test: the npm package as users get it. `npm pack --dry-run --json` lists only what the package needs
 * (bin/, dist/src/**\/*.js without tests or source maps, the native helper's sources and build script, the
 * example config, README, package.json, LICENSE/CHANGELOG when present). Then the real tarball is installed
 * (`npm install -g --prefix <empty dir> --offline`, dependencies come from the local npm cache) and the
 * installed `<prefix>/bin/switchyard` runs: `--version` equals package.json's version, `script --target
 * windows` (pure) prints exactly what the repository's build prints, and `plan` (root only: inside a
 * throw-away network namespace `sy-pk-<hex>`) prints the same plan, text and JSON, as the repository's build.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { missingBinaries } from './netns.js';
import { REPO_ROOT, SWITCHYARD_BIN } from './switchyard.js';

interface PackFile {
  path: string;
  size: number;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackFile[];
}
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

/** Every path the package may contain; anything else is junk. */
const ALLOWED: readonly RegExp[] = [
  /^bin\/switchyard\.js$/,
  /^dist\/src\/.+\.js$/,
  /^dist\/src\/cli\/main\.bundle\.mjs$/,
  /^native\/[^/]+\.c$/,
  /^native\/binding\.gyp$/,
  /^scripts\/build-native\.mjs$/,
  /^switchyard\.example\.yaml$/,
  /^switchyard\.schema\.json$/, // the editor schema the example names on its first line
  /^README\.md$/,
  /^package\.json$/,
  /^LICENSE(\.md|\.txt)?$/,
  /^CHANGELOG\.md$/,
];
const REQUIRED = [
  'bin/switchyard.js',
  'dist/src/cli/main.js',
  'dist/src/cli/main.bundle.mjs',
  'native/bindtodevice.c',
  'native/binding.gyp',
  'scripts/build-native.mjs',
  'switchyard.example.yaml',
  'README.md',
  'CHANGELOG.md',
  'package.json',
];

const CONFIG = `switches:
  - name: sy-pk-sw
    subnet: 10.88.0.0/24
    host: 10.88.0.1
    nat: true
forwarding: true
`;

function run(argv: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  const [cmd, ...args] = argv;
  return new Promise((res) => {
    execFile(
      cmd!,
      args,
      { cwd: opts.cwd ?? REPO_ROOT, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        res({ code, stdout, stderr });
      },
    );
  });
}

function packJson(stdout: string): PackResult {
  const parsed = JSON.parse(stdout) as PackResult[];
  assert.equal(parsed.length, 1);
  return parsed[0]!;
}

describe('npm package', () => {
  let work: string;
  let prefix: string;
  let installed: string;
  let cfg: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'sy-pack-'));
    prefix = join(work, 'prefix');
    installed = join(prefix, 'bin', 'switchyard');
    cfg = join(work, 'switchyard.yaml');
    writeFileSync(cfg, CONFIG);
    const packed = await run(['npm', 'pack', '--json', '--pack-destination', work], { timeoutMs: 120_000 });
    assert.equal(packed.code, 0, packed.stderr);
    const tarball = join(work, packJson(packed.stdout).filename);
    // Dependencies come from the npm cache the project's own install filled; no network needed.
    let inst = await run(
      ['npm', 'install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
      { cwd: work, timeoutMs: 180_000 },
    );
    if (inst.code !== 0) {
      inst = await run(
        ['npm', 'install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
        { cwd: work, timeoutMs: 180_000 },
      );
    }
    assert.equal(inst.code, 0, `npm install of ${tarball} failed:\n${inst.stdout}\n${inst.stderr}`);
  });
  after(() => {
    if (work && !process.env.SWITCHYARD_LAB_KEEP) rmSync(work, { recursive: true, force: true });
  });

  test('npm pack --dry-run lists only what the package needs', async (t) => {
    const r = await run(['npm', 'pack', '--dry-run', '--json'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const p = packJson(r.stdout);
    const paths = p.files.map((f) => f.path).sort();
    const junk = paths.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(junk, [], `files the package should not ship:\n${junk.join('\n')}`);
    for (const f of REQUIRED) assert.ok(paths.includes(f), `package lacks ${f}`);
    assert.ok(!paths.some((f) => f.endsWith('.test.js')), 'no compiled tests');
    assert.ok(!paths.some((f) => f.startsWith('dist/test/')), 'no dist/test');
    assert.ok(!paths.some((f) => f.endsWith('.map')), 'no source maps (the .ts sources are not shipped)');
    t.diagnostic(`pack: ${p.entryCount} files, ${p.size} bytes packed, ${p.unpackedSize} bytes unpacked`);
  });

  test('the bundle is ASCII only, so V8 holds its source as one byte per character', () => {
    // One "§" in a comment made the 1.7 MB source a two-byte string: 3.4 MB of every process's heap.
    const text = readFileSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.bundle.mjs'), 'latin1');
    const at = text.search(/[^\p{ASCII}]/u);
    assert.equal(at, -1, `non-ASCII byte at offset ${at}: ${JSON.stringify(text.slice(at - 40, at + 10))}`);
  });

  test('installed switchyard --version equals package.json version', async () => {
    const r = await run([installed, '--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test('installed switchyard script --target windows matches the repository build', async () => {
    const args = ['script', '--target', 'windows', '--config', cfg];
    const got = await run([installed, ...args]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, new RegExp(`^# switchyard ${pkg.version.replace(/\./g, '\\.')}:`));
    const want = await run([process.execPath, SWITCHYARD_BIN, ...args]);
    assert.equal(want.code, 0, want.stderr);
    assert.equal(got.stdout, want.stdout);
  });

  const notRoot = process.getuid?.() !== 0 ? 'needs root (creates a network namespace)' : undefined;
  const noIp = missingBinaries(['ip']).length > 0 ? 'needs iproute2 (ip)' : undefined;
  const planSkip = notRoot ?? noIp;

  describe(
    'installed switchyard plan (Linux, throw-away network namespace)',
    { skip: planSkip ?? false },
    () => {
      const ns = `sy-pk-${randomBytes(3).toString('hex')}`;
      before(() => {
        execFileSync('ip', ['netns', 'add', ns]);
      });
      after(() => {
        try {
          execFileSync('ip', ['netns', 'delete', ns]);
        } catch {
          // already gone
        }
      });
      const planIn = (bin: readonly string[], state: string, json: boolean): Promise<Run> =>
        run([
          'ip',
          'netns',
          'exec',
          ns,
          ...bin,
          'plan',
          ...(json ? ['--json'] : []),
          '--config',
          cfg,
          '--state-dir',
          join(work, state),
        ]);

      test('JSON plan: same changes as the repository build', async () => {
        const got = await planIn([installed], 'state-installed', true);
        assert.equal(got.code, 0, got.stderr);
        const plan = JSON.parse(got.stdout) as {
          changes: { resource: string; key: string; symbol: string }[];
        };
        assert.ok(Array.isArray(plan.changes));
        const brief = plan.changes.map((c) => `${c.symbol} ${c.resource} ${c.key}`);
        assert.ok(brief.includes('+ switch sy-pk-sw'), brief.join('\n'));
        assert.ok(brief.includes('+ host-address sy-pk-sw'), brief.join('\n'));
        const want = await planIn([process.execPath, SWITCHYARD_BIN], 'state-repo', true);
        assert.equal(want.code, 0, want.stderr);
        assert.deepEqual(plan, JSON.parse(want.stdout));
      });

      test('text plan: same output as the repository build', async () => {
        const got = await planIn([installed], 'state-installed-text', false);
        assert.equal(got.code, 0, got.stderr);
        assert.match(got.stdout, /Planned changes:/);
        const want = await planIn([process.execPath, SWITCHYARD_BIN], 'state-repo-text', false);
        assert.equal(want.code, 0, want.stderr);
        assert.equal(got.stdout, want.stdout);
      });
    },
  );
  if (planSkip) test('installed switchyard plan', { skip: planSkip }, () => undefined);
});
