/** Config errors in plain words: "did you mean", "quote it", one numbering scheme, the file's order. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from './load.js';
import { suggestKey } from './suggest.js';
import { configProblems } from '../../test/support/config-problems.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-hints-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const problems = configProblems;

describe('config error wording', () => {
  test('a misspelt key gets "did you mean", at the top level too (and no second "is required")', () => {
    assert.deepEqual(problems('switches:\n  - name: lab\n    dhcp:\n      leasetime: 1h\n'), [
      'sy.yaml:4:7: switches[0].dhcp.leasetime: unknown key: did you mean "leaseTime"?',
    ]);
    assert.deepEqual(problems('switchs:\n  - name: lab\n'), [
      'sy.yaml:1:1: switchs: unknown key: did you mean "switches"?',
    ]);
    assert.deepEqual(problems('switches:\n  - name: lab\n    dhcp:\n      ratelimit: { packets: 5 }\n'), [
      'sy.yaml:4:7: switches[0].dhcp.ratelimit: unknown key: did you mean "rateLimit"?',
    ]);
  });

  test('a key like no other keeps the plain message', () => {
    assert.deepEqual(problems('switches:\n  - name: lab\n    colour: blue\n'), [
      'sy.yaml:3:5: switches[0].colour: unknown key (check its spelling; see switchyard.example.yaml for every key)',
    ]);
    assert.equal(suggestKey('xyz', ['nat', 'dns']), undefined);
    assert.equal(suggestKey('DNS', ['nat', 'dns']), 'dns');
  });

  test('a MAC YAML read as a number: quote it', () => {
    assert.deepEqual(
      problems(
        'switches:\n  - name: lab\n    dhcp:\n      reservations:\n        - { name: a, mac: 001122334455, ip: 10.0.0.5 }\n',
      ),
      [
        'sy.yaml:5:22: switches[0].dhcp.reservations[0].mac: YAML reads 001122334455 as a number (leading zeros lost): quote it, "001122334455"',
      ],
    );
  });

  test('errors come in line order, and indexes are counted one way (from 0, as in the key)', () => {
    const p = problems(
      `switches:
  - name: lab
    subnet: 10.0.0.0/24
    dhcp:
      reservations:
        - { name: a, mac: "00:15:5d:00:00:01", ip: 10.0.0.5 }
        - { name: a, mac: "00:15:5d:00:00:02", ip: 10.0.0.5 }
`,
    );
    assert.deepEqual(p, [
      'sy.yaml:7:13: switches[0].dhcp.reservations[1].name: name "a" is also used by reservations[0]',
      'sy.yaml:7:48: switches[0].dhcp.reservations[1].ip: address 10.0.0.5 is also used by reservations[0]',
    ]);
    const zod = problems(
      'switches:\n  - name: lab\n    nat: maybe\n    bogus: 1\n    dns:\n      domain: "-x"\n',
    );
    const lines = zod.map((l) => Number(/^sy\.yaml:(\d+):/.exec(l)![1]));
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
    );
    assert.equal(lines.length, 3);
  });

  test('--config naming a folder, or a file that is not there, says what to do', async () => {
    await assert.rejects(loadConfig(dir), /is a folder, not a config file: name the file with --config FILE/);
    writeFileSync(join(dir, 'switchyard.yaml'), 'switches:\n  - name: lab\n');
    await assert.rejects(
      loadConfig(dir),
      new RegExp(`is a folder: name the file, --config ${join(dir, 'switchyard.yaml')}`),
    );
    await assert.rejects(loadConfig(join(dir, 'nope.yaml')), /no such file: write one .*--config FILE/);
  });
});
