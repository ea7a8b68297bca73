import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cidr, ipv4 } from '../net/ipv4.js';
import type { Plan } from './change.js';
import { emptyHost, type ObservedHost } from './observed.js';
import {
  noOriginals,
  ORIGINALS_FILE,
  originalsFor,
  parseOriginals,
  readOriginals,
  recordOriginals,
} from './originals.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-originals-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const OBSERVED: ObservedHost = {
  ...emptyHost('windows'),
  interfaces: [{ name: 'vEthernet (WSL)', addresses: [], forwarding: false }],
  wsl: {
    natNetwork: '172.29.192.0/20',
    natGateway: undefined,
    userNatIp: '172.29.200.5',
    wslconfig: undefined,
    hyperVFirewall: { defaultInboundAction: 'block' },
  },
};

const PLAN: Plan = {
  changes: [
    {
      resource: 'x',
      key: 'x',
      action: '~',
      detail: '',
      ops: [
        { op: 'setWslNat', subnet: cidr('10.21.0.0/20'), gateway: ipv4('10.21.0.1') },
        { op: 'clearWslUserIp' },
        { op: 'setForwarding', iface: 'vEthernet (WSL)', on: true },
        { op: 'setForwarding', iface: 'vEthernet (lab)', on: true }, // not there yet: nothing known
        { op: 'setWslConfig', text: '[wsl2]\nnetworkingMode=nat\n' },
        { op: 'setHyperVFirewallInbound' },
      ],
    },
  ],
};

describe('originals', () => {
  test('records what each op overwrites, absence as null', () => {
    assert.deepEqual(originalsFor(PLAN, OBSERVED, noOriginals()), {
      version: 1,
      wslRange: { natNetwork: '172.29.192.0/20', natGateway: null },
      wslUserIp: '172.29.200.5',
      forwarding: { 'vEthernet (WSL)': false },
      wslconfig: null,
      hyperVInbound: 'block',
    });
  });

  test('a saved entry is never replaced (the second apply sees our own values)', () => {
    const first = originalsFor(PLAN, OBSERVED, noOriginals());
    const later: ObservedHost = structuredClone(OBSERVED);
    later.wsl!.natNetwork = '10.21.0.0/20';
    later.interfaces[0]!.forwarding = true;
    assert.deepEqual(originalsFor(PLAN, later, first), first);
  });

  test('file round trip; a missing file is no originals; a bad one names the file', async () => {
    const stateDir = mkdtempSync(join(dir, 's-'));
    assert.deepEqual(await readOriginals(stateDir), noOriginals());
    await recordOriginals(stateDir, PLAN, OBSERVED);
    assert.deepEqual(await readOriginals(stateDir), originalsFor(PLAN, OBSERVED, noOriginals()));
    writeFileSync(join(stateDir, ORIGINALS_FILE), '{"version":1,"wslRange":3}');
    await assert.rejects(readOriginals(stateDir), /originals\.json: wslRange/);
    assert.ok('error' in parseOriginals('{"version":2}'));
  });
});
