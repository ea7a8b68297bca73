import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fixedClock } from '../clock.js';
import { UsageError } from '../errors.js';
import { guestCommand } from './guest.js';
import { vagrantCommand } from './vagrant.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(): { dir: string; config: string; stateDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sy-vagrant-'));
  dirs.push(dir);
  const config = join(dir, 'switchyard.yaml');
  writeFileSync(
    config,
    `switches:
  - name: lab
    subnet: 10.20.0.0/24
    host: 10.20.0.1
    dns:
      domain: lab.test
    dhcp:
      mtu: 1400
`,
  );
  return { dir, config, stateDir: join(dir, 'state') };
}
const clock = fixedClock(1_700_000_000_000);

describe('switchyard vagrant', () => {
  test('reserves and prints the lines; a second run reuses the reservation', async () => {
    const { config, stateDir } = setup();
    const out = await vagrantCommand('web', { config, stateDir }, clock);
    assert.match(out, /reserved web: 00:15:5d:/);
    assert.match(out, /bridge: 'lab'/);
    assert.match(out, /hv\.mac = '00155D[0-9A-F]{6}'/);
    assert.match(out, /hv_kvp_daemon/);
    assert.match(out, /^config\.vm\.hostname = 'web'$/m);
    assert.match(out, /^# next: vagrant up --provider hyperv$/m);
    assert.match(out, /synced_folder '\.', '\/vagrant', disabled: true/);
    assert.match(readFileSync(config, 'utf8'), /name: web/);
    const again = await vagrantCommand('web', { config, stateDir }, clock);
    assert.match(again, /using the existing reservation web/);
  });

  test('--init writes a Vagrantfile for several boxes and refuses to overwrite it', async () => {
    const { dir, config, stateDir } = setup();
    const out = await vagrantCommand(['web', 'db'], { config, stateDir, init: true, dir, box: 'b/x' }, clock);
    assert.match(out, /wrote .*Vagrantfile/);
    assert.match(out, /^next: vagrant up --provider hyperv$/m);
    const vf = readFileSync(join(dir, 'Vagrantfile'), 'utf8');
    assert.match(vf, /define 'web'/);
    assert.match(vf, /define 'db'/);
    const macs = [...vf.matchAll(/hv\.mac = '(\w+)'/g)].map((m) => m[1]);
    assert.equal(new Set(macs).size, 2);
    await assert.rejects(vagrantCommand('other', { config, stateDir, init: true, dir }, clock), UsageError);
    assert.doesNotMatch(readFileSync(config, 'utf8'), /name: other/, 'no reservation when refusing');
  });

  test('--static adds a run-always provisioner with the guest config of the reservation', async () => {
    const { config, stateDir } = setup();
    const out = await vagrantCommand('web', { config, stateDir, ip: '10.20.0.9', static: 'networkd' }, clock);
    assert.match(out, /config\.vm\.provision 'switchyard-static', type: 'shell', run: 'always'/);
    assert.match(out, /\/etc\/systemd\/network\/10-switchyard-web\.network/);
    assert.match(out, /Address=10\.20\.0\.9\/24\nGateway=10\.20\.0\.1/);
    assert.match(out, /systemctl restart systemd-networkd/);
    const two = await vagrantCommand(['web', 'db'], { config, stateDir, static: 'netplan' }, clock);
    assert.equal(two.match(/run: 'always'/g)?.length, 2);
    assert.match(two, /\nnetplan apply\n {2}SWITCHYARD_PROVISION\nend/);
    const nm = await vagrantCommand('nmbox', { config, stateDir, static: 'nm' }, clock);
    assert.match(nm, /system-connections\/switchyard-nmbox\.nmconnection/);
    assert.match(nm, /nmcli connection up 'switchyard-nmbox'/);
    const ifd = await vagrantCommand('ifbox', { config, stateDir, static: 'ifupdown' }, clock);
    assert.match(ifd, /interfaces\.d\/switchyard-ifbox/);
    assert.match(ifd, /\nifup eth0\n/);
    await assert.rejects(
      vagrantCommand('web', { config, stateDir, static: 'wicked' }, clock),
      /--static must be one of netplan, networkd, nm, ifupdown/,
    );
  });

  test('bad input', async () => {
    const { config, stateDir } = setup();
    await assert.rejects(
      vagrantCommand(['a', 'b'], { config, stateDir, mac: '00:15:5d:00:00:01' }, clock),
      UsageError,
    );
    await assert.rejects(vagrantCommand(['a', 'A'], { config, stateDir }, clock), UsageError);
  });
});

describe('switchyard guest', () => {
  test('prints each kind from a reservation', async () => {
    const { config, stateDir } = setup();
    await vagrantCommand('web', { config, stateDir, ip: '10.20.0.9' }, clock);
    const nd = await guestCommand('networkd', 'web', { config });
    assert.match(nd, /install as \/etc\/systemd\/network\/10-switchyard-web\.network/);
    assert.match(nd, /Address=10\.20\.0\.9\/24\nGateway=10\.20\.0\.1\nDNS=10\.20\.0\.1\nDomains=lab\.test/);
    assert.match(nd, /MTUBytes=1400/);
    assert.match(await guestCommand('netplan', 'web', { config }), /mode 600/);
    assert.match(await guestCommand('nm', 'web', { config }), /method=manual/);
    assert.match(await guestCommand('ifupdown', 'web', { config, iface: 'ens1' }), /iface ens1 inet static/);
  });
  test('unknown name or kind', async () => {
    const { config } = setup();
    await assert.rejects(guestCommand('networkd', 'nope', { config }), UsageError);
    await assert.rejects(guestCommand('wicked', 'nope', { config }), UsageError);
  });
});
