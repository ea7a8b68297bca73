import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InternalError } from '../../errors.js';
import type { RunResult, Runner } from './interfaces.js';
import { parseNftTable } from './observe.js';
import {
  addressLabel,
  bridgeMac,
  describeOp,
  isSafeLinkName,
  nftTableConverged,
  renderNftRule,
  renderNftTable,
  renderOp,
  runOps,
  switchyardNftRules,
  type LinuxOp,
  type NftRuleSpec,
  type OpStep,
} from './ops.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../../test/fixtures/linux/${name}`, import.meta.url), 'utf8');

const RULES = switchyardNftRules({
  switches: [{ bridge: 'sy-br', subnet: '10.88.0.0/24', nat: true }],
  wsl: 'sy-wsl',
});

test('renderOp: createBridge makes the bridge with a stable MAC, then marks it (alias)', () => {
  assert.deepEqual(renderOp({ op: 'createBridge', name: 'sy-br' }), [
    [
      'ip',
      'link',
      'add',
      'name',
      'sy-br',
      'address',
      bridgeMac('sy-br'),
      'type',
      'bridge',
      'forward_delay',
      '0',
    ],
    ['ip', 'link', 'set', 'dev', 'sy-br', 'alias', 'switchyard:switch'],
  ]);
});

test('renderOp: links, addresses, sysctls, nft — the exact argv', () => {
  const cases: [LinuxOp, string[][]][] = [
    [{ op: 'deleteLink', name: 'sy-br' }, [['ip', 'link', 'del', 'dev', 'sy-br']]],
    [{ op: 'setLinkUp', name: 'sy-br' }, [['ip', 'link', 'set', 'dev', 'sy-br', 'up']]],
    [
      { op: 'addAddress', dev: 'sy-br', address: '10.88.0.1', prefix: 24 },
      [['ip', 'address', 'add', '10.88.0.1/24', 'broadcast', '+', 'dev', 'sy-br', 'label', 'sy-br:sy']],
    ],
    [
      { op: 'delAddress', dev: 'sy-br', address: '10.88.0.1', prefix: 24 },
      [['ip', 'address', 'del', '10.88.0.1/24', 'dev', 'sy-br']],
    ],
    [
      { op: 'setForwarding', dev: 'eth0.100', on: true },
      [['sysctl', '-q', '-w', 'net/ipv4/conf/eth0.100/forwarding=1']],
    ],
    [
      { op: 'setForwarding', dev: 'sy-br', on: false },
      [['sysctl', '-q', '-w', 'net/ipv4/conf/sy-br/forwarding=0']],
    ],
    [{ op: 'setIpForward', on: true }, [['sysctl', '-q', '-w', 'net/ipv4/ip_forward=1']]],
    [{ op: 'ensureNftTable', rules: RULES }, [['nft', renderNftTable(RULES)]]],
    [{ op: 'deleteNftTable' }, [['nft', 'delete', 'table', 'inet', 'switchyard']]],
  ];
  for (const [op, argv] of cases) assert.deepEqual(renderOp(op), argv, describeOp(op));
});

test('addressLabel: <dev>:sy while it fits in IFNAMSIZ-1 bytes, else no label', () => {
  assert.equal(addressLabel('sy-wsl'), 'sy-wsl:sy');
  assert.equal(addressLabel('abcdefghijkl'), 'abcdefghijkl:sy');
  assert.equal(addressLabel('abcdefghijklm'), undefined);
  assert.deepEqual(renderOp({ op: 'addAddress', dev: 'enp0s31f6abcde', address: '10.0.0.1', prefix: 24 }), [
    ['ip', 'address', 'add', '10.0.0.1/24', 'broadcast', '+', 'dev', 'enp0s31f6abcde'],
  ]);
});

test('bridgeMac: deterministic, locally administered, unicast, differs per name', () => {
  const mac = bridgeMac('switchyard');
  assert.equal(mac, bridgeMac('switchyard'));
  assert.notEqual(mac, bridgeMac('switchyard2'));
  assert.match(mac, /^02(:[0-9a-f]{2}){5}$/);
});

test('renderOp: malformed ops are refused before anything runs (InternalError)', () => {
  const bad: LinuxOp[] = [
    { op: 'createBridge', name: 'my switch' },
    { op: 'createBridge', name: 'a-name-that-is-too-long' },
    { op: 'setLinkUp', name: 'x"y' },
    { op: 'setForwarding', dev: '../all', on: true },
    { op: 'addAddress', dev: 'sy-br', address: '10.88.0.256', prefix: 24 },
    { op: 'addAddress', dev: 'sy-br', address: '10.88.0.1', prefix: 33 },
    { op: 'delAddress', dev: 'sy-br', address: '10.88.0.1', prefix: 0 },
    {
      op: 'ensureNftTable',
      rules: [{ kind: 'masquerade', source: '10.88.0.1/24', outIf: 'sy-br', outIfNegated: true }],
    },
    { op: 'ensureNftTable', rules: [{ kind: 'acceptInput', inIf: 'sy-br', proto: 'udp', port: 0 }] },
    { op: 'ensureNftTable', rules: [{ kind: 'acceptForward', inIf: 'a\\b', outIf: 'sy-br' }] },
  ];
  for (const op of bad) assert.throws(() => renderOp(op), InternalError, JSON.stringify(op));
  assert.equal(isSafeLinkName('vEthernet (WSL)'), false);
  assert.equal(isSafeLinkName('wg0'), true);
});

test('renderNftTable: the recorded fixture (nft -c accepted it, the kernel loaded it) is exactly the rendering', () => {
  assert.equal(renderNftTable(RULES), fixture('nft-table.nft'));
});

test('renderNftTable: empty rules still give the three chains, all policy accept, never a drop', () => {
  const text = renderNftTable([]);
  assert.match(text, /^table inet switchyard \{\}\ndelete table inet switchyard\ntable inet switchyard \{\n/);
  assert.equal(text.match(/^\tchain /gm)?.length, 3);
  assert.equal(text.match(/policy accept;/g)?.length, 3);
  assert.doesNotMatch(text, /drop|reject/);
});

test('renderNftRule: each shape', () => {
  const r = (rule: NftRuleSpec): string => renderNftRule(rule);
  assert.equal(
    r({ kind: 'masquerade', source: '10.0.251.0/24', outIf: 'sy-br', outIfNegated: true }),
    'ip saddr 10.0.251.0/24 oifname != "sy-br" masquerade',
  );
  assert.equal(
    r({ kind: 'masquerade', source: '10.0.251.7/32', outIf: 'eth0', outIfNegated: false }),
    'ip saddr 10.0.251.7/32 oifname "eth0" masquerade',
  );
  assert.equal(
    r({ kind: 'acceptInput', inIf: 'sy-br', proto: 'udp', port: 67 }),
    'iifname "sy-br" udp dport 67 accept',
  );
  assert.equal(
    r({ kind: 'acceptInput', inIf: 'sy-br', source: '10.0.251.0/24', proto: 'tcp', port: 53 }),
    'iifname "sy-br" ip saddr 10.0.251.0/24 tcp dport 53 accept',
  );
  assert.equal(r({ kind: 'acceptForward', inIf: 'a', outIf: 'b' }), 'iifname "a" oifname "b" accept');
  assert.equal(r({ kind: 'acceptEstablished' }), 'ct state established,related accept');
});

test('switchyardNftRules: NAT only where asked and only toward the uplink (never lo, WSL or another switch), DHCP without source, forward only with a WSL link', () => {
  const two = switchyardNftRules({
    switches: [
      { bridge: 'br-a', subnet: '10.0.1.0/24', nat: true },
      { bridge: 'br-b', subnet: '10.0.2.0/24', nat: false },
    ],
  });
  assert.deepEqual(
    two.map((r) => renderNftRule(r)),
    [
      'ip saddr 10.0.1.0/24 oifname != "br-a" oifname != { "br-b", "lo" } masquerade',
      'iifname "br-a" udp dport 67 accept',
      'iifname "br-a" ip saddr 10.0.1.0/24 udp dport 53 accept',
      'iifname "br-a" ip saddr 10.0.1.0/24 tcp dport 53 accept',
      'iifname "br-b" udp dport 67 accept',
      'iifname "br-b" ip saddr 10.0.2.0/24 udp dport 53 accept',
      'iifname "br-b" ip saddr 10.0.2.0/24 tcp dport 53 accept',
    ],
  );
  assert.deepEqual(
    RULES.filter((r) => r.kind === 'acceptForward' || r.kind === 'acceptEstablished'),
    [
      { kind: 'acceptEstablished' },
      { kind: 'acceptForward', inIf: 'sy-wsl', outIf: 'sy-br' },
      { kind: 'acceptForward', inIf: 'sy-br', outIf: 'sy-wsl' },
    ],
  );
});

test('nftTableConverged: the recorded table matches its rules (in any order); drift, absence or a missing rule do not', () => {
  const recorded = parseNftTable(fixture('nft-table.json'));
  assert.equal(nftTableConverged(recorded, RULES), true);
  assert.equal(nftTableConverged(recorded, [...RULES].reverse()), true);
  assert.equal(nftTableConverged(recorded, RULES.slice(1)), false);
  assert.equal(nftTableConverged(parseNftTable(fixture('nft-table-drifted.json')), RULES), false);
  assert.equal(nftTableConverged(undefined, []), false);
  assert.ok(recorded);
  const wrongPolicy = { ...recorded, chains: recorded.chains.map((c) => ({ ...c, policy: 'drop' })) };
  assert.equal(nftTableConverged(wrongPolicy, RULES), false);
});

// ---------------------------------------------------------------------------------------------------------

function scriptedRunner(fail: (cmd: string) => RunResult | Error | undefined): {
  run: Runner;
  calls: string[];
} {
  const calls: string[] = [];
  const run: Runner = (file, args) => {
    const cmd = [file, ...args].join(' ');
    calls.push(cmd);
    const f = fail(cmd);
    if (f instanceof Error) return Promise.reject(f);
    return Promise.resolve(f ?? { code: 0, stdout: '', stderr: '' });
  };
  return { run, calls };
}

const TOPOLOGY: LinuxOp[] = [
  { op: 'createBridge', name: 'sy-br' },
  { op: 'setLinkUp', name: 'sy-br' },
  { op: 'addAddress', dev: 'sy-br', address: '10.88.0.1', prefix: 24 },
  { op: 'setForwarding', dev: 'sy-br', on: true },
  { op: 'ensureNftTable', rules: RULES },
];

test('runOps: runs every command in order and reports each step', async () => {
  const { run, calls } = scriptedRunner(() => undefined);
  const steps: OpStep[] = [];
  const r = await runOps(TOPOLOGY, run, (s) => steps.push(s));
  assert.deepEqual(r, { ok: true, done: TOPOLOGY, remaining: [] });
  assert.deepEqual(
    calls,
    TOPOLOGY.flatMap(renderOp).map((a) => a.join(' ')),
  );
  assert.deepEqual(
    steps.map((s) => `${s.index}/${s.total} ${s.status}`),
    [
      '0/5 running',
      '0/5 done',
      '1/5 running',
      '1/5 done',
      '2/5 running',
      '2/5 done',
      '3/5 running',
      '3/5 done',
      '4/5 running',
      '4/5 done',
    ],
  );
});

test('runOps: stops at the first failure; says what was done and what remains', async () => {
  const exists: RunResult = { code: 2, stdout: '', stderr: 'RTNETLINK answers: File exists\n' };
  const { run, calls } = scriptedRunner((cmd) => (cmd.startsWith('ip address add') ? exists : undefined));
  const steps: OpStep[] = [];
  const r = await runOps(TOPOLOGY, run, (s) => steps.push(s));
  assert.equal(r.ok, false);
  assert.deepEqual(r.done, TOPOLOGY.slice(0, 2));
  assert.deepEqual(r.remaining, TOPOLOGY.slice(2));
  assert.deepEqual(r.failure, {
    index: 2,
    op: TOPOLOGY[2],
    command: renderOp(TOPOLOGY[2]!)[0],
    commandsDone: 0,
    message: 'add address 10.88.0.1/24 to sy-br: ip exited with code 2: RTNETLINK answers: File exists',
    result: exists,
  });
  assert.equal(calls.length, 4); // 2 (createBridge) + 1 (up) + 1 (the failed add)
  assert.deepEqual(steps.at(-1)?.status, 'failed');
  assert.equal(steps.at(-1)?.error, r.failure?.message);
});

test('runOps: a half-done op (bridge created, alias refused) says so', async () => {
  const { run } = scriptedRunner((cmd) =>
    cmd.includes(' alias ') ? { code: 1, stdout: '', stderr: 'Operation not permitted' } : undefined,
  );
  const r = await runOps(TOPOLOGY, run);
  assert.equal(r.failure?.index, 0);
  assert.equal(r.failure?.commandsDone, 1);
  assert.deepEqual(r.done, []);
  assert.deepEqual(r.remaining, TOPOLOGY);
});

test('runOps: a program that cannot be run is a failure, not a throw', async () => {
  const { run } = scriptedRunner((cmd) =>
    cmd.startsWith('sysctl') ? new Error('sysctl not found on PATH') : undefined,
  );
  const r = await runOps(TOPOLOGY, run);
  assert.equal(r.failure?.index, 3);
  assert.equal(
    r.failure?.message,
    'turn IPv4 forwarding on for sy-br: could not run sysctl: sysctl not found on PATH',
  );
  assert.equal('result' in (r.failure ?? {}), false);
});

test('runOps: a malformed op anywhere throws before the first command runs', async () => {
  const { run, calls } = scriptedRunner(() => undefined);
  await assert.rejects(runOps([...TOPOLOGY, { op: 'setLinkUp', name: '' }], run), InternalError);
  assert.deepEqual(calls, []);
});
