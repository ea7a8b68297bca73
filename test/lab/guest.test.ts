/**
 * Lab test (root): files generated for Vagrant boxes and static-IP guests, checked by the real tools.
 * - `vagrant validate` with the Hyper-V provider's settings checked off Windows (a VAGRANT_HOME whose
 *   Vagrantfile stubs provider usability, as `validate --ignore-provider` does, but keeps config validation);
 * - `netplan generate --root-dir` with no WARNING;
 * - the real systemd-networkd, for 2 s, in private mount + network namespaces this test creates (they go
 *   away with its `unshare` child), over the generated .network file; any complaint fails;
 * - NetworkManager keyfiles: libnm's own reader (nm_keyfile_read, verify, normalize) via python3-gi, since
 *   `nmcli --offline` needs NetworkManager >= 1.44 and Debian 12 ships 1.42; the parsed values are compared.
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
import { cidr, formatIpv4, ipv4 } from '../../src/net/ipv4.js';
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
  test(
    'boxes with a static guest config (netplan, networkd, nm and ifupdown run-always provisioners)',
    { skip },
    () => {
      const kinds = ['netplan', 'networkd', 'nm', 'ifupdown'] as const;
      const machines = [...MACHINES, { ...MACHINES[0]!, name: 'four', mac: mac('00:15:5d:00:00:04') }].map(
        (m, i): VagrantMachine => {
          const kind = kinds[i % kinds.length]!;
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
        },
      );
      const r = vagrantValidate(vagrantfile({ machines }));
      assert.ok(r.ok, r.out);
      assert.match(r.out, /validated successfully/);
    },
  );
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

/**
 * libnm's own keyfile reader, through GObject introspection (Debian: python3-gi, gir1.2-nm-1.0): load
 * the file with GLib.KeyFile, NM.keyfile_read() it (NM >= 1.30; any reader warning -- an unparsable value,
 * which libnm would otherwise silently drop -- fails), then verify() and normalize() the connection, and
 * print what NetworkManager understood as JSON so the test can compare it with the spec (a misspelled
 * key is ignored by the reader, so only that comparison catches it). Exit 1 with libnm's message on error.
 * This stands in for `nmcli --offline` (NetworkManager >= 1.44; Debian 12 ships 1.42).
 */
const NM_KEYFILE_CHECK = `
import json, sys, gi
gi.require_version("NM", "1.0")
from gi.repository import GLib, NM

warnings = []
def handler(keyfile, connection, handler_type, handler_data, user_data):
    if handler_type == NM.KeyfileHandlerType.WARN:
        warnings.append(handler_data.warn_get().out_message)
    return True

try:
    kf = GLib.KeyFile()
    kf.load_from_file(sys.argv[1], GLib.KeyFileFlags.NONE)
    c = NM.keyfile_read(kf, "/etc/NetworkManager/system-connections", NM.KeyfileHandlerFlags.NONE, handler, None)
    if warnings:
        sys.exit("keyfile_read warnings: " + "; ".join(warnings))
    c.verify()
    c.normalize()
    c.verify()
except GLib.Error as e:
    sys.exit("libnm: " + e.message)
s = c.get_setting_connection()
e = c.get_setting_wired()
v4 = c.get_setting_ip4_config()
v6 = c.get_setting_ip6_config()
print(json.dumps({
    "id": s.get_id(), "uuid": s.get_uuid(), "type": s.get_connection_type(), "autoconnect": s.get_autoconnect(),
    "mac": e.get_mac_address() if e else None, "mtu": e.get_mtu() if e else None,
    "ipv4": v4.get_method(),
    "addresses": ["%s/%d" % (a.get_address(), a.get_prefix()) for a in (v4.get_address(i) for i in range(v4.get_num_addresses()))],
    "gateway": v4.get_gateway(),
    "dns": [v4.get_dns(i) for i in range(v4.get_num_dns())],
    "dnsSearch": [v4.get_dns_search(i) for i in range(v4.get_num_dns_searches())],
    "ipv6": v6.get_method() if v6 else None,
}))
`;
/** The system python (a pyenv/venv python3 on PATH would not see Debian's python3-gi). */
const SYS_PY = '/usr/bin/python3';

function nmKeyfileCheck(
  name: string,
  text: string,
): { ok: boolean; out: string; conn?: Record<string, unknown> } {
  const path = join(work, `${name}.nmconnection`);
  writeFileSync(path, text, { mode: 0o600 });
  const r = spawnSync(SYS_PY, ['-c', NM_KEYFILE_CHECK, path], { encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`.trim();
  if (r.status !== 0) return { ok: false, out };
  return { ok: true, out, conn: JSON.parse(r.stdout) as Record<string, unknown> };
}

describe('NetworkManager keyfiles are accepted by libnm (nm_keyfile_read + verify + normalize)', () => {
  const skip = !existsSync(SYS_PY)
    ? `${SYS_PY} not installed (run: sudo bash scripts/install-deps.sh)`
    : spawnSync(SYS_PY, ['-c', 'import gi; gi.require_version("NM", "1.0"); from gi.repository import NM'], {
          encoding: 'utf8',
        }).status !== 0
      ? 'libnm GObject introspection missing: needs python3-gi and gir1.2-nm-1.0 (run: sudo bash scripts/install-deps.sh)'
      : false;
  for (const s of SPECS) {
    test(`reservation ${s.name}`, { skip }, (t) => {
      const r = nmKeyfileCheck(`switchyard-${s.name}`, guestNmKeyfile(s));
      assert.ok(r.ok, r.out);
      t.diagnostic(r.out);
      const prefix = s.scope.subnet.prefix;
      assert.deepEqual(r.conn, {
        id: `switchyard-${s.name}`,
        uuid: r.conn?.uuid,
        type: '802-3-ethernet',
        autoconnect: true,
        mac: s.mac.toUpperCase(),
        mtu: s.scope.mtu ?? 0,
        ipv4: 'manual',
        addresses: [`${formatIpv4(s.ip)}/${prefix}`],
        gateway: s.scope.router !== undefined ? formatIpv4(s.scope.router) : null,
        dns: s.scope.dnsServers.map((d) => formatIpv4(d)),
        dnsSearch: s.scope.domain !== '' ? [s.scope.domain] : [],
        ipv6: 'ignore',
      });
      assert.match(String(r.conn?.uuid), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });
  }
  test('negative control: an invalid address fails', { skip }, () => {
    const r = nmKeyfileCheck(
      'bad-addr',
      guestNmKeyfile(SPECS[0]!).replace('address1=10.20.0.5/', 'address1=10.20.0.300/'),
    );
    assert.equal(r.ok, false, r.out);
    assert.match(r.out, /Invalid IPv4 address '10\.20\.0\.300'/);
  });
  test('negative control: a bad connection type fails', { skip }, () => {
    const r = nmKeyfileCheck('bad-type', guestNmKeyfile(SPECS[0]!).replace('type=ethernet', 'type=ethernot'));
    assert.equal(r.ok, false, r.out);
    assert.match(r.out, /connection type 'ethernot' is not valid/);
  });
  test('negative control: a misspelled key is dropped, so the parsed values differ', { skip }, () => {
    const r = nmKeyfileCheck('bad-key', guestNmKeyfile(SPECS[0]!).replace('\ndns=', '\ndnss='));
    assert.ok(r.ok, r.out);
    assert.deepEqual(r.conn?.dns, []);
  });
});
