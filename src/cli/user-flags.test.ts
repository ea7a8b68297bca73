import assert from 'node:assert/strict';
import { test } from 'node:test';
import { userCommand, withUserFlags } from './user-flags.js';

const F = { config: '/srv/lab/my config.yaml', stateDir: '/srv/lab/state' };

test('userCommand: the verb with the user own --config and --state-dir, quoted where needed', () => {
  assert.equal(
    userCommand('apply', F),
    "switchyard apply --config '/srv/lab/my config.yaml' --state-dir /srv/lab/state",
  );
  assert.equal(userCommand('apply', {}), 'switchyard apply');
});

test('withUserFlags: every suggested switchyard command pastes as is; others and flagged ones untouched', () => {
  assert.equal(
    withUserFlags('switchyard apply (by hand: sysctl -w x=1); then `switchyard serve`', F),
    "switchyard apply --config '/srv/lab/my config.yaml' --state-dir /srv/lab/state (by hand: sysctl -w x=1); then `switchyard serve --config '/srv/lab/my config.yaml' --state-dir /srv/lab/state`",
  );
  assert.equal(withUserFlags('switchyard uninstall', F), 'switchyard uninstall --state-dir /srv/lab/state');
  assert.equal(withUserFlags('switchyard apply --config a.yaml', F), 'switchyard apply --config a.yaml');
  assert.equal(withUserFlags('Remove-NetNat -Name switchyard-lab', F), 'Remove-NetNat -Name switchyard-lab');
});
