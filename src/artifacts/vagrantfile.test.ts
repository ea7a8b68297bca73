import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mac } from '../net/mac.js';
import { hypervMac, rubyString, vagrantfile, vagrantfileLines } from './vagrantfile.js';

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
