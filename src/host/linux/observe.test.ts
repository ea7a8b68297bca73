import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EnvironmentError } from '../../errors.js';
import type { RunResult, Runner } from './interfaces.js';
import {
  observeLinux,
  parseLinks,
  parseNftTable,
  parseNftTables,
  parseRoutes,
  type NftRuleSpec,
  type ObservedLink,
} from './observe.js';
import { bridgeMac, switchyardNftRules } from './ops.js';

// Recorded by test/fixtures/linux/capture.sh (iproute2 6.1.0, nftables 1.0.6, inside a throw-away netns).
const fixture = (name: string): string =>
  readFileSync(new URL(`../../../../test/fixtures/linux/${name}`, import.meta.url), 'utf8');

const IP_ADDR = fixture('ip-addr.json');
const IP_ROUTE = fixture('ip-route.json');
const NFT_TABLES = fixture('nft-tables.json');
const NFT_TABLES_NONE = fixture('nft-tables-none.json');
const NFT_TABLE = fixture('nft-table.json');
const NFT_DRIFTED = fixture('nft-table-drifted.json');

/** The topology capture.sh renders into nft-table.nft. */
const FIXTURE_RULES = switchyardNftRules({
  switches: [{ bridge: 'sy-br', subnet: '10.88.0.0/24', nat: true }],
  wsl: 'sy-wsl',
});

function byName(links: ObservedLink[], name: string): ObservedLink {
  const l = links.find((x) => x.name === name);
  assert.ok(l, `link ${name}`);
  return l;
}

test('parseLinks: every link of `ip -j -d address show`, IPv4 addresses only', () => {
  const links = parseLinks(IP_ADDR);
  assert.deepEqual(
    links.map((l) => l.name),
    ['lo', 'sy-br', 'sy-portp', 'sy-port', 'sy-wslp', 'sy-wsl'],
  );
  const lo = byName(links, 'lo');
  assert.equal(lo.kind, undefined);
  assert.deepEqual(lo.addresses, [
    { address: '127.0.0.1', prefix: 8, dynamic: false, label: 'lo', owned: false },
  ]);
});

test('parseLinks: our bridge — kind, alias mark, purpose, stable MAC, labelled address', () => {
  const br = byName(parseLinks(IP_ADDR), 'sy-br');
  assert.deepEqual(br, {
    name: 'sy-br',
    index: br.index,
    kind: 'bridge',
    up: true,
    operState: br.operState,
    mac: bridgeMac('sy-br'),
    alias: 'switchyard:switch',
    owned: true,
    purpose: 'switch',
    addresses: [{ address: '10.88.0.1', prefix: 24, dynamic: false, label: 'sy-br:sy', owned: true }],
  });
});

test('parseLinks: a bridge port has its master; a foreign link is not ours but our labelled address on it is', () => {
  const links = parseLinks(IP_ADDR);
  const port = byName(links, 'sy-port');
  assert.equal(port.master, 'sy-br');
  assert.equal(port.kind, 'veth');
  assert.equal(port.owned, false);
  const wsl = byName(links, 'sy-wsl');
  assert.equal(wsl.owned, false);
  assert.equal(wsl.alias, undefined);
  assert.equal(wsl.purpose, undefined);
  assert.deepEqual(wsl.addresses, [
    { address: '10.89.0.1', prefix: 24, dynamic: false, label: 'sy-wsl:sy', owned: true },
    { address: '192.168.1.57', prefix: 24, dynamic: true, label: 'sy-wsl', owned: false },
  ]);
});

test('parseLinks: any address on an owned link is ours; an alias without our prefix is not a mark', () => {
  const json = JSON.stringify([
    {
      ifindex: 7,
      ifname: 'br9',
      flags: ['BROADCAST'],
      operstate: 'DOWN',
      ifalias: 'switchyard:switch',
      addr_info: [{ family: 'inet', local: '10.1.0.1', prefixlen: 24, valid_life_time: 4294967295 }],
    },
    { ifindex: 8, ifname: 'eth0', flags: ['UP'], operstate: 'UP', ifalias: 'uplink switchyard:x' },
  ]);
  const [br, eth] = parseLinks(json);
  assert.equal(br?.up, false);
  assert.deepEqual(br?.addresses, [{ address: '10.1.0.1', prefix: 24, dynamic: false, owned: true }]);
  assert.equal(eth?.owned, false);
  assert.deepEqual(eth?.addresses, []);
});

test('parseLinks: output that is not iproute2 JSON is an EnvironmentError', () => {
  assert.throws(() => parseLinks('Object "address" is unknown'), EnvironmentError);
  assert.throws(() => parseLinks('{}'), EnvironmentError);
});

test('parseRoutes: every table, normalised to CIDR, defaults filled in', () => {
  const routes = parseRoutes(IP_ROUTE);
  const find = (dst: string, table = 'main'): unknown =>
    routes.find((r) => r.dst === dst && r.table === table);
  assert.deepEqual(find('0.0.0.0/0'), {
    dst: '0.0.0.0/0',
    type: 'unicast',
    table: 'main',
    proto: 'boot',
    dev: 'sy-wsl',
    gateway: '10.89.0.254',
  });
  // a wg-quick style policy-routing table: VPN routes live outside main
  assert.deepEqual(find('10.203.0.0/16', '51820'), {
    dst: '10.203.0.0/16',
    type: 'unicast',
    table: '51820',
    proto: 'boot',
    dev: 'sy-wsl',
  });
  assert.deepEqual(find('10.88.0.0/24'), {
    dst: '10.88.0.0/24',
    type: 'unicast',
    table: 'main',
    proto: 'kernel',
    dev: 'sy-br',
  });
  assert.deepEqual(find('10.200.0.0/16'), {
    dst: '10.200.0.0/16',
    type: 'unicast',
    table: 'main',
    proto: 'static',
    dev: 'sy-wsl',
    gateway: '10.89.0.2',
  });
  // multipath: the first next hop
  assert.deepEqual(find('10.201.0.0/16'), {
    dst: '10.201.0.0/16',
    type: 'unicast',
    table: 'main',
    proto: 'boot',
    dev: 'sy-wsl',
    gateway: '10.89.0.2',
  });
  assert.deepEqual(find('10.202.0.0/16'), {
    dst: '10.202.0.0/16',
    type: 'blackhole',
    table: 'main',
    proto: 'boot',
  });
  assert.deepEqual(find('10.204.0.1/32'), {
    dst: '10.204.0.1/32',
    type: 'unicast',
    table: 'main',
    proto: 'dhcp',
    dev: 'sy-wsl',
  });
  assert.deepEqual(
    routes
      .filter((r) => r.table === 'local')
      .map((r) => `${r.type} ${r.dst}`)
      .slice(0, 2),
    ['local 10.88.0.1/32', 'broadcast 10.88.0.255/32'],
  );
  assert.equal(routes.length, (JSON.parse(IP_ROUTE) as unknown[]).length);
});

test('parseNftTables: lists family and name', () => {
  assert.deepEqual(parseNftTables(NFT_TABLES), [
    { family: 'inet', name: 'switchyard' },
    { family: 'ip', name: 'other' },
  ]);
  assert.deepEqual(parseNftTables(NFT_TABLES_NONE), []);
  assert.throws(() => parseNftTables('[]'), EnvironmentError);
  assert.throws(() => parseNftTables('Error: Operation not permitted'), EnvironmentError);
});

test('parseNftTable: the table as rendered reads back as exactly the rules that were rendered', () => {
  const t = parseNftTable(NFT_TABLE);
  assert.ok(t);
  assert.deepEqual(t.chains, [
    { name: 'postrouting', type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' },
    { name: 'input', type: 'filter', hook: 'input', prio: 0, policy: 'accept' },
    { name: 'forward', type: 'filter', hook: 'forward', prio: 0, policy: 'accept' },
  ]);
  assert.deepEqual(t.rules, FIXTURE_RULES);
  assert.deepEqual(t.unrecognized, []);
});

test('parseNftTable: hand edits show up as extra chains, other rule shapes and foreign objects', () => {
  const t = parseNftTable(NFT_DRIFTED);
  assert.ok(t);
  assert.deepEqual(
    t.chains.map((c) => c.name),
    ['postrouting', 'input', 'forward', 'extra'],
  );
  assert.deepEqual(t.chains[3], { name: 'extra' });
  const extra: NftRuleSpec = {
    kind: 'masquerade',
    source: '10.88.0.7/32',
    outIf: 'sy-wsl',
    outIfNegated: false,
  };
  assert.deepEqual(t.rules, [...FIXTURE_RULES.slice(0, 1), extra, ...FIXTURE_RULES.slice(1)]);
  assert.deepEqual(
    t.unrecognized.map((u) => [u.chain, u.handle, u.reason]),
    [
      ['', undefined, 'unexpected set object'],
      ['input', 14, "not one of switchyard's rule shapes for chain input"],
      ['forward', 13, 'unexpected expression counter'],
    ],
  );
});

test('parseNftTable: a rule shape in the wrong chain is not recognized', () => {
  const json = JSON.stringify({
    nftables: [
      { table: { family: 'inet', name: 'switchyard', handle: 1 } },
      {
        rule: {
          family: 'inet',
          table: 'switchyard',
          chain: 'input',
          handle: 2,
          expr: [
            { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } },
            { accept: null },
          ],
        },
      },
    ],
  });
  assert.deepEqual(parseNftTable(json)?.rules, []);
  assert.equal(parseNftTable(json)?.unrecognized.length, 1);
});

test('parseNftTable: no inet switchyard table in the output → undefined', () => {
  assert.equal(parseNftTable(NFT_TABLES_NONE), undefined);
});

// ---------------------------------------------------------------------------------------------------------

function fakeHost(opts: { nftTables?: string; failIp?: boolean } = {}): {
  run: Runner;
  calls: string[];
  reads: string[];
} {
  const calls: string[] = [];
  const reads: string[] = [];
  const ok = (stdout: string): RunResult => ({ code: 0, stdout, stderr: '' });
  const run: Runner = (file, args) => {
    const cmd = [file, ...args].join(' ');
    calls.push(cmd);
    if (cmd === 'ip -j -d address show') {
      return Promise.resolve(
        opts.failIp ? { code: 255, stdout: '', stderr: 'Cannot open netlink socket' } : ok(IP_ADDR),
      );
    }
    if (cmd === 'ip -j -4 route show table all') return Promise.resolve(ok(IP_ROUTE));
    if (cmd === 'nft -j list tables') return Promise.resolve(ok(opts.nftTables ?? NFT_TABLES));
    if (cmd === 'nft -j list table inet switchyard') return Promise.resolve(ok(NFT_TABLE));
    if (cmd === 'resolvectl dns')
      return Promise.resolve(ok('Global: 10.9.0.1\nLink 2 (sy-br): 10.0.251.1\n'));
    if (cmd === 'resolvectl domain') return Promise.resolve(ok('Link 2 (sy-br): ~switchyard.internal\n'));
    return Promise.reject(new Error(`unexpected command ${cmd}`));
  };
  return { run, calls, reads };
}

test('observeLinux: one pass over ip, nft and /proc/sys; forwarding per link', async () => {
  const host = fakeHost();
  const files: Record<string, string> = {
    '/proc/sys/net/ipv4/ip_forward': '0\n',
    '/proc/sys/net/ipv4/conf/sy-br/forwarding': '1\n',
    '/proc/sys/net/ipv4/conf/sy-wsl/forwarding': '1\n',
    '/proc/sys/net/ipv4/conf/lo/forwarding': '0\n',
    '/proc/sys/net/ipv4/conf/sy-port/forwarding': '0\n',
    '/proc/sys/net/ipv4/conf/sy-portp/forwarding': '0\n',
    // sy-wslp: vanished between the listing and the read
  };
  const obs = await observeLinux(host.run, (path) => {
    host.reads.push(path);
    return Promise.resolve(files[path]);
  });
  assert.deepEqual(host.calls.sort(), [
    'ip -j -4 route show table all',
    'ip -j -d address show',
    'nft -j list table inet switchyard',
    'nft -j list tables',
    'resolvectl dns',
    'resolvectl domain',
  ]);
  assert.deepEqual(obs.resolved, {
    running: true,
    links: [{ iface: 'sy-br', index: 2, servers: ['10.0.251.1'], domains: ['~switchyard.internal'] }],
  });
  assert.equal(host.reads.length, 7);
  assert.equal(obs.ipForward, false);
  assert.deepEqual(
    obs.links.map((l) => [l.name, l.forwarding]),
    [
      ['lo', false],
      ['sy-br', true],
      ['sy-portp', false],
      ['sy-port', false],
      ['sy-wslp', undefined],
      ['sy-wsl', true],
    ],
  );
  assert.equal('forwarding' in byName(obs.links, 'sy-wslp'), false);
  assert.deepEqual(obs.nftTable?.rules, FIXTURE_RULES);
  assert.equal(obs.routes.length, parseRoutes(IP_ROUTE).length);
});

test('observeLinux: no table inet switchyard is normal (not listed, not an error)', async () => {
  const host = fakeHost({ nftTables: NFT_TABLES_NONE });
  const obs = await observeLinux(host.run, (p) => Promise.resolve(p.endsWith('ip_forward') ? '1' : '1'));
  assert.equal(obs.nftTable, undefined);
  assert.equal(obs.ipForward, true);
  assert.equal(host.calls.includes('nft -j list table inet switchyard'), false);
});

test('observeLinux: a failing command or a missing program is an EnvironmentError that says which', async () => {
  await assert.rejects(
    observeLinux(fakeHost({ failIp: true }).run, () => Promise.resolve(undefined)),
    (err: unknown) =>
      err instanceof EnvironmentError &&
      /ip -j -d address show failed \(exit 255\): Cannot open/.test(err.message),
  );
  const noNft: Runner = (file, args) =>
    file === 'nft' ? Promise.reject(new Error('spawn nft ENOENT')) : fakeHost().run(file, args);
  await assert.rejects(
    observeLinux(noNft, () => Promise.resolve(undefined)),
    (err: unknown) => err instanceof EnvironmentError && /install nftables/.test(err.message),
  );
});
