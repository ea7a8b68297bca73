/**
 * Lab test (root): files generated for Vagrant boxes and static-IP guests, checked by the real tools.
 * - `vagrant validate` with the Hyper-V provider's settings checked off Windows (a VAGRANT_HOME whose
 *   Vagrantfile stubs provider usability, as `validate --ignore-provider` does, but keeps config validation);
 * - `netplan generate --root-dir` with no WARNING;
 * - the real systemd-networkd, for 2 s, in private mount + network namespaces this test creates (they go
 *   away with its `unshare` child), over the generated .network file; any complaint fails;
 * - NetworkManager keyfiles: `nmcli --offline` (NetworkManager >= 1.44) when present, else skipped.
 * Each check has a negative control, so a silent tool cannot pass a broken file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  guestConfig,
  guestNetplan,
  guestNetworkd,
  guestNmKeyfile,
  guestPath,
  type GuestSpec,
} from '../../src/artifacts/guest.js';
import { vagrantfile, type VagrantMachine } from '../../src/artifacts/vagrantfile.js';
import { cidr, ipv4 } from '../../src/net/ipv4.js';
import { mac } from '../../src/net/mac.js';
import { missingBinaries } from './netns.js';

const work = mkdtempSync(join(tmpdir(), 'sy-guest-lab-'));
after(() => {
  rmSync(work, { recursive: true, force: true });
});

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
const need = (bins: string[]): string | false => {
  if (!isRoot) return 'lab test: needs root on Linux';
  const missing = missingBinaries(bins);
  return missing.length > 0
    ? `missing ${missing.join(', ')} (run: sudo bash scripts/install-deps.sh)`
    : false;
};

const SPECS: GuestSpec[] = [
  {
    name: 'web',
    mac: mac('00:15:5d:0a:0b:0c'),
    ip: ipv4('10.20.0.5'),
    scope: {
      subnet: cidr('10.20.0.0/24'),
      router: ipv4('10.20.0.1'),
      dnsServers: [ipv4('10.20.0.1'), ipv4('1.1.1.1')],
      domain: 'lab.test',
      mtu: 1400,
    },
  },
  {
    name: 'bare',
    mac: mac('00:15:5d:00:00:09'),
    ip: ipv4('192.168.7.9'),
    scope: { subnet: cidr('192.168.7.0/26'), router: undefined, dnsServers: [], domain: '', mtu: undefined },
  },
];

const STUB_HOME_VAGRANTFILE = `Vagrant.plugin("2").manager.providers.each do |_key, data|
  data[0].class_eval do
    def initialize(machine); end
    def machine_id_changed; end
    def self.installed?; true; end
    def self.usable?(raise_error = false); true; end
    def state
      Vagrant::MachineState.new(Vagrant::MachineState::NOT_CREATED_ID, :not_created, :not_created)
    end
  end
end
`;

function vagrantValidate(text: string): { ok: boolean; out: string } {
  const home = join(work, 'vagrant-home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'Vagrantfile'), STUB_HOME_VAGRANTFILE);
  const proj = mkdtempSync(join(work, 'vproj-'));
  writeFileSync(join(proj, 'Vagrantfile'), text);
  const r = spawnSync('vagrant', ['validate', '--no-tty'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      VAGRANT_HOME: home,
      VAGRANT_DEFAULT_PROVIDER: 'hyperv',
      VAGRANT_CWD: proj,
      VAGRANT_DOTFILE_PATH: join(proj, '.vagrant'),
      VAGRANT_CHECKPOINT_DISABLE: '1',
    },
  });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

const MACHINES: VagrantMachine[] = [
  { name: 'web', boxName: 'generic/ubuntu2204', switchName: 'switchyard', mac: mac('00:15:5d:00:00:01') },
  {
    name: 'db',
    boxName: 'generic/debian12',
    switchName: "Bob's switch \\ #{x}",
    mac: mac('00:15:5d:00:00:02'),
  },
  { name: 'cache', boxName: 'generic/alpine318', switchName: 'switchyard', mac: mac('00:15:5d:00:00:03') },
];

describe('generated Vagrantfiles pass vagrant validate (Hyper-V provider config checked)', () => {
  const skip = need(['vagrant']);
  test('one box, and several boxes each with their own MAC', { skip }, () => {
    for (const machines of [MACHINES.slice(0, 1), MACHINES]) {
      const r = vagrantValidate(vagrantfile({ machines }));
      assert.ok(r.ok, r.out);
      assert.match(r.out, /validated successfully/);
    }
  });
  test('boxes with a static guest config (netplan and networkd run-always provisioners)', { skip }, () => {
    const machines = MACHINES.map((m, i): VagrantMachine => {
      const kind = i === 1 ? 'networkd' : 'netplan';
      const spec = SPECS[i % SPECS.length]!;
      const where = guestPath(kind, m.name);
      return {
        ...m,
        static: {
          kind,
          path: where.path,
          mode: where.mode,
          content: guestConfig(kind, { ...spec, mac: m.mac }),
        },
      };
    });
    const r = vagrantValidate(vagrantfile({ machines }));
    assert.ok(r.ok, r.out);
    assert.match(r.out, /validated successfully/);
  });
  test('negative control: an unknown provisioner option fails', { skip }, () => {
    const m: VagrantMachine = {
      ...MACHINES[0]!,
      static: { kind: 'netplan', path: '/etc/netplan/x.yaml', mode: 0o600, content: guestNetplan(SPECS[0]!) },
    };
    const r = vagrantValidate(
      vagrantfile({ machines: [m] }).replace("run: 'always',", "run: 'always', bogus: 1,"),
    );
    assert.equal(r.ok, false, r.out);
    assert.match(r.out, /bogus/);
  });
  test('negative control: an unknown hv.* key fails', { skip }, () => {
    const bad = vagrantfile({ machines: MACHINES.slice(0, 1) }).replace('hv.mac =', 'hv.macaddress =');
    const r = vagrantValidate(bad);
    assert.equal(r.ok, false, r.out);
    assert.match(r.out, /shouldn't exist: macaddress/);
  });
});

function netplanGenerate(yaml: string): { ok: boolean; out: string; root: string } {
  const root = mkdtempSync(join(work, 'netplan-'));
  mkdirSync(join(root, 'etc/netplan'), { recursive: true });
  const file = join(root, 'etc/netplan/60-switchyard.yaml');
  writeFileSync(file, yaml);
  chmodSync(file, 0o600);
  const r = spawnSync('netplan', ['generate', '--root-dir', root], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && !/WARNING/i.test(out), out, root };
}

describe('netplan output passes netplan generate with no warning', () => {
  const skip = need(['netplan']);
  for (const s of SPECS) {
    test(`reservation ${s.name}`, { skip }, () => {
      const r = netplanGenerate(guestNetplan(s));
      assert.ok(r.ok, r.out);
      const nd = readFileSync(join(r.root, `run/systemd/network/10-netplan-sy-${s.name}.network`), 'utf8');
      assert.match(nd, new RegExp(`MACAddress=${s.mac}`));
      assert.match(
        nd,
        new RegExp(`Address=${s.ip === SPECS[0]!.ip ? '10\\.20\\.0\\.5/24' : '192\\.168\\.7\\.9/26'}`),
      );
    });
  }
  test('negative control: a bad key fails', { skip }, () => {
    assert.equal(netplanGenerate(guestNetplan(SPECS[0]!).replace('dhcp4: false', 'dhcp4: maybe')).ok, false);
  });
});

/** Runs the real systemd-networkd for 2 s in private mount + network namespaces over DIR's .network files. */
function networkdCheck(files: Record<string, string>): { ok: boolean; out: string } {
  // systemd-networkd drops to the systemd-network user: a 0700 mkdtemp dir would silently load nothing.
  chmodSync(work, 0o755);
  const dir = mkdtempSync(join(work, 'networkd-'));
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
  const r = spawnSync(
    'unshare',
    [
      '-mn',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs tmpfs /run/systemd && mount --bind "$0" /etc/systemd/network && ' +
        'SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=notice timeout 2 /lib/systemd/systemd-networkd',
      dir,
    ],
    { encoding: 'utf8' },
  );
  const out = `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => l !== '' && !/^(Enumeration completed|.*Link UP|.*Gained carrier|lo: .*)$/.test(l))
    .join('\n');
  return { ok: out === '', out };
}

describe('networkd files are accepted by systemd-networkd', () => {
  const skip =
    need(['unshare', 'timeout']) ||
    (existsSync('/lib/systemd/systemd-networkd') ? false : 'systemd-networkd not installed');
  test('every reservation, loaded together', { skip }, () => {
    const r = networkdCheck(
      Object.fromEntries(SPECS.map((s) => [`10-switchyard-${s.name}.network`, guestNetworkd(s)])),
    );
    assert.ok(r.ok, r.out);
  });
  test('negative control: a misspelled key is reported', { skip }, () => {
    const r = networkdCheck({ '10-bad.network': guestNetworkd(SPECS[0]!).replace('Gateway=', 'Gatway=') });
    assert.equal(r.ok, false);
    assert.match(r.out, /Gatway/);
  });
});

describe('NetworkManager keyfiles', () => {
  const offline =
    isRoot &&
    missingBinaries(['nmcli']).length === 0 &&
    spawnSync('nmcli', ['--offline', 'connection', 'add', '--help'], { encoding: 'utf8' }).status === 0;
  const skip = offline
    ? false
    : 'not validated: needs `nmcli --offline` (NetworkManager >= 1.44; Debian 12 ships 1.42)';
  test('nmcli --offline accepts every keyfile', { skip }, () => {
    for (const s of SPECS) {
      const path = join(work, `switchyard-${s.name}.nmconnection`);
      writeFileSync(path, guestNmKeyfile(s), { mode: 0o600 });
      const r = spawnSync('nmcli', ['--offline', 'connection', 'modify', 'ipv4.may-fail', 'yes'], {
        input: readFileSync(path),
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    }
  });
});
