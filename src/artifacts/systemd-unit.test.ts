import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InternalError } from '../errors.js';
import { serveUnit, stateDirLines, systemdCommandLine, systemdExecArg } from './systemd-unit.js';

const BASE = {
  nodePath: '/usr/bin/node',
  scriptPath: '/opt/switchyard/bin/switchyard.js',
  configPath: '/etc/switchyard.yaml',
  stateDir: '/var/lib/switchyard',
};

describe('serveUnit', () => {
  test('ExecStart with absolute paths, restart, network-online, capabilities, StateDirectory', () => {
    const unit = serveUnit(BASE);
    assert.match(
      unit,
      /^ExecStart=\/usr\/bin\/node "--max-semi-space-size=2" "--heap-growing-percent=30" "--v8-pool-size=1" "\/opt\/switchyard\/bin\/switchyard.js" "serve" "--config" "\/etc\/switchyard.yaml" "--state-dir" "\/var\/lib\/switchyard"$/m,
    );
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^Wants=network-online.target$/m);
    assert.match(unit, /^After=network-online.target$/m);
    assert.match(unit, /^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW$/m);
    assert.match(unit, /^StateDirectory=switchyard$/m);
    assert.doesNotMatch(unit, /ProtectKernelTunables/); // the keeper writes /proc/sys
    assert.match(unit, /^WantedBy=multi-user.target$/m);
  });

  test('boot: ExecStartPre re-converges the pinned network with the same config and state dir before serve', () => {
    const unit = serveUnit(BASE);
    assert.match(
      unit,
      /^ExecStartPre=\/usr\/bin\/node "\/opt\/switchyard\/bin\/switchyard.js" "apply" "--yes" "--config" "\/etc\/switchyard.yaml" "--state-dir" "\/var\/lib\/switchyard"\nExecStart=/m,
    );
    assert.match(unit, /^PrivateTmp=yes$/m);
  });

  test('a config or state dir under /tmp: PrivateTmp=no, and the unit says why', () => {
    const unit = serveUnit({ ...BASE, configPath: '/tmp/lab/switchyard.yaml' });
    assert.match(
      unit,
      /^# PrivateTmp=no: \/tmp\/lab\/switchyard.yaml is under \/tmp or \/var\/tmp, which PrivateTmp=yes would hide from the service.\nPrivateTmp=no$/m,
    );
    assert.doesNotMatch(unit, /^PrivateTmp=yes$/m);
    assert.match(serveUnit({ ...BASE, stateDir: '/var/tmp/sy' }), /^PrivateTmp=no$/m);
  });

  test('relative paths and control characters are refused', () => {
    assert.throws(() => serveUnit({ ...BASE, configPath: 'switchyard.yaml' }), InternalError);
    assert.throws(
      () => serveUnit({ ...BASE, stateDir: '/var/lib/a\nExecStartPre=/bin/evil' }),
      InternalError,
    );
  });
});

describe('escaping', () => {
  test('Exec arguments: quotes, backslashes, specifiers, variables', () => {
    assert.equal(systemdExecArg('a "b" \\ $X %n'), '"a \\"b\\" \\\\ $$X %%n"');
    assert.equal(systemdCommandLine('/opt/my node', ['x']), '"/opt/my node" "x"');
  });

  test('state dir: StateDirectory= under /var/lib, ReadWritePaths= elsewhere', () => {
    assert.deepEqual(stateDirLines('/var/lib/switchyard/'), [
      'StateDirectory=switchyard',
      'StateDirectoryMode=0700',
    ]);
    assert.deepEqual(stateDirLines('/srv/a %b'), ['ReadWritePaths="/srv/a %%b"']);
    assert.deepEqual(stateDirLines('/var/lib/a b'), ['ReadWritePaths="/var/lib/a b"']);
  });
});
