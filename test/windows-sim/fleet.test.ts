/**
 * The fleet pair (issue 22, point 1) as Intune Remediations or Ansible would run them, in pwsh against the
 * simulated Windows: the detection script exits 1 with one JSON line on a drifted host, the converge script
 * (the remediation) fixes it, and detection then exits 0.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { windowsCheckScript } from '../../src/artifacts/windows-check.js';
import { windowsScript } from '../../src/artifacts/windows-script.js';
import { parseConfig } from '../../src/config/load.js';
import { ipv4 } from '../../src/net/ipv4.js';
import { SimWindowsHost } from './host.js';
import { pwshMissing, runScriptText } from './runner.js';

const PWSH = { skip: pwshMissing() };

const CONFIG = parseConfig(
  `switches:
  - name: dev
    subnet: 10.30.0.0/24
wsl:
  subnet: 10.31.0.0/20
`,
  'fleet.yaml',
);

function laptop(): SimWindowsHost {
  const h = new SimWindowsHost();
  const wsl = 'vEthernet (WSL (Hyper-V firewall))';
  h.addAdapter(wsl, [{ address: ipv4('172.27.16.1'), prefix: 20, dynamic: false }]);
  h.addAdapter('Wi-Fi', [{ address: ipv4('192.168.1.23'), prefix: 24, dynamic: true }]);
  h.hyperVFirewall = { defaultInboundAction: 'block' };
  h.adapterDelay = 1;
  return h;
}

async function run(h: SimWindowsHost, script: string): Promise<{ code: number; stdout: string }> {
  h.push();
  const r = await runScriptText(h.dir, h.session, h.state.accounts[h.session.account]!.profile, script);
  h.pull();
  return r;
}

describe('fleet pair in pwsh: detection, remediation, detection', PWSH, () => {
  test('drifted → exit 1 and one JSON line; after the converge script → exit 0', async () => {
    const h = laptop();
    const detect = windowsCheckScript(CONFIG, '0.0.0-test');
    const before = await run(h, detect);
    assert.equal(before.code, 1, before.stdout);
    const json = before.stdout.trim().split('\n').at(-1)!;
    const drift = (JSON.parse(json) as { drift: { resource: string }[] }).drift.map((d) => d.resource);
    for (const r of ['switch', 'host-address', 'nat', 'forwarding', 'firewall', 'wsl-range', 'wslconfig'])
      assert.ok(drift.includes(r), `${r} in ${json}`);

    const fix = await run(h, windowsScript(CONFIG, '0.0.0-test'));
    assert.equal(fix.code, 0, fix.stdout);
    assert.match(fix.stdout, /done: the host matches the config/);
    assert.match(fix.stdout, /\[1\/\d+\] /, 'one progress line per step');

    const after = await run(h, detect);
    assert.equal(after.code, 0, after.stdout);
    assert.match(after.stdout, /compliant/);
    // Run again: the guarded steps create nothing twice (the firewall rules of our group are rewritten),
    // and the host still matches.
    const calls = h.calls().length;
    const again = await run(h, windowsScript(CONFIG, '0.0.0-test'));
    assert.equal(again.code, 0, again.stdout);
    const second = h.calls().slice(calls);
    assert.ok(
      !second.some((c) => /^New-(VMSwitch|NetIPAddress|NetNat)\b|^Add-DnsClientNrptRule/.test(c)),
      second.join('\n'),
    );
    assert.equal((await run(h, detect)).code, 0);
  });

  test('detection needs no elevation: an unelevated run reports, and changes nothing', async () => {
    const h = laptop();
    h.session = { account: 'dev', elevated: false };
    const r = await run(h, windowsCheckScript(CONFIG, '0.0.0-test'));
    assert.equal(r.code, 1, r.stdout);
    assert.ok(!h.calls().some((c) => /^(New|Set|Remove|Add|Register)-/.test(c)), h.calls().join('\n'));
  });

  test('a UTF-16 .wslconfig stays UTF-16 after the converge script; a re-created switch is drift again', async () => {
    const h = laptop();
    h.wslconfig = '# mine\r\n[wsl2]\r\nmemory=4GB\r\n';
    h.wslconfigEncoding = 'utf16le';
    const fix = await run(h, windowsScript(CONFIG, '0.0.0-test'));
    assert.equal(fix.code, 0, fix.stdout);
    assert.equal(h.wslconfigEncoding, 'utf16le');
    // The fleet script's simpler edit puts the line right under [wsl2].
    assert.equal(h.wslconfig, '# mine\r\n[wsl2]\r\nnetworkingMode=nat\r\nmemory=4GB\r\n');
    const detect = windowsCheckScript(CONFIG, '0.0.0-test');
    assert.equal((await run(h, detect)).code, 0);
    // The user re-creates the switch: its new vNIC is not the interface the rules were scoped to.
    const again = await run(
      h,
      "Remove-VMSwitch -Name 'dev' -Force\nNew-VMSwitch -Name 'dev' -SwitchType Internal -Notes 'switchyard' | Out-Null\n",
    );
    assert.equal(again.code, 0, again.stdout);
    const drifted = await run(h, detect);
    assert.equal(drifted.code, 1, drifted.stdout);
    assert.match(drifted.stdout, /"resource":"firewall"/);
  });
});
