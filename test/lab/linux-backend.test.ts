/**
 * Lab test (root): the Linux backend (src/host/linux/observe.ts, ops.ts) applied for real, inside ONE
 * network namespace this test creates, `sy-lb-<pid hex>-<random hex>`, and deletes (after(), process
 * exit, SIGINT/SIGTERM/SIGHUP; stale ones of dead runs are swept at start).
 *
 * Safety: every command that reads or changes network state runs as `ip netns exec <our ns> …` — the
 * Runner and the file reader handed to observeLinux/runOps are bound to the namespace, and
 * `ip netns exec` fails rather than fall back to the host when the namespace is gone. Sysctls under
 * /proc/sys/net (ip_forward, conf/<if>/forwarding) are per network namespace: they are only written from
 * inside ours, and the last test checks that the host's ip_forward did not move. The "WSL" link is a
 * veth pair created inside the namespace (no dummy module on this kernel).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileRunner, type Runner } from '../../src/host/linux/interfaces.js';
import {
  observeLinux,
  type ObservedLink,
  type ObservedLinux,
  type ReadText,
} from '../../src/host/linux/observe.js';
import {
  bridgeMac,
  nftTableConverged,
  renderNftTable,
  runOps,
  switchyardNftRules,
  type LinuxOp,
} from '../../src/host/linux/ops.js';
import { labSkipReason, listNamespaces, pidAlive } from './netns.js';

const NS_PATTERN = /^sy-lb-([0-9a-f]+)-[0-9a-f]+$/;
const NS = `sy-lb-${process.pid.toString(16)}-${randomBytes(4).toString('hex')}`;
const BR = 'sy-br';
const WSL = 'sy-wsl';
const WSL_PEER = 'sy-wslp';
const RULES = switchyardNftRules({ switches: [{ bridge: BR, subnet: '10.88.0.0/24', nat: true }], wsl: WSL });

const TOPOLOGY: LinuxOp[] = [
  { op: 'createBridge', name: BR },
  { op: 'setLinkUp', name: BR },
  { op: 'addAddress', dev: BR, address: '10.88.0.1', prefix: 24 },
  { op: 'addAddress', dev: WSL, address: '10.89.0.1', prefix: 24 },
  { op: 'setForwarding', dev: BR, on: true },
  { op: 'setForwarding', dev: WSL, on: true },
  { op: 'ensureNftTable', rules: RULES },
];

const skip = labSkipReason(['nft', 'sysctl']);

// ---------------------------------------------------------------------------------------------------------
// our namespace: create, sweep, delete

/** Deletes `sy-lb-<pid hex>-…` namespaces whose pid is dead (crashed runs). Never any other name. */
function sweepStale(): void {
  for (const ns of listNamespaces()) {
    const m = NS_PATTERN.exec(ns);
    if (!m || ns === NS) continue;
    if (!pidAlive(parseInt(m[1]!, 16))) spawnSync('ip', ['netns', 'del', ns], { timeout: 5_000 });
  }
}

let created = false;
function deleteNamespace(): void {
  if (!created) return;
  spawnSync('ip', ['netns', 'del', NS], { timeout: 5_000 });
  created = false;
}
function onSignal(sig: NodeJS.Signals): void {
  deleteNamespace();
  process.off(sig, onSignal);
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

/** Runs argv inside our namespace — the Runner handed to observeLinux and runOps. */
const nsRun: Runner = (file, args) => {
  if (!created) return Promise.reject(new Error(`namespace ${NS} does not exist (refusing to run ${file})`));
  return execFileRunner('ip', ['netns', 'exec', NS, file, ...args]);
};

/** Reads a file as seen from inside our namespace (/proc/sys/net is per namespace). */
const nsRead: ReadText = async (path) => {
  const r = await nsRun('cat', [path]);
  return r.code === 0 ? r.stdout : undefined;
};

async function sh(...argv: string[]): Promise<void> {
  const r = await nsRun(argv[0]!, argv.slice(1));
  assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
}

const observe = (): Promise<ObservedLinux> => observeLinux(nsRun, nsRead);

function link(obs: ObservedLinux, name: string): ObservedLink | undefined {
  return obs.links.find((l) => l.name === name);
}

const hostIpForward = (): string => readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
const hostLinkNames = (): string[] =>
  (
    JSON.parse(spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }).stdout) as { ifname: string }[]
  ).map((l) => l.ifname);

// ---------------------------------------------------------------------------------------------------------

describe('Linux backend in a network namespace', { skip: skip ?? false }, () => {
  let converged: ObservedLinux;
  let workDir: string;
  let hostForwardBefore: string;

  before(async () => {
    hostForwardBefore = hostIpForward();
    sweepStale();
    process.on('exit', deleteNamespace);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
    const r = spawnSync('ip', ['netns', 'add', NS], { encoding: 'utf8', timeout: 5_000 });
    assert.equal(r.status, 0, `ip netns add ${NS}: ${r.stderr}`);
    created = true;
    workDir = mkdtempSync(join(tmpdir(), `${NS}-`));
    // a fresh namespace: nothing but a down lo
    const fresh = await observe();
    assert.deepEqual(
      fresh.links.map((l) => l.name),
      ['lo'],
    );
    await sh('ip', 'link', 'set', 'dev', 'lo', 'up');
    // the "WSL" link: exists before switchyard runs and is not ours
    await sh('ip', 'link', 'add', WSL, 'type', 'veth', 'peer', 'name', WSL_PEER);
    await sh('ip', 'link', 'set', 'dev', WSL, 'up');
    await sh('ip', 'link', 'set', 'dev', WSL_PEER, 'up');
  });

  after(() => {
    deleteNamespace();
    process.off('exit', deleteNamespace);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('nft -c accepts every rendered table; nothing else is in the namespace yet', async () => {
    const tables = [
      renderNftTable(RULES),
      renderNftTable([]),
      renderNftTable(
        switchyardNftRules({
          switches: [
            { bridge: 'br-a', subnet: '10.0.1.0/24', nat: true },
            { bridge: 'br-b.7', subnet: '192.168.77.0/26', nat: false },
          ],
          wsl: 'eth0',
        }),
      ),
    ];
    for (const [i, text] of tables.entries()) {
      const file = join(workDir, `t${i}.nft`);
      writeFileSync(file, text);
      const r = await nsRun('nft', ['-c', '-f', file]);
      assert.equal(r.code, 0, `nft -c -f rejected:\n${text}\n${r.stderr}`);
    }
    const bad = join(workDir, 'bad.nft');
    writeFileSync(bad, renderNftTable(RULES).replace('masquerade', 'masquerad'));
    assert.notEqual((await nsRun('nft', ['-c', '-f', bad])).code, 0);
    const obs = await observe();
    assert.equal(obs.nftTable, undefined);
    assert.equal(obs.ipForward, false);
    assert.equal(link(obs, BR), undefined);
  });

  test('runOps builds the whole topology from nothing; observeLinux shows exactly it, marks included', async () => {
    const r = await runOps(TOPOLOGY, nsRun);
    assert.equal(r.ok, true, r.failure?.message);
    converged = await observe();
    const obs = converged;
    assert.deepEqual(obs.links.map((l) => l.name).sort(), ['lo', BR, WSL, WSL_PEER].sort());
    const br = link(obs, BR);
    assert.deepEqual(br, {
      name: BR,
      index: br?.index,
      kind: 'bridge',
      up: true,
      operState: br?.operState,
      mac: bridgeMac(BR),
      alias: 'switchyard:switch',
      owned: true,
      purpose: 'switch',
      addresses: [{ address: '10.88.0.1', prefix: 24, dynamic: false, label: 'sy-br:sy', owned: true }],
      forwarding: true,
    });
    const wsl = link(obs, WSL);
    assert.equal(wsl?.owned, false);
    assert.equal(wsl?.kind, 'veth');
    assert.equal(wsl?.forwarding, true);
    assert.deepEqual(wsl?.addresses, [
      { address: '10.89.0.1', prefix: 24, dynamic: false, label: 'sy-wsl:sy', owned: true },
    ]);
    assert.equal(link(obs, WSL_PEER)?.forwarding, false);
    assert.equal(link(obs, 'lo')?.forwarding, false);
    assert.equal(obs.ipForward, false);
    const main = obs.routes
      .filter((x) => x.table === 'main')
      .map((x) => `${x.dst} ${x.dev ?? ''} ${x.proto}`);
    assert.deepEqual(main.sort(), ['10.88.0.0/24 sy-br kernel', '10.89.0.0/24 sy-wsl kernel']);
    assert.deepEqual(obs.nftTable?.rules, RULES);
    assert.deepEqual(obs.nftTable?.unrecognized, []);
    assert.equal(nftTableConverged(obs.nftTable, RULES), true);
  });

  test('running the same ops again is harmless: create/add refuse (nothing adopted), ensure ops are no-ops', async () => {
    const again = await runOps(TOPOLOGY, nsRun);
    assert.equal(again.ok, false);
    assert.equal(again.failure?.index, 0);
    assert.match(again.failure?.message ?? '', /File exists/);
    assert.deepEqual(again.done, []);
    assert.deepEqual(await observe(), converged);

    const addAgain = await runOps([TOPOLOGY[2]!], nsRun);
    assert.match(addAgain.failure?.message ?? '', /Address already assigned|File exists/);
    assert.deepEqual(await observe(), converged);

    const ensures = TOPOLOGY.filter((o) => o.op !== 'createBridge' && o.op !== 'addAddress');
    for (let i = 0; i < 2; i++) {
      const r = await runOps(ensures, nsRun);
      assert.equal(r.ok, true, r.failure?.message);
    }
    assert.deepEqual(await observe(), converged);
  });

  test('drift made by hand is observed, and running the repair ops converges again', async () => {
    await sh('ip', 'address', 'del', '10.88.0.1/24', 'dev', BR);
    await sh('sh', '-c', `echo 0 > /proc/sys/net/ipv4/conf/${WSL}/forwarding`);
    await sh('nft', 'delete', 'table', 'inet', 'switchyard');
    await sh('ip', 'link', 'set', 'dev', BR, 'down');
    const drifted = await observe();
    assert.deepEqual(link(drifted, BR)?.addresses, []);
    assert.equal(link(drifted, BR)?.up, false);
    assert.equal(link(drifted, BR)?.owned, true); // the mark is on the link, not the address
    assert.equal(link(drifted, WSL)?.forwarding, false);
    assert.equal(link(drifted, BR)?.forwarding, true);
    assert.equal(drifted.nftTable, undefined);
    assert.equal(
      drifted.routes.some((x) => x.dst === '10.88.0.0/24'),
      false,
    );

    const repair: LinuxOp[] = [
      { op: 'setLinkUp', name: BR },
      { op: 'addAddress', dev: BR, address: '10.88.0.1', prefix: 24 },
      { op: 'setForwarding', dev: WSL, on: true },
      { op: 'ensureNftTable', rules: RULES },
    ];
    const r = await runOps(repair, nsRun);
    assert.equal(r.ok, true, r.failure?.message);
    assert.deepEqual(await observe(), converged);
  });

  test('hand edits inside our nft table are seen as not converged and ensureNftTable rewrites them away', async () => {
    await sh('nft', 'add', 'rule', 'inet', 'switchyard', 'forward', 'counter');
    await sh('nft', 'add', 'chain', 'inet', 'switchyard', 'extra');
    await sh(
      'nft',
      'delete',
      'rule',
      'inet',
      'switchyard',
      'input',
      'handle',
      String(await firstHandle('input')),
    );
    const edited = await observe();
    assert.equal(edited.nftTable?.unrecognized.length, 1);
    assert.equal(edited.nftTable?.rules.length, RULES.length - 1);
    assert.equal(nftTableConverged(edited.nftTable, RULES), false);
    const r = await runOps([{ op: 'ensureNftTable', rules: RULES }], nsRun);
    assert.equal(r.ok, true, r.failure?.message);
    assert.deepEqual(await observe(), converged);
  });

  test('the table is replaced atomically: a batch that fails in the kernel leaves the old table untouched', async () => {
    const other = switchyardNftRules({ switches: [{ bridge: BR, subnet: '10.99.0.0/24', nat: true }] });
    const r = await nsRun('nft', [`${renderNftTable(other)}delete table inet nothere\n`]);
    assert.notEqual(r.code, 0);
    assert.deepEqual(await observe(), converged);
  });

  test('setIpForward is per namespace and overwrites every interface; the host is untouched', async () => {
    const on = await runOps([{ op: 'setIpForward', on: true }], nsRun);
    assert.equal(on.ok, true, on.failure?.message);
    const all = await observe();
    assert.equal(all.ipForward, true);
    assert.deepEqual(
      all.links.map((l) => l.forwarding),
      all.links.map(() => true),
    );
    assert.equal(hostIpForward(), hostForwardBefore);

    const off = await runOps([{ op: 'setIpForward', on: false }], nsRun);
    assert.equal(off.ok, true, off.failure?.message);
    const none = await observe();
    assert.equal(none.ipForward, false);
    assert.deepEqual(
      none.links.map((l) => l.forwarding),
      none.links.map(() => false),
    );
    const restore = await runOps(
      [
        { op: 'setForwarding', dev: BR, on: true },
        { op: 'setForwarding', dev: WSL, on: true },
      ],
      nsRun,
    );
    assert.equal(restore.ok, true, restore.failure?.message);
    assert.deepEqual(await observe(), converged);
  });

  test('teardown ops remove what is ours and leave the foreign link', async () => {
    const r = await runOps(
      [
        { op: 'deleteNftTable' },
        { op: 'delAddress', dev: WSL, address: '10.89.0.1', prefix: 24 },
        { op: 'deleteLink', name: BR },
      ],
      nsRun,
    );
    assert.equal(r.ok, true, r.failure?.message);
    const obs = await observe();
    assert.equal(link(obs, BR), undefined);
    assert.equal(obs.nftTable, undefined);
    assert.deepEqual(link(obs, WSL)?.addresses, []);
    assert.equal(link(obs, WSL)?.owned, false);
    const again = await runOps([{ op: 'deleteNftTable' }], nsRun);
    assert.equal(again.ok, false);
  });

  test('the host namespace was not touched', () => {
    assert.equal(hostIpForward(), hostForwardBefore);
    const names = hostLinkNames();
    for (const n of [BR, WSL, WSL_PEER]) assert.equal(names.includes(n), false, `${n} in the host namespace`);
  });
});

/** Handle of the first rule of a chain of our table (to delete one rule by hand). */
async function firstHandle(chain: string): Promise<number> {
  const r = await nsRun('nft', ['-j', 'list', 'chain', 'inet', 'switchyard', chain]);
  const data = JSON.parse(r.stdout) as { nftables: { rule?: { handle: number } }[] };
  const rule = data.nftables.find((o) => o.rule !== undefined)?.rule;
  assert.ok(rule, `a rule in chain ${chain}`);
  return rule.handle;
}
