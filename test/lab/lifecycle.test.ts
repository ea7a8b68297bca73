/**
 * Lab test (root): the network survives its own life (issue 19), on the demo's topology (topology.ts) with
 * real DHCP clients:
 * - NAT only toward the uplink: the host resolves a VM's name through the switch address (its own query
 *   leaves by lo with a switch-subnet source), and WSL sees the VM's own address, not the host's;
 * - the switch deleted and re-created under a running `serve` (`ip link del`, then `apply`): the daemon
 *   notices, `doctor` fails meanwhile, and a new client gets a lease within seconds, without a restart;
 * - a simulated reboot (bridge, nftables table and ip_forward gone): the systemd unit's own ExecStartPre=
 *   and ExecStart= lines (from `switchyard install --print`) bring the network back and serve a new client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startClient, type ClientHandle } from './clients.js';
import { labSkipReason, waitUntil, type Lab, type LabClient } from './netns.js';
import { writeConfig } from './switchyard.js';
import {
  applyTopology,
  bootWithUnit,
  buildTopology,
  cliInHost,
  DEMO_DOMAIN,
  serveTopology,
  simulateHostReboot,
  startVms,
  switchAddress,
  unitCommands,
  WSL_ADDRESS,
  type Topology,
} from './topology.js';
import { createLab } from './netns.js';

const skip = labSkipReason(['nft', 'sysctl', 'dig', 'tcpdump', 'dhclient', 'udhcpc', 'dhcpcd', 'busybox']);

/** A new client must be bound within this after the switch is back (the rebind watch polls every second). */
const REBOUND_DEADLINE_MS = 10_000;

if (skip) test('lifecycle: NAT scope, re-created switch, reboot', { skip }, () => undefined);

describe(
  'lifecycle (lab): NAT toward the uplink only, a re-created switch, a reboot',
  { skip: skip ?? false },
  () => {
    let lab: Lab;
    let t: Topology;
    let hostAddr: string;
    /** Spare VM links (off the bridge until a test plugs them in) for the "new client" of each test. */
    const spare: LabClient[] = [];
    const clients: ClientHandle[] = [];

    const common = (): string[] => ['--config', t.configPath, '--state-dir', t.stateDir];
    const plug = async (link: LabClient): Promise<void> => {
      await lab.exec(lab.hostNs, ['ip', 'link', 'set', 'dev', link.peerIfname, 'master', t.switchName]);
      await lab.exec(lab.hostNs, ['ip', 'link', 'set', 'dev', link.peerIfname, 'up']);
    };
    const newClient = async (link: LabClient): Promise<{ ip: string; ms: number }> => {
      const started = Date.now();
      const c = await startClient(lab, link.ns, link.ifname, 'udhcpc', { hostname: link.name });
      clients.push(c);
      const lease = await c.waitBound(REBOUND_DEADLINE_MS);
      return { ip: lease.ip, ms: Date.now() - started };
    };
    const dig = (name: string) =>
      lab.exec(lab.hostNs, ['dig', '+time=2', '+tries=2', `@${hostAddr}`, name, 'A'], {
        check: false,
        timeoutMs: 10_000,
      });

    before(async () => {
      lab = await createLab();
      t = await buildTopology(lab);
      for (const name of ['vm4', 'vm5']) {
        const link = await lab.addClient(name, { onBridge: false });
        await lab.exec(lab.hostNs, ['ip', '-4', 'addr', 'flush', 'dev', link.peerIfname]);
        spare.push(link);
      }
      await applyTopology(t);
      hostAddr = (await switchAddress(t))!.split('/')[0]!;
      await serveTopology(t);
      await startVms(t);
    });
    after(async () => {
      for (const c of clients) await c.stop().catch(() => undefined);
      for (const vm of t?.vms ?? []) await vm.client?.stop().catch(() => undefined);
      await t?.unitServe?.stop().catch(() => undefined);
      await t?.daemon?.stop().catch(() => undefined);
      await lab?.destroy();
    });

    test('NAT toward the uplink only: the host resolves a VM name through the switch address', async () => {
      const vm1 = t.vms[0]!;
      const r = await dig(`${vm1.link.name}.${DEMO_DOMAIN}`);
      assert.match(r.stdout, /status: NOERROR/, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`\\sIN\\s+A\\s+${vm1.ip!.replace(/\./g, '\\.')}\\n`), r.stdout);
    });

    test("NAT toward the uplink only: a capture in WSL's namespace shows the VM's own source address", async () => {
      const vm1 = t.vms[0]!;
      const cap = lab.spawn(t.wsl.ns, [
        'tcpdump',
        '-l',
        '-n',
        '-c',
        '1',
        '-i',
        t.wsl.ifname,
        'icmp[icmptype] == icmp-echo',
      ]);
      await cap.waitForOutput(/listening on/, 5_000);
      await lab.exec(vm1.link.ns, ['busybox', 'ping', '-q', '-c', '2', '-W', '1', WSL_ADDRESS], {
        check: false,
        timeoutMs: 5_000,
      });
      const m = await cap.waitForOutput(
        /IP (\d+\.\d+\.\d+\.\d+) > (\d+\.\d+\.\d+\.\d+): ICMP echo request/,
        5_000,
      );
      await cap.stop().catch(() => undefined);
      assert.equal(m[1], vm1.ip, `WSL saw ${m[1]} (the host would be ${hostAddr} or 10.89.0.1)`);
      assert.equal(m[2], WSL_ADDRESS);
    });

    test('the switch re-created under a running serve: logged, doctor fails meanwhile, a new client gets a lease within seconds', async (ctx) => {
      const daemon = t.daemon!;
      const mark = daemon.process.outputMark();
      await lab.exec(lab.hostNs, ['ip', 'link', 'del', t.switchName]);
      await daemon.process.waitForOutput(/switch interface is gone: DHCP and DNS wait for it/, 5_000, mark);
      const doc = await cliInHost(lab, ['doctor', '--json', ...common()]);
      const checks = (
        JSON.parse(doc.stdout) as {
          checks: { id: string; ok: boolean; detail: string; fix: string | null }[];
        }
      ).checks;
      const d = checks.find((c) => c.id === 'daemon');
      assert.equal(d?.ok, false, JSON.stringify(d));
      assert.match(d.detail, /DHCP and DNS sockets were bound to is gone/);
      assert.ok(
        d.fix?.startsWith(`switchyard apply --config ${t.configPath} --state-dir ${t.stateDir}`),
        d.fix ?? '',
      );

      const apply = await cliInHost(lab, ['apply', '--yes', ...common()]);
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      await daemon.process.waitForOutput(/DHCP and DNS sockets rebound/, 5_000, mark);
      await plug(spare[0]!);
      const { ip, ms } = await newClient(spare[0]!);
      ctx.diagnostic(`new client bound ${ms} ms after it started (switch re-created under the daemon)`);
      assert.ok(ms < REBOUND_DEADLINE_MS, `${ms} ms`);
      assert.equal(daemon.process.exitInfo(), undefined, 'the daemon was not restarted');
      // DNS answers on the re-created interface too
      await waitUntil(
        async () => /status: NOERROR/.test((await dig(`${spare[0]!.name}.${DEMO_DOMAIN}`)).stdout),
        5_000,
        'dns after rebind',
        200,
      );
      assert.match(
        (await dig(`${spare[0]!.name}.${DEMO_DOMAIN}`)).stdout,
        new RegExp(ip.replace(/\./g, '\\.')),
      );
    });

    test("reboot: the unit's own ExecStartPre= and ExecStart= bring the network back; a new client gets a lease", async (ctx) => {
      await simulateHostReboot(t);
      const { pre } = await unitCommands(t);
      assert.deepEqual(pre.slice(-6), ['apply', '--yes', ...common()]);
      const boot = await bootWithUnit(t);
      assert.equal(boot.ipForward, '1', boot.apply);
      await plug(spare[1]!);
      const { ms } = await newClient(spare[1]!);
      ctx.diagnostic(`new client bound ${ms} ms after it started (after the reboot)`);
      assert.ok(ms < REBOUND_DEADLINE_MS, `${ms} ms`);
    });

    test('a second config: the bridge with VM ports is `!` and stays; a non-bridge interface with the new name is `!`', async () => {
      const other = `${lab.prefix}-x`;
      await lab.exec(lab.hostNs, [
        'ip',
        'link',
        'add',
        other,
        'type',
        'veth',
        'peer',
        'name',
        `${lab.prefix}-xp`,
      ]);
      const cfg2 = writeConfig(
        lab,
        `switches:\n  - name: ${other}\n    subnet: 10.123.0.0/24\n`,
        'second.yaml',
      );
      const args = ['--config', cfg2, '--state-dir', t.stateDir];
      const p = await cliInHost(lab, ['plan', '--json', ...args]);
      assert.equal(p.code, 0, p.stderr);
      const changes = (
        JSON.parse(p.stdout) as {
          changes: { symbol: string; resource: string; key: string; detail: string }[];
        }
      ).changes;
      const blocked = changes.filter((c) => c.symbol === '!').map((c) => `${c.resource} ${c.key}`);
      assert.deepEqual(
        blocked.sort(),
        [`switch ${other}`, `switch ${t.switchName}`].sort(),
        JSON.stringify(changes),
      );
      assert.ok(changes.find((c) => c.key === t.switchName)!.detail.includes(t.vms[0]!.link.peerIfname));
      const before = (await lab.exec(lab.hostNs, ['ip', '-j', 'link'])).stdout;
      const a = await cliInHost(lab, ['apply', '--yes', ...args]);
      assert.equal(a.code, 1, a.stdout + a.stderr);
      assert.match(a.stdout, /Blocked — nothing was changed/);
      assert.doesNotMatch(a.stdout + a.stderr, /RTNETLINK/);
      assert.equal((await lab.exec(lab.hostNs, ['ip', '-j', 'link'])).stdout, before);
    });

    test('ip_forward off: plan says apply turns it on host-wide, doctor names it (not NAT), serve turns it back on', async () => {
      await t.unitServe?.stop();
      await lab.exec(lab.hostNs, ['sysctl', '-q', '-w', 'net/ipv4/ip_forward=0']);
      const plan = await cliInHost(lab, ['plan', ...common()]);
      assert.match(
        plan.stdout,
        /turns net\.ipv4\.ip_forward on \(host-wide: every interface forwards, the uplink included\)/,
      );
      const doc = await cliInHost(lab, ['doctor', '--json', ...common()]);
      const checks = (JSON.parse(doc.stdout) as { checks: { id: string; ok: boolean; detail: string }[] })
        .checks;
      assert.equal(checks.find((c) => c.id === 'ip_forward')?.ok, false, doc.stdout);
      assert.equal(checks.find((c) => c.id === `nat:${t.switchName}`)?.ok, true, doc.stdout);
      const { start } = await unitCommands(t);
      t.unitServe = lab.spawn(lab.hostNs, start);
      await t.unitServe.waitForOutput(/net\.ipv4\.ip_forward was off: turned back on/, 10_000);
      assert.equal((await lab.exec(lab.hostNs, ['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim(), '1');
    });
  },
);
