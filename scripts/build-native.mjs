#!/usr/bin/env node
// Builds the Linux-only SO_BINDTODEVICE helper (native/bindtodevice.c) with node-gyp.
//
//   node scripts/build-native.mjs [--strict]      (npm run build:native [-- --strict])
//
// Output: native/build/Release/bindtodevice.node (src/dhcp/transport/linux.ts loads it from there).
//
// - Not Linux: nothing to build (Windows binds the switch's address instead); prints so and exits 0.
// - Linux, build fails: prints a warning saying how to fix it and exits 0, so `npm install` never breaks
//   on a machine without a compiler; with --strict it exits 1 (CI). The daemon refuses to serve DHCP on
//   Linux without the helper and says how to build it.
//
// node-gyp: the copy npm bundles. Inside `npm run`, npm exports its path as npm_config_node_gyp; from plain
// node we look for it beside the running node (<prefix>/lib/node_modules/npm/...) or ask `npm root -g`.
// `npm exec node-gyp` is not used: when node-gyp is not a local dependency it would fetch it from the registry.
//
// Headers: node-gyp honours npm_config_nodedir (npm exports it inside `npm run` when `nodedir` is set in
// .npmrc). Otherwise, if the running node's own prefix ships matching headers (<prefix>/include/node, as
// distribution packages and the official tarballs do), we pass --nodedir=<prefix> so nothing is downloaded.
// Only when neither exists does node-gyp fall back to its own header download/cache.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const strict = process.argv.slice(2).includes('--strict');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const output = join(nativeDir, 'build', 'Release', 'bindtodevice.node');
const tag = 'build-native:';

if (process.platform !== 'linux') {
  console.log(
    `${tag} the SO_BINDTODEVICE helper is only needed on Linux; nothing to build on ${process.platform}.`,
  );
  process.exit(0);
}

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

function fail(reason) {
  const missing = [
    ['python3', onPath('python3')],
    ['make', onPath('make')],
    ['a C compiler (cc/gcc)', onPath('cc') || onPath('gcc')],
  ]
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  console.error(
    [
      `${tag} WARNING: could not build ${output}`,
      `${tag}   reason: ${reason}`,
      ...(missing.length ? [`${tag}   missing on PATH: ${missing.join(', ')}`] : []),
      `${tag}   Without it, \`switchyard serve\` refuses to serve DHCP on Linux (it needs SO_BINDTODEVICE to`,
      `${tag}   answer on the switch interface only). To build it: install python3, make and g++`,
      `${tag}   (Debian/Ubuntu: apt-get install python3 make g++), then run \`npm run build:native\`.`,
    ].join('\n'),
  );
  process.exit(strict ? 1 : 0);
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = resolve(dirname(process.execPath), '..');
  candidates.push(
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  );
  candidates.push(join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of candidates) if (existsSync(c)) return c;
  // Last resort: ask npm where its global root is (npm installed under a different prefix, nvm, ...).
  const r = spawnSync('npm', ['root', '-g'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0) {
    const c = join(r.stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(c)) return c;
  }
  return undefined;
}

/** The --nodedir to pass, or undefined to let node-gyp decide (env npm_config_nodedir or its own cache). */
function localNodedir() {
  if (process.env.npm_config_nodedir) return undefined; // node-gyp reads it from the environment
  const prefix = resolve(dirname(process.execPath), '..');
  const versionH = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(join(prefix, 'include', 'node', 'node_api.h')) || !existsSync(versionH)) return undefined;
  const text = readFileSync(versionH, 'utf8');
  const part = (name) => new RegExp(`#define\\s+NODE_${name}_VERSION\\s+(\\d+)`).exec(text)?.[1];
  const headers = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  return headers === process.version ? prefix : undefined;
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) fail('node-gyp not found (it ships with npm; is npm installed?)');

const nodedir = localNodedir();
const headerSource = process.env.npm_config_nodedir
  ? `headers from npm_config_nodedir=${process.env.npm_config_nodedir}`
  : nodedir
    ? `headers from ${nodedir}/include/node`
    : "headers from node-gyp's cache (it downloads them once if missing)";
console.log(`${tag} building ${output} (node-gyp ${nodeGyp}; ${headerSource})`);

const args = [nodeGyp, 'rebuild', '--directory', nativeDir, '--loglevel', 'warn'];
if (nodedir) args.push('--nodedir', nodedir);
const r = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: 300_000 });
if (r.error) fail(`could not run node-gyp: ${r.error.message}`);
if (r.status !== 0) fail(`node-gyp exited with ${r.status ?? r.signal}`);
if (!existsSync(output)) fail(`node-gyp succeeded but ${output} is missing`);

try {
  const addon = createRequire(import.meta.url)(output);
  if (typeof addon.openBoundUdpSocket !== 'function')
    fail('the built addon does not export openBoundUdpSocket');
} catch (e) {
  fail(`the built addon does not load: ${e instanceof Error ? e.message : String(e)}`);
}
console.log(`${tag} ok: ${output}`);
