/**
 * Lab test (root): the generated systemd units pass `systemd-analyze verify` in a throw-away root — the
 * approach of the project's shared systemd-check.sh validator: a temp root with a copy of the host's unit library,
 * the units in its /etc/systemd/system, an executable stub for each absolute Exec* path under /mnt/<drive>/
 * (WSL interop) or that exists on this host, and verify run in a private mount namespace with a tmpfs on
 * /run/systemd (verify otherwise touches /run/systemd/systemd-units-load on the host). Any diagnostic fails
 * the test: verify exits 0 on "Failed to parse …, ignoring".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { serveUnit, UNIT_NAME } from '../../src/artifacts/systemd-unit.js';
import { WSL_UNIT_NAME, wslForwardingUnit } from '../../src/artifacts/wsl-unit.js';
import { powershellPath } from '../../src/host/windows/location.js';

const SYSTEMD_LIB = ['/lib/systemd/system', '/usr/lib/systemd/system'].find((d) => existsSync(d));

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (unshare -m, mount tmpfs)';
  for (const tool of ['systemd-analyze', 'unshare']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      return `${tool} is not installed (apt-get install systemd util-linux)`;
    }
  }
  if (SYSTEMD_LIB === undefined) return 'no systemd unit library (/lib/systemd/system)';
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first word of each Exec*= line (bare or double-quoted; backslash escapes undone). */
function execPaths(unit: string): string[] {
  const out: string[] = [];
  for (const line of unit.split('\n')) {
    const m = /^\s*Exec[A-Za-z]*=[-@:+!]*(?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(line);
    const exe = m?.[1]?.replace(/\\(.)/g, '$1') ?? m?.[2];
    if (exe?.startsWith('/')) out.push(exe);
  }
  return out;
}

/** Diagnostics of `systemd-analyze verify` for `units` (name → text); empty when clean. */
function verify(units: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sy-units-'));
  try {
    mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    cpSync(SYSTEMD_LIB!, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    for (const [name, text] of Object.entries(units)) {
      writeFileSync(join(root, 'etc/systemd/system', name), text);
      for (const exe of execPaths(text)) {
        if (/^\/mnt\/[a-z]\//.test(exe) || executable(exe)) {
          mkdirSync(join(root, dirname(exe)), { recursive: true });
          writeFileSync(join(root, exe), '#!/bin/sh\n');
          chmodSync(join(root, exe), 0o755);
        }
      }
    }
    const r = spawnSync(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount -t tmpfs tmpfs /run/systemd && exec systemd-analyze verify --man=no --generators=no --root="$0" "$@"',
        root,
        ...Object.keys(units),
      ],
      { cwd: join(root, 'etc/systemd/system'), encoding: 'utf8' },
    );
    const text = `${r.stdout}${r.stderr}`.split(root).join('');
    return r.status === 0 ? text.trim() : `exit ${String(r.status)}: ${text}`.trim();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const skip = skipReason();
if (skip) test('generated systemd units', { skip }, () => undefined);

describe('generated systemd units pass systemd-analyze verify', { skip: skip ?? false }, () => {
  test('serve unit, state dir under /var/lib (StateDirectory=)', () => {
    const unit = serveUnit({
      nodePath: process.execPath,
      scriptPath: '/opt/switchyard/bin/switchyard.js',
      configPath: '/etc/switchyard/switchyard.yaml',
      stateDir: '/var/lib/switchyard',
    });
    assert.equal(verify({ [UNIT_NAME]: unit }), '');
  });

  test('serve unit, hostile paths and a state dir elsewhere (ReadWritePaths=)', () => {
    const unit = serveUnit({
      nodePath: process.execPath,
      scriptPath: '/opt/switch yard/bin/switchyard.js',
      configPath: `/etc/sw "x" \\ $HOME %n ' ;.yaml`,
      stateDir: '/srv/my %i state',
      version: '1.2.3 %n',
    });
    assert.equal(verify({ [UNIT_NAME]: unit }), '');
  });

  test('serve unit for a single executable (no script argument)', () => {
    const unit = serveUnit({
      nodePath: process.execPath,
      configPath: '/etc/switchyard/switchyard.yaml',
      stateDir: '/var/lib/switchyard',
    });
    assert.match(unit, /^ExecStart=\S+ "serve" /m);
    assert.equal(verify({ [UNIT_NAME]: unit }), '');
  });

  test('WSL forwarding unit, default and custom automount root', () => {
    for (const conf of [undefined, '[automount]\nroot = /win/\n']) {
      const ps = powershellPath({
        platform: 'linux',
        env: { WSL_DISTRO_NAME: 'Debian' },
        readFile: (p) => (p === '/etc/wsl.conf' ? conf : undefined),
      });
      assert.ok(ps.ok);
      // the validator stubs only /mnt/<drive>/: a custom root gets checked with its path mapped there
      const path = ps.path.replace(/^\/win\//, '/mnt/');
      assert.equal(verify({ [WSL_UNIT_NAME]: wslForwardingUnit(path, '0.1.0') }), '');
    }
  });

  test('a broken unit is reported (the check can fail)', () => {
    assert.notEqual(verify({ 'broken.service': '[Service]\nExecStart=relative/path\nBogus=1\n' }), '');
  });
});
