import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';

/** Runs in real pwsh against the simulated Windows (skipped, with how to get pwsh, when it is missing). */
const PWSH = { skip: pwshMissing() };
import { parseConfig } from '../config/load.js';
import type { DaemonReply } from '../daemon/control/client.js';
import { readPinned, writePinned } from '../model/pinned.js';
import { cidr, ipv4, parseIpv4 } from '../net/ipv4.js';
import { applyPlan } from '../reconcile/apply.js';
import { doctorCommand, udpSockets, type DoctorProbes } from './doctor.js';
import { computePlan } from '../reconcile/compute.js';

const CONFIG = parseConfig(
  `switches:
  - name: lab
wsl: {}
`,
  'doctor.yaml',
);
const WSL = 'vEthernet (WSL (Hyper-V firewall))';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  host: SimWindowsHost;
  stateDir: string;
  probes: DoctorProbes;
  daemon: { reply: DaemonReply };
}

/** A Windows host converged by apply (ranges pinned), WSL restarted onto its pinned range, a daemon answering. */
async function converged(): Promise<Setup> {
  const stateDir = mkdtempSync(join(tmpdir(), 'sy-doctor-'));
  dirs.push(stateDir);
  const host = new SimWindowsHost();
  host.addAdapter(WSL, [{ address: ipv4('172.27.16.1'), prefix: 20, dynamic: false }]);
  host.wslAdapter = WSL;
  host.addAdapter('Wi-Fi', [{ address: ipv4('192.168.1.23'), prefix: 24, dynamic: true }]);
  host.routes.push(
    { dest: cidr('192.168.1.0/24'), iface: 'Wi-Fi' },
    { dest: cidr('0.0.0.0/0'), iface: 'Wi-Fi' },
  );
  host.hyperVFirewall = { defaultInboundAction: 'block' };
  const r = await computePlan(CONFIG, stateDir, host);
  await writePinned(stateDir, r.addresses.pinned);
  const report = await applyPlan(r.plan, host);
  assert.equal(report.failed, undefined);
  assert.deepEqual((await computePlan(CONFIG, stateDir, host)).plan.changes, []);
  // `wsl --shutdown`: WSL's adapter comes back on the pinned range, forwarding off (the daemon re-applies it).
  const wslGw = parseIpv4(host.lxss.natGateway!)!;
  const wslAdapter = host.adapters.find((a) => a.name === WSL)!;
  wslAdapter.addresses = [{ address: wslGw, prefix: 20, dynamic: false }];
  const pinned = await readPinned(stateDir);
  assert.ok(pinned && !('error' in pinned));
  const lab = pinned.switches.lab!;
  const daemon: { reply: DaemonReply } = {
    reply: {
      running: true,
      ok: true,
      result: {
        pid: 777,
        switches: [{ name: 'lab', subnet: lab.subnet, host: lab.host, dynamicLeases: 0, maxLeases: 1000 }],
        dns: [{ switch: 'lab', listening: `udp+tcp ${lab.host}:53`, names: 2 }],
      },
    },
  };
  const probes: DoctorProbes = {
    daemon: () => Promise.resolve(daemon.reply),
    ports: () => Promise.resolve([{ port: 67, holder: 'node', pid: 777 }]),
  };
  return { host, stateDir, probes, daemon };
}

async function doctor(s: Setup, json = false): Promise<{ output: string; exitCode: 0 | 1 }> {
  return doctorCommand(CONFIG, s.stateDir, s.host, json, s.probes);
}

interface JsonCheck {
  id: string;
  title: string;
  ok: boolean;
  detail: string;
  fix: string | null;
}

async function failures(s: Setup): Promise<JsonCheck[]> {
  const r = await doctor(s, true);
  const parsed = JSON.parse(r.output) as { checks: JsonCheck[] };
  const failed = parsed.checks.filter((c) => !c.ok);
  assert.equal(r.exitCode, failed.length > 0 ? 1 : 0);
  return failed;
}

describe('doctor on the simulated Windows host', PWSH, () => {
  test('converged: all green, exit 0', async () => {
    const s = await converged();
    const r = await doctor(s);
    assert.equal(r.exitCode, 0, r.output);
    assert.ok(!r.output.includes('✘'), r.output);
    assert.match(r.output, /✔ switch lab exists — Internal; adapter vEthernet \(lab\)/);
    assert.match(r.output, /✔ daemon running and answering — pid 777; serving lab/);
    assert.match(
      r.output,
      /✔ DNS answering on switch lab — udp\+tcp [\d.]+:53; 2 names in switchyard\.internal/,
    );
    assert.match(r.output, /all \d+ checks passed/);
    const j = JSON.parse((await doctor(s, true)).output) as { checks: JsonCheck[] };
    assert.ok(j.checks.length >= 13);
    for (const c of j.checks) assert.deepEqual(Object.keys(c), ['id', 'title', 'ok', 'detail', 'fix']);
  });

  const breaks: {
    what: string;
    breakIt: (s: Setup) => void;
    id: string;
    detail: RegExp;
    fix: RegExp;
  }[] = [
    {
      what: 'a VPN route clashing with the pinned switch range',
      breakIt: (s) => {
        s.host.routes.push({ dest: cidr('192.168.0.0/16'), iface: 'Cisco AnyConnect' });
      },
      id: 'range:switch:lab',
      detail: /192\.168\.0\.0\/16 via Cisco AnyConnect/,
      fix: /pinned\.json/,
    },
    {
      what: 'a second (foreign) NetNat',
      breakIt: (s) => {
        s.host.nats.push({ name: 'DockerNAT', prefix: cidr('10.0.75.0/24'), ours: false });
      },
      id: 'nat:count',
      detail: /2 NetNats/,
      fix: /\$_\.Name -eq 'DockerNAT' \} \| Remove-NetNat -Confirm:\$false/,
    },
    {
      what: 'the switch deleted',
      breakIt: (s) => {
        s.host.switches = [];
        s.host.adapters = s.host.adapters.filter((a) => a.name !== 'vEthernet (lab)');
      },
      id: 'switch:lab',
      detail: /no Hyper-V switch named "lab"/,
      fix: /^switchyard apply$/,
    },
    {
      what: 'the host address removed',
      breakIt: (s) => {
        s.host.adapters.find((a) => a.name === 'vEthernet (lab)')!.addresses = [];
      },
      id: 'address:lab',
      detail: /missing/,
      fix: /New-NetIPAddress -InterfaceAlias 'vEthernet \(lab\)'/,
    },
    {
      what: 'the daemon not running',
      breakIt: (s) => {
        s.daemon.reply = { running: false };
      },
      id: 'daemon',
      detail: /not running/,
      fix: /switchyard serve/,
    },
    {
      what: 'the daemon not answering',
      breakIt: (s) => {
        s.daemon.reply = { running: true, ok: false, error: 'the daemon did not answer within 2000 ms' };
      },
      id: 'daemon',
      detail: /not answering: the daemon did not answer/,
      fix: /restart/,
    },
    {
      what: 'udp 67 taken by another DHCP server',
      breakIt: (s) => {
        s.probes.ports = () => Promise.resolve([{ port: 67, holder: 'dhcpsrv', pid: 31 }]);
      },
      id: 'port:67',
      detail: /taken by dhcpsrv \(pid 31\)/,
      fix: /Get-NetUDPEndpoint -LocalPort 67/,
    },
    {
      what: 'the firewall rules deleted',
      breakIt: (s) => {
        s.host.firewall = [];
      },
      id: 'firewall',
      detail: /switchyard DHCP lab/,
      fix: /^switchyard apply$/,
    },
    {
      what: 'forwarding off on the switch adapter',
      breakIt: (s) => {
        s.host.adapters.find((a) => a.name === 'vEthernet (lab)')!.forwarding = false;
      },
      id: 'forwarding:vEthernet (lab)',
      detail: /^off$/,
      fix: /Set-NetIPInterface -InterfaceAlias 'vEthernet \(lab\)' -AddressFamily IPv4 -Forwarding Enabled/,
    },
    {
      what: 'forwarding off on the WSL adapter',
      breakIt: (s) => {
        s.host.adapters.find((a) => a.name === WSL)!.forwarding = false;
      },
      id: `forwarding:${WSL}`,
      detail: /^off$/,
      fix: /Set-NetIPInterface -InterfaceAlias 'vEthernet \(WSL \(Hyper-V firewall\)\)'/,
    },
    {
      what: 'WSL fell back to a random range',
      breakIt: (s) => {
        s.host.wslFallsBack('172.29.192.0/20', '172.29.192.1');
      },
      id: 'wsl:range',
      detail: /NatNetwork 172\.29\.192\.0\/20.*fell back/,
      fix: /switchyard apply, then `wsl --shutdown`/,
    },
    {
      what: '.wslconfig switched to mirrored',
      breakIt: (s) => {
        s.host.wslconfig = '[wsl2]\r\nnetworkingMode=mirrored\r\n';
      },
      id: 'wsl:wslconfig',
      detail: /networkingMode=mirrored/,
      fix: /wsl --shutdown/,
    },
    {
      what: 'the Hyper-V firewall back to Block',
      breakIt: (s) => {
        s.host.hyperVFirewall = { defaultInboundAction: 'block' };
      },
      id: 'wsl:hyperv-firewall',
      detail: /DefaultInboundAction block/,
      fix: /Set-NetFirewallHyperVVMSetting -Name '\{40E0AC32-46A5-438A-A0B2-2B479E8F2E90\}' -DefaultInboundAction Allow/,
    },
  ];

  for (const b of breaks) {
    test(`${b.what} → ${b.id} fails with its fix`, async () => {
      const s = await converged();
      b.breakIt(s);
      const failed = await failures(s);
      const c = failed.find((x) => x.id === b.id);
      assert.ok(c, `no failing ${b.id}; failing: ${JSON.stringify(failed)}`);
      assert.match(c.detail, b.detail);
      assert.match(c.fix ?? '', b.fix);
      const r = await doctor(s);
      assert.equal(r.exitCode, 1);
      assert.ok(r.output.includes(`✘ ${c.title} — ${c.detail}\n    fix: ${c.fix ?? ''}`), r.output);
    });
  }

  test('every fix that suggests a switchyard command repeats the user own --config and --state-dir', async () => {
    const s = await converged();
    s.host.switches = []; // the switch is gone: the fixes say to apply
    const flags = { config: 'C:\\lab\\my lab.yaml', stateDir: 'D:\\sy' };
    const r = await doctorCommand(CONFIG, s.stateDir, s.host, true, s.probes, undefined, flags);
    const fixes = (JSON.parse(r.output) as { checks: JsonCheck[] }).checks.flatMap((c) => c.fix ?? []);
    const suggested = fixes.filter((f) => /\bswitchyard (apply|serve|install)\b/.test(f));
    assert.ok(suggested.length > 0, JSON.stringify(fixes));
    for (const f of suggested) {
      for (const m of f.matchAll(/\bswitchyard (apply|serve|install)\b([^;`)]*)/g))
        // Quoted for the shell this runs in (POSIX here: a bare backslash would be an escape; user-flags.test.ts).
        assert.match(m[2]!, /^ --config 'C:\\lab\\my lab\.yaml' --state-dir 'D:\\sy'/, f);
    }
  });

  test('a broken pinned file is a finding, not a crash', async () => {
    const s = await converged();
    writeFileSync(join(s.stateDir, 'pinned.json'), '{ nope');
    const failed = await failures(s);
    assert.ok(failed.some((c) => c.id === 'pinned' && /not JSON/.test(c.detail)));
  });
});

test('udpSockets reads /proc/net/udp: watched ports on 0.0.0.0 or a switch address only', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
    '  1: 00000000:0043 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1111 2 0000000000000000 0',
    '  2: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 2222 2 0000000000000000 0',
    '  3: 01000A0A:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3333 2 0000000000000000 0',
    '  4: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4444 2 0000000000000000 0',
  ].join('\n');
  assert.deepEqual(udpSockets(text, [ipv4('10.10.0.1')]), [
    { port: 67, inode: '1111' },
    { port: 53, inode: '3333' },
  ]);
});
