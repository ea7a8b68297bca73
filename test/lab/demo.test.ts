/**
 * Lab test (root): the demo of issue #5 end to end — plan/apply/serve in the lab topology, every cell of the
 * check matrix before and after the simulated reboot (WSL's adapter recreated with forwarding off), the
 * forwarding keeper's repair within 5 s, and a teardown that leaves no namespace.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { FORWARDING_DEADLINE_MS, runDemo, type DemoResult } from './demo.js';
import { labSkipReason, listNamespaces } from './netns.js';
import { RESERVED_IP, type Cell } from './topology.js';

const skip = labSkipReason(['nft', 'sysctl', 'busybox', 'dhclient', 'dhcpcd']);

if (skip) test('lab demo', { skip }, () => undefined);

const EXPECTED_CELLS = [
  'vm1 got an address',
  'vm2 got an address',
  'vm3 got its reservation',
  'vm1 -> WSL ping',
  'WSL -> vm1 ping',
  'vm2 -> WSL ping',
  'WSL -> vm2 ping',
  'vm3 -> WSL ping',
  'WSL -> vm3 ping',
  'vm1 -> corp 172.16.5.5 via NAT',
  'VM names resolve from WSL',
];

function assertMatrix(cells: readonly Cell[]): void {
  assert.deepEqual(
    cells.map((c) => c.name),
    EXPECTED_CELLS,
  );
  for (const c of cells) assert.equal(c.status, 'pass', `${c.name}: ${c.detail}`);
  assert.match(
    cells.at(-1)!.detail,
    new RegExp(`web1\\.switchyard\\.internal -> ${RESERVED_IP.replace(/\./g, '\\.')}`),
  );
  assert.match(cells[2]!.detail, new RegExp(`: ${RESERVED_IP.replace(/\./g, '\\.')} `));
}

describe('lab demo (issue #5)', { skip: skip ?? false }, () => {
  let r: DemoResult;
  let out = '';
  before(async () => {
    r = await runDemo({
      print: (s) => {
        out += s + '\n';
      },
    });
  });

  test('the planner chose a switch range clear of 172.16.0.0/12 and the corp link, and said why', () => {
    assert.ok(r.switchAddress, out);
    assert.doesNotMatch(r.switchAddress, /^172\.(1[6-9]|2\d|3[01])\.|^10\.200\.0\./);
    assert.match(out, /switch \S+-sw: \S+\/24 — /);
  });

  test('before the simulated reboot: every cell of the matrix', () => {
    assertMatrix(r.before);
  });

  test('after the simulated reboot: the keeper turned forwarding back on within 5 s and logged it', () => {
    assert.equal(r.forwardingAfterRecreate, false, 'the recreated link came up with forwarding off');
    assert.ok(r.forwardingBackMs <= FORWARDING_DEADLINE_MS, `${r.forwardingBackMs} ms`);
    assert.ok(r.keeperLogged, out);
  });

  test('after the simulated reboot: every cell of the matrix again', () => {
    assertMatrix(r.after);
  });

  test("after a host reboot booted by the unit's own ExecStartPre=/ExecStart=: ip_forward on, every cell again", () => {
    assert.equal(r.bootIpForward, '1', out);
    assertMatrix(r.rebooted);
  });

  test('teardown leaves no namespace', () => {
    assert.ok(r.namespaces.length >= 6, r.namespaces.join(' '));
    const left = listNamespaces().filter((n) => n.startsWith(`${r.prefix}-`));
    assert.deepEqual(left, []);
  });
});
