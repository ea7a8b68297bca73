/** `reserve`/`unreserve` on a file: the user's style kept, and a client already known by the name pinned. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fixedClock } from '../clock.js';
import { journalPath } from '../dhcp/journal.js';
import { reserveCommand, unreserveCommand } from './reserve.js';

const NOW = 1_700_000_000_000;
const clock = fixedClock(NOW);
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(config: string, leases: { mac: string; ip: string; hostname?: string }[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-reserve-'));
  dirs.push(dir);
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, config);
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  const at = new Date(NOW - 60_000).toISOString();
  const expires = new Date(NOW + 3600_000).toISOString();
  writeFileSync(
    journalPath(stateDir),
    leases
      .map((l) =>
        JSON.stringify({
          at,
          switch: 'lab',
          state: 'bound',
          mac: l.mac,
          ip: l.ip,
          expires,
          hostname: l.hostname,
        }),
      )
      .join('\n') + (leases.length ? '\n' : ''),
  );
  return { file, stateDir };
}

const BASE = `switches:
  - name: lab
    subnet: 10.20.0.0/24
    host: 10.20.0.1
`;

describe('reserve NAME for a client that already holds a lease as NAME', () => {
  test("reserves that client's MAC and address, keeping its DNS name", async () => {
    const { file, stateDir } = setup(BASE, [
      { mac: '00:15:5d:12:34:56', ip: '10.20.0.150', hostname: 'Web.localdomain' },
      { mac: '00:15:5d:12:34:57', ip: '10.20.0.151', hostname: 'db' },
    ]);
    const out = await reserveCommand('web', { config: file, stateDir }, clock);
    assert.match(out, /reserved web: 00:15:5d:12:34:56 → 10\.20\.0\.150/);
    assert.match(out, /the client that holds a lease as "web"/);
    assert.match(
      readFileSync(file, 'utf8'),
      /- name: web\n {10}mac: "00:15:5d:12:34:56"\n {10}ip: 10\.20\.0\.150\n/,
    );
  });

  test('two clients with that name: asks which, changes nothing', async () => {
    const { file, stateDir } = setup(BASE, [
      { mac: '00:15:5d:12:34:56', ip: '10.20.0.150', hostname: 'web' },
      { mac: '00:15:5d:12:34:57', ip: '10.20.0.151', hostname: 'web' },
    ]);
    await assert.rejects(
      reserveCommand('web', { config: file, stateDir }, clock),
      /2 clients hold leases as "web" \(00:15:5d:12:34:56 at 10\.20\.0\.150, 00:15:5d:12:34:57 at 10\.20\.0\.151\): say which with --mac/,
    );
    assert.equal(readFileSync(file, 'utf8'), BASE);
  });

  test('no such client: a new MAC and an address outside the pool, as before', async () => {
    const { file, stateDir } = setup(BASE, [{ mac: '00:15:5d:12:34:57', ip: '10.20.0.151', hostname: 'db' }]);
    const out = await reserveCommand('web', { config: file, stateDir }, clock);
    assert.doesNotMatch(out, /00:15:5d:12:34:57/);
    assert.doesNotMatch(out, /holds a lease as/);
  });
});

describe('reserve/unreserve keep the file in its style', () => {
  test('a flow-style dhcp mapping is rewritten in block style with the entry; comments elsewhere stay', async () => {
    const text = `# my lab
switches:
  - name: lab   # the switch
    subnet: 10.20.0.0/24
    host: 10.20.0.1
    dhcp: { leaseTime: 1h, rateLimit: { packets: 5 } }   # short leases
    nat: true     # NAT on
`;
    const { file, stateDir } = setup(text);
    await reserveCommand('web', { config: file, stateDir, mac: '00:15:5d:00:00:09', ip: '10.20.0.9' }, clock);
    assert.equal(
      readFileSync(file, 'utf8'),
      `# my lab
switches:
  - name: lab   # the switch
    subnet: 10.20.0.0/24
    host: 10.20.0.1
    dhcp:   # short leases
      leaseTime: 1h
      rateLimit: { packets: 5 }
      reservations:
        - name: web
          mac: "00:15:5d:00:00:09"
          ip: 10.20.0.9
    nat: true     # NAT on
`,
    );
  });

  test('unreserve takes the comment above its entry with it, and only that one', async () => {
    const text = `${BASE}    dhcp:
      reservations:
        # the web server, for the demo
        - { name: web, mac: "00:15:5d:00:00:01", ip: 10.20.0.5 }
        # the database
        - { name: db, mac: "00:15:5d:00:00:02", ip: 10.20.0.6 }
`;
    const { file, stateDir } = setup(text);
    await unreserveCommand('web', { config: file, stateDir });
    assert.equal(
      readFileSync(file, 'utf8'),
      `${BASE}    dhcp:
      reservations:
        # the database
        - { name: db, mac: "00:15:5d:00:00:02", ip: 10.20.0.6 }
`,
    );
  });
});
