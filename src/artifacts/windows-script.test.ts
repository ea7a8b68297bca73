/**
 * Every script we generate parses with zero errors under the tree-sitter PowerShell grammar, and values
 * from the config — hostile ones included — stay data: no command appears that we did not write.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  commandNames,
  decodeVerbatimString,
  nodesOfType,
  parsePowerShell,
} from '../../test/support/ps-parse.js';
import { parseConfig } from '../config/load.js';
import type { Op } from '../model/ops.js';
import { cidr, ipv4 } from '../net/ipv4.js';
import { renderOpPs, renderOpsPs } from '../host/windows/ops.js';
import { psString } from '../ps-quote.js';
import { windowsScript } from './windows-script.js';

const HOSTILE = [
  `x'; Remove-Item C:\\ -Recurse; '`,
  'x$(Invoke-Expression calc)',
  'x`nStop-Computer',
  'a\u2019; Restart-Computer; \u2018b',
  'x" ; Format-Volume -DriveLetter C ; "',
  'x # <# Get-Process #>',
];

/** Commands our scripts use; anything else in the parse tree would be an injection. */
const OURS = new Set([
  'Write-Output', // the language-mode check's error marker (prelude.ts PS_LANGUAGE_GUARD)
  'Get-VMSwitch',
  'New-VMSwitch',
  'Remove-VMSwitch',
  'Get-VMNetworkAdapter',
  'Get-NetAdapter',
  'Start-Sleep',
  'Get-Date',
  'Get-NetIPAddress',
  'New-NetIPAddress',
  'Remove-NetIPAddress',
  'Get-NetNat',
  'New-NetNat',
  'Remove-NetNat',
  'Set-NetIPInterface',
  'Get-NetFirewallRule',
  'Remove-NetFirewallRule',
  'New-NetFirewallRule',
  'Test-Path',
  'New-Item',
  'Set-ItemProperty',
  'Remove-ItemProperty',
  'Join-Path',
  'Get-Command',
  'Set-NetFirewallHyperVVMSetting',
  'Get-DnsClientNrptRule',
  'Add-DnsClientNrptRule',
  'Remove-DnsClientNrptRule',
  'Out-Null',
  'Where-Object',
  'ForEach-Object',
  'Get-NetRoute',
  'ConvertTo-Json',
  'Out-Marked',
  'Get-ErrInfo',
  'Test-Overlap',
  'ToRange',
  'exit',
  // the fleet converge script: progress lines, and the WSL range read before it is set
  'Write-Host',
  'Get-ItemProperty',
  'New-Object',
]);

const CONFIGS: Record<string, string> = {
  minimal: 'switches:\n  - name: switchyard\n',
  'design example': `switches:
  - name: switchyard
    subnet: 10.0.251.0/24
    host: auto
    nat: true
    dhcp:
      pool: 10.0.251.100-10.0.251.199
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.0.251.10 }
wsl:
  subnet: auto
forwarding: true
avoid: [10.0.0.0/8]
`,
  'two switches, no nat on one':
    'switches:\n  - { name: dev, subnet: 10.30.0.0/24 }\n  - { name: test (2), subnet: 10.31.0.0/24, nat: false }\nwsl: { subnet: 10.32.0.0/20 }\n',
};

describe('generated PowerShell', () => {
  for (const [name, yaml] of Object.entries(CONFIGS)) {
    test(`script for "${name}" parses with zero errors and runs only our commands`, async () => {
      const script = windowsScript(parseConfig(yaml, 't.yaml', 'win32'), '0.0.0');
      assert.deepEqual((await parsePowerShell(script)).errors, []);
      const unknown = (await commandNames(script)).filter((c) => !OURS.has(c));
      assert.deepEqual(unknown, []);
    });
  }

  for (const evil of HOSTILE) {
    test(`a hostile interface name stays one string literal: ${JSON.stringify(evil)}`, async () => {
      const yaml = `switches:\n  - name: lab\n    interface: ${JSON.stringify(evil)}\n    subnet: 10.40.0.0/24\n`;
      const script = windowsScript(parseConfig(yaml, 't.yaml', 'win32'), '0.0.0');
      assert.deepEqual((await parsePowerShell(script)).errors, []);
      assert.deepEqual(
        (await commandNames(script)).filter((c) => !OURS.has(c)),
        [],
      );
      assert.ok(script.includes(psString(evil)), 'the name is there, quoted as one literal');
      const literals = await nodesOfType(script, 'verbatim_string_characters');
      assert.ok(literals.includes(psString(evil)), 'the grammar reads it as one literal');
    });
  }

  test('every operation renders to valid PowerShell, hostile values included', async () => {
    const evil = HOSTILE[0]!;
    const ops: Op[] = [
      { op: 'createSwitch', name: evil },
      { op: 'deleteSwitch', name: evil },
      { op: 'waitInterface', iface: evil, timeoutS: 30 },
      { op: 'addAddress', iface: evil, address: ipv4('10.0.0.1'), prefix: 24 },
      { op: 'removeAddress', iface: evil, address: ipv4('10.0.0.1'), prefix: 24 },
      { op: 'createNat', name: evil, prefix: cidr('10.0.0.0/24'), outsideOf: evil },
      { op: 'deleteNat', name: evil },
      { op: 'setForwarding', iface: evil, on: true },
      {
        op: 'setFirewall',
        rules: [{ name: evil, protocol: 'udp', port: 67, from: [cidr('10.0.0.0/24'), cidr('0.0.0.0/32')] }],
      },
      { op: 'setWslNat', subnet: cidr('10.1.0.0/20'), gateway: ipv4('10.1.0.1') },
      { op: 'clearWslUserIp' },
      { op: 'setWslConfig', text: `[wsl2]\r\nnetworkingMode=nat\r\n# ${evil}\r\n` },
      // A hand-written file: `\\` paths, quotes of every kind, `$`, backticks, here-string markers.
      {
        op: 'setWslConfig',
        text: `${HOSTILE.map((h) => `# ${h}`).join('\r\n')}\r\nkernel=C:\\\\k\r\n'@\r\n"@\n`,
      },
      { op: 'setHyperVFirewallInbound' },
      { op: 'addNrptRule', namespace: evil, servers: [ipv4('10.0.0.1')], comment: evil },
      { op: 'removeNrptRule', name: evil },
    ];
    const text = renderOpsPs(ops);
    assert.deepEqual((await parsePowerShell(text)).errors, []);
    assert.deepEqual(
      (await commandNames(text)).filter((c) => !OURS.has(c)),
      [],
    );
    for (const op of ops) assert.ok(renderOpPs(op).length > 0);
  });

  test('setWslConfig passes the file as one literal that reads back byte for byte (CRLF, comments, \\\\ paths)', async () => {
    const text = `# mine \u2019quoted\u2019 'too'\r\n[wsl2]\r\nkernel=C:\\\\Users\\\\dev\\\\bzImage # \`$(x)\r\nnetworkingMode=nat\r\n\r\n`;
    const script = renderOpPs({ op: 'setWslConfig', text });
    assert.deepEqual((await parsePowerShell(script)).errors, []);
    const literals = await nodesOfType(script, 'verbatim_string_characters');
    const literal = literals.find((l) => l !== "'.wslconfig'");
    assert.ok(literal !== undefined);
    assert.deepEqual(decodeVerbatimString(literal), { value: text, length: literal.length });
  });

  test('setHyperVFirewallInbound is guarded: it runs only where the cmdlet exists (not on Windows 10)', () => {
    assert.equal(
      renderOpPs({ op: 'setHyperVFirewallInbound' }),
      "if (Get-Command -Name 'Set-NetFirewallHyperVVMSetting' -ErrorAction SilentlyContinue) { Set-NetFirewallHyperVVMSetting -Name '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}' -DefaultInboundAction Allow }",
    );
  });
});

describe('generated PowerShell: NRPT rule', () => {
  test('one guarded Add-DnsClientNrptRule per switch with DNS on, marked with the switch name', async () => {
    const yaml =
      'switches:\n  - { name: dev, subnet: 10.30.0.0/24, dns: { domain: dev.lab } }\n  - { name: test (2), subnet: 10.31.0.0/24, dns: { enabled: false } }\n';
    const script = windowsScript(parseConfig(yaml, 't.yaml', 'win32'), '0.0.0');
    assert.deepEqual((await parsePowerShell(script)).errors, []);
    const adds = script.split('\n').filter((l) => /Add-DnsClientNrptRule/.test(l));
    assert.deepEqual(
      adds.map((l) => l.trim()),
      [
        "if (-not $kept -and $foreign.Count -eq 0) { Add-DnsClientNrptRule -Namespace '.dev.lab' -NameServers @('10.30.0.1') -Comment 'switchyard:dev' }",
      ],
    );
    assert.match(script, /# \+ dns-rule dev: send \.dev\.lab lookups to 10\.30\.0\.1/);
    const literals = await nodesOfType(script, 'verbatim_string_characters');
    assert.ok(literals.includes("'switchyard:dev'"), 'the mark is one literal');
  });

  test('the default domain, when dns: is left out', () => {
    const script = windowsScript(
      parseConfig('switches:\n  - name: switchyard\n', 't.yaml', 'win32'),
      '0.0.0',
    );
    assert.match(script, /Add-DnsClientNrptRule -Namespace '\.switchyard\.internal' /);
  });
});
