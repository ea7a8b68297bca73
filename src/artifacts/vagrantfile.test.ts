import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mac } from '../net/mac.js';
import {
  hypervMac,
  rubyString,
  staticApply,
  staticProvisioner,
  staticScript,
  vagrantfile,
  vagrantfileLines,
  type StaticGuest,
} from './vagrantfile.js';

describe('vagrantfile', () => {
  test('lines for one box', () => {
    const l = vagrantfileLines({
      boxName: 'generic/debian12',
      switchName: 'lab',
      mac: mac('00:15:5d:0a:0b:0c'),
    });
    assert.ok(l.includes("config.vm.network 'public_network', bridge: 'lab'"));
    assert.ok(l.includes("  hv.mac = '00155D0A0B0C'"));
    assert.ok(l.includes("config.vm.provider 'hyperv' do |hv|"));
  });
  test("the default synced folder is off, with how to share one without Hyper-V's SMB credential prompt", () => {
    const l = vagrantfileLines({ boxName: 'b', switchName: 'lab', mac: mac('00:15:5d:0a:0b:0c') }, 'node');
    assert.ok(l.includes("node.vm.synced_folder '.', '/vagrant', disabled: true"));
    const note = l.slice(0, l.indexOf("node.vm.synced_folder '.', '/vagrant', disabled: true")).join('\n');
    assert.match(note, /SMB .* asks for a Windows user name and password/);
    assert.match(note, /node\.vm\.synced_folder '\.', '\/vagrant', type: 'rsync'/);
    assert.match(note, /smb_username: ENV\['USERNAME'\]/);
  });
  test('quoting and MAC spelling', () => {
    assert.equal(rubyString("it's \\ #{x}"), "'it\\'s \\\\ #{x}'");
    assert.equal(hypervMac(mac('00-15-5d-aa-bb-cc')), '00155DAABBCC');
  });
  test('several machines, each its own define and MAC, with the KVP note', () => {
    const t = vagrantfile({
      machines: [
        { name: 'web', boxName: 'b', switchName: 'lab', mac: mac('00:15:5d:00:00:01') },
        { name: 'db', boxName: 'b', switchName: 'lab', mac: mac('00:15:5d:00:00:02') },
      ],
    });
    assert.match(t, /hv_kvp_daemon/);
    assert.match(t, /config\.vm\.define 'web' do \|node\|[^]*hv\.mac = '00155D000001'/);
    assert.match(t, /config\.vm\.define 'db' do \|node\|[^]*hv\.mac = '00155D000002'/);
    assert.match(t, /node\.vm\.hostname = 'db'/);
    assert.ok(t.endsWith('end\n'));
  });
});

describe('static guest provisioner', () => {
  const g: StaticGuest = {
    kind: 'netplan',
    path: '/etc/netplan/60-switchyard-web.yaml',
    mode: 0o600,
    content: "network:\n  version: 2\n  # it's \\ $HOME `x` #{y}\n",
  };
  test('a run-always shell provisioner with the file verbatim in a literal heredoc', () => {
    const t = vagrantfile({
      machines: [{ name: 'web', boxName: 'b', switchName: 'lab', mac: mac('00:15:5d:00:00:01'), static: g }],
    });
    assert.match(t, /node\.vm\.provision 'switchyard-static', type: 'shell', run: 'always'/);
    assert.match(t, /inline: <<-'SWITCHYARD_PROVISION'\n/);
    assert.ok(t.includes(`\n${g.content}SWITCHYARD_GUEST_CONFIG\n`), 'body not indented or escaped');
    assert.match(t, /\nnetplan apply\n {4}SWITCHYARD_PROVISION\n {2}end\n/);
    assert.match(t, /chmod 600 /);
    assert.match(
      staticProvisioner({ ...g, kind: 'networkd' }).join('\n'),
      /systemctl restart systemd-networkd/,
    );
  });
  test('the script writes the file with its mode, atomically, and applies it each run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-static-'));
    try {
      const stub = join(dir, 'netplan');
      writeFileSync(stub, `#!/bin/sh\necho "$@" >> ${dir}/applied\n`);
      chmodSync(stub, 0o755);
      const path = join(dir, "etc/net plan/it's.yaml");
      const script = staticScript({ ...g, path });
      for (let i = 0; i < 2; i++) {
        const r = spawnSync('sh', ['-c', script], {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` },
        });
        assert.equal(r.status, 0, r.stderr);
      }
      assert.equal(readFileSync(path, 'utf8'), g.content);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(readFileSync(join(dir, 'applied'), 'utf8'), 'apply\napply\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('NetworkManager: reload the keyfiles and bring the connection up by its id', () => {
    const nm: StaticGuest = {
      kind: 'nm',
      path: '/etc/NetworkManager/system-connections/switchyard-web.nmconnection',
      mode: 0o600,
      content: '[connection]\nid=switchyard-web\n',
    };
    assert.deepEqual(staticApply(nm), ['nmcli connection reload', "nmcli connection up 'switchyard-web'"]);
  });
  test("ifupdown: the box's own dhcp stanza for the interface is commented out once; then down and up", () => {
    const ifd: StaticGuest = {
      kind: 'ifupdown',
      path: '/etc/network/interfaces.d/switchyard-web',
      mode: 0o644,
      content: 'auto ens1\niface ens1 inet static\n    address 10.0.0.5/24\n',
    };
    const cmds = staticApply(ifd);
    assert.deepEqual(cmds.slice(1), ['ifdown --force ens1 2>/dev/null || true', 'ifup ens1']);
    const dir = mkdtempSync(join(tmpdir(), 'sy-ifupdown-'));
    try {
      const file = join(dir, 'interfaces');
      const before =
        'auto lo\niface lo inet loopback\n\nallow-hotplug ens1\niface ens1 inet dhcp\niface ens10 inet dhcp\n';
      writeFileSync(file, before);
      const sed = cmds[0]!.replace('/etc/network/interfaces', `'${file}'`);
      for (let i = 0; i < 2; i++) assert.equal(spawnSync('sh', ['-c', sed]).status, 0);
      assert.equal(
        readFileSync(file, 'utf8'),
        'auto lo\niface lo inet loopback\n\nallow-hotplug ens1\n# iface ens1 inet dhcp  # switchyard: static, see interfaces.d\niface ens10 inet dhcp\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('refuses content that would end a heredoc', () => {
    assert.throws(() => staticScript({ ...g, content: 'a\nSWITCHYARD_GUEST_CONFIG\n' }));
    assert.throws(() => staticProvisioner({ ...g, content: 'a\n  SWITCHYARD_PROVISION\n' }));
  });
});
