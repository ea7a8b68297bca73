import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { addReservation, removeReservation } from './edit.js';
import { parseConfig } from './load.js';

const R = { name: 'db1', mac: '00:15:5d:aa:bb:cc', ip: '10.0.251.11' };

/** Lines added and removed between two texts (a small LCS-free diff: enough for single-spot edits). */
function changed(a: string, b: string): { removed: string[]; added: string[] } {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  let j = 0;
  while (j < x.length - i && j < y.length - i && x[x.length - 1 - j] === y[y.length - 1 - j]) j++;
  return { removed: x.slice(i, x.length - j), added: y.slice(i, y.length - j) };
}

describe('config edits keep the rest of the file byte for byte', () => {
  test('adding to the example file inserts exactly one line, aligned with the others', () => {
    const text = readFileSync(new URL('../../../switchyard.example.yaml', import.meta.url), 'utf8');
    const out = addReservation(text, R);
    assert.deepEqual(changed(text, out), {
      removed: [],
      added: ['        - { name: db1, mac: "00:15:5d:aa:bb:cc", ip: 10.0.251.11 }'],
    });
    assert.equal(parseConfig(out, 'x.yaml').switches[0]!.dhcp.reservations[1]!.name, 'db1');
    assert.equal(removeReservation(out, 'db1'), text, 'remove undoes add exactly');
  });

  test('a block list of multi-line items with comments', () => {
    const text =
      'switches:\n  - name: a   # mine\n    dhcp:\n      reservations:   # keep\n        - name: x\n          mac: "00:15:5d:00:00:01"   # nic\n          ip: 10.1.0.5\n    dns: { domain: lab.test }\n';
    const out = addReservation(text, { ...R, ip: '10.1.0.6' });
    assert.deepEqual(changed(text, out).added, [
      '        - name: db1',
      '          mac: "00:15:5d:aa:bb:cc"',
      '          ip: 10.1.0.6',
    ]);
    const back = removeReservation(out, 'x');
    assert.equal(
      back,
      'switches:\n  - name: a   # mine\n    dhcp:\n      reservations:   # keep\n        - name: db1\n          mac: "00:15:5d:aa:bb:cc"\n          ip: 10.1.0.6\n    dns: { domain: lab.test }\n',
    );
    assert.equal(
      removeReservation(back, 'db1'),
      'switches:\n  - name: a   # mine\n    dhcp:\n      reservations: []   # keep\n    dns: { domain: lab.test }\n',
    );
    parseConfig(removeReservation(back, 'db1'), 'x.yaml');
  });

  test('flow lists, a missing reservations key, a missing dhcp key; CRLF kept', () => {
    assert.equal(
      addReservation('switches:\n  - name: a\n    dhcp:\n      reservations: []\n', R),
      'switches:\n  - name: a\n    dhcp:\n      reservations: [{ name: db1, mac: "00:15:5d:aa:bb:cc", ip: 10.0.251.11 }]\n',
    );
    const two = addReservation(
      addReservation('switches:\n  - name: a\n    dhcp:\n      reservations: []\n', R),
      { ...R, name: 'b', ip: '10.0.251.12' },
    );
    assert.match(two, /\[\{ name: db1.*\}, \{ name: b,.*\}\]/);
    assert.equal(
      removeReservation(two, 'db1'),
      addReservation('switches:\n  - name: a\n    dhcp:\n      reservations: []\n', {
        ...R,
        name: 'b',
        ip: '10.0.251.12',
      }),
    );
    assert.equal(
      addReservation('switches:\n  - name: a\n    dhcp:\n      pool: auto\n', R),
      'switches:\n  - name: a\n    dhcp:\n      pool: auto\n      reservations:\n        - name: db1\n          mac: "00:15:5d:aa:bb:cc"\n          ip: 10.0.251.11\n',
    );
    assert.equal(
      addReservation('# top\r\nswitches:\r\n  - name: a\r\n', R),
      '# top\r\nswitches:\r\n  - name: a\r\n    dhcp:\r\n      reservations:\r\n        - name: db1\r\n          mac: "00:15:5d:aa:bb:cc"\r\n          ip: 10.0.251.11\r\n',
    );
  });

  test('several switches need --switch; unknown names are usage errors', () => {
    const text = 'switches:\n  - name: a\n  - name: b\n';
    assert.throws(() => addReservation(text, R), /2 switches: say which with --switch \(a, b\)/);
    assert.match(addReservation(text, R, 'b'), /- name: b\n {4}dhcp:\n {6}reservations:\n/);
    assert.throws(() => addReservation(text, R, 'c'), /no switch named "c"/);
    assert.throws(() => removeReservation(text, 'nope'), /no reservation named "nope"/);
  });
});
