import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandNames, parsePowerShell } from '../../../test/support/ps-parse.js';
import { formatIpv4 } from '../../net/ipv4.js';
import { windowsUplink } from './uplink.js';
import { keeperScript, parseKeeperResult } from './keeper-script.js';
import { powershellArgs } from './command-line.js';
import { interpretRun } from './outcome.js';

/** NetTCPIP only (no Hyper-V, NetSecurity, ScheduledTasks, DnsClient…), plus the prelude's own functions. */
const ALLOWED_COMMANDS = new Set([
  'ConvertTo-Json',
  'Write-Output', // the language-mode check's error marker (prelude.ts PS_LANGUAGE_GUARD)
  'Out-Marked',
  'Get-ErrInfo',
  'NetTCPIP\\Get-NetIPInterface',
  'NetTCPIP\\Set-NetIPInterface',
  'NetTCPIP\\Get-NetIPAddress',
  'NetTCPIP\\Get-NetRoute',
  'Where-Object',
  'Select-Object',
]);

test('keeper script: parses, calls NetTCPIP only, fits one command line; aliases stay literals', async () => {
  for (const uplink of [false, true]) {
    const script = keeperScript({
      forward: ['vEthernet (switchyard)', "vEthernet (it's’; Stop-Computer)", '$(Stop-Computer)'],
      wsl: true,
      uplink,
    });
    assert.deepEqual((await parsePowerShell(script)).errors, []);
    powershellArgs(script);
    for (const name of await commandNames(script)) assert.ok(ALLOWED_COMMANDS.has(name), name);
    // no PowerShell 7-only syntax (the null-coalescing and null-conditional operators, the ternary)
    assert.doesNotMatch(script, /\?\?|\?\.|\s\?\s/);
    assert.match(script, /\$keep = @\('vEthernet \(switchyard\)', 'vEthernet \(it''s’’; Stop-Computer\)'/);
  }
  assert.match(keeperScript({ forward: [], wsl: false, uplink: false }), /\$wslName = \$null/);
});

test('keeper result: 5.1 shapes (enums as numbers, one-element arrays collapsed) read back', () => {
  const stdout = [
    'noise before',
    '<<<SWITCHYARD-JSON',
    JSON.stringify({
      schema: 1,
      elevated: false,
      interfaces: [
        { InterfaceAlias: 'Wi-Fi', InterfaceIndex: 7, Forwarding: 0, NlMtu: 1500, ConnectionState: 1 },
        { InterfaceAlias: 'Ethernet 3', InterfaceIndex: 31, Forwarding: 0, NlMtu: 1400, ConnectionState: 1 },
        { InterfaceAlias: 'vEthernet (WSL)', InterfaceIndex: 44, Forwarding: 0, NlMtu: 1500 },
      ],
      addresses: { IPAddress: '192.168.1.23', PrefixLength: 24, InterfaceAlias: 'Wi-Fi', PrefixOrigin: 3 },
      routes: [
        { DestinationPrefix: '0.0.0.0/0', InterfaceAlias: 'Wi-Fi', NextHop: '192.168.1.1', RouteMetric: 0 },
        { DestinationPrefix: '10.200.0.0/16', InterfaceAlias: 'Ethernet 3', NextHop: '0.0.0.0' },
      ],
      enabled: 'vEthernet (switchyard)',
      failed: {
        alias: 'vEthernet (WSL)',
        message: 'Access is denied.',
        errorId: 'Windows System Error 5,Set-NetIPInterface',
      },
    }),
    'SWITCHYARD-JSON>>>',
  ].join('\r\n');
  const outcome = interpretRun({ code: 0, stdout, stderr: '' });
  assert.ok(outcome.ok);
  const r = parseKeeperResult(outcome.value);
  if (typeof r === 'string') assert.fail(r);
  assert.deepEqual(r.enabled, ['vEthernet (switchyard)']);
  assert.deepEqual(r.failed, [
    {
      alias: 'vEthernet (WSL)',
      message: 'Access is denied.',
      errorId: 'Windows System Error 5,Set-NetIPInterface',
    },
  ]);
  assert.equal(r.observed.elevated, false);
  assert.equal(formatIpv4(r.observed.addresses![0]!.address), '192.168.1.23');
  const up = windowsUplink(r.observed);
  assert.deepEqual(
    up.links.map((l) => `${l.name} ${l.mtu}`),
    ['Wi-Fi 1500', 'Ethernet 3 1400'],
    'WSL is never an uplink',
  );
  assert.equal(up.routes.length, 2);
  const wrong = parseKeeperResult({ schema: 2 });
  assert.ok(typeof wrong === 'string' && /schema/.test(wrong), JSON.stringify(wrong));
  assert.equal(parseKeeperResult('x'), 'the keeper script returned no object');
});
