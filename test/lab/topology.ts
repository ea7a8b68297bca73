/**
 * The lab topology of the demo (issue #5): a laptop's network, every part inside lab namespaces.
 *
 *   <p>-corp  "VPN / corporate side": <p>-cN 10.200.0.1/24, 172.16.5.5/32 on lo, NO route back to the switch
 *      │ uplink veth
 *   <p>-host  "the laptop": uplink <p>-sN 10.200.0.2/24 + route 172.16.0.0/12 via 10.200.0.1 (what the
 *      │        planner must avoid); WSL link <p>-sM 10.89.0.1/24 (plays "vEthernet (WSL)", wsl.interface);
 *      │        switch bridge <p>-sw, created by `switchyard apply` (subnet: auto, NAT, forwarding)
 *      ├─ <p>-wsl  10.89.0.2/24, default route via 10.89.0.1
 *      └─ <p>-vm1 / -vm2 / -vm3 on the switch bridge (dhclient, udhcpc, dhcpcd; vm3 has a reservation)
 *
 * The VM links are created off the bridge (their host ends carry no address), then enslaved to the bridge
 * that `apply` creates.
 */
import { join } from 'node:path';
import { CLIENT_KINDS, startClient, type ClientHandle, type ClientKind } from './clients.js';
import { waitUntil, type Lab, type LabClient, type LabProcess } from './netns.js';
import { SWITCHYARD_BIN, startServe, writeConfig, type Daemon } from './switchyard.js';

export const CORP_LINK_CIDR = '10.200.0.0/24';
export const CORP_ADDRESS = '10.200.0.1';
export const HOST_UPLINK_ADDRESS = '10.200.0.2';
export const CORP_TARGET = '172.16.5.5';
export const CORP_ROUTE = '172.16.0.0/12';
export const WSL_HOST_ADDRESS = '10.89.0.1';
export const WSL_ADDRESS = '10.89.0.2';
export const RESERVED_MAC = '00:15:5d:00:00:10';
export const RESERVED_NAME = 'web1';
export const RESERVED_IP = '192.168.77.10';
/** The switch's DNS domain in the demo config (the default). */
export const DEMO_DOMAIN = 'switchyard.internal';

export interface Vm {
  link: LabClient;
  kind: ClientKind;
  client?: ClientHandle;
  ip?: string;
  router?: string;
}

export interface Topology {
  lab: Lab;
  /** The switch (= the bridge `apply` creates in the host namespace). */
  switchName: string;
  corp: LabClient;
  wsl: LabClient;
  vms: Vm[];
  yaml: string;
  configPath: string;
  stateDir: string;
  daemon?: Daemon;
  /** `serve` as the systemd unit's ExecStart= started it (rebootWithUnit). */
  unitServe?: LabProcess;
}

/** Runs the switchyard CLI inside the lab's host namespace (bounded). */
export async function cliInHost(
  lab: Lab,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await lab.exec(lab.hostNs, [process.execPath, SWITCHYARD_BIN, ...args], {
    check: false,
    timeoutMs: 30_000,
  });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** Namespaces and links (corp, WSL, three VMs) and the config; switchyard not run yet. */
export async function buildTopology(lab: Lab): Promise<Topology> {
  const h = lab.hostNs;
  const corp = await lab.addClient('corp', { onBridge: false, serverCidr: `${HOST_UPLINK_ADDRESS}/24` });
  await lab.exec(corp.ns, ['ip', 'addr', 'add', `${CORP_ADDRESS}/24`, 'dev', corp.ifname]);
  await lab.exec(corp.ns, ['ip', 'addr', 'add', `${CORP_TARGET}/32`, 'dev', 'lo']);
  await lab.exec(h, ['ip', 'route', 'add', CORP_ROUTE, 'via', CORP_ADDRESS, 'dev', corp.peerIfname]);

  const wsl = await lab.addClient('wsl', { onBridge: false, serverCidr: `${WSL_HOST_ADDRESS}/24` });
  await configureWslSide(lab, wsl);

  const vms: Vm[] = [];
  for (const [i, kind] of CLIENT_KINDS.entries()) {
    const link = await lab.addClient(`vm${i + 1}`, { onBridge: false });
    await lab.exec(h, ['ip', '-4', 'addr', 'flush', 'dev', link.peerIfname]); // a bridge port, later
    vms.push({ link, kind });
  }

  const switchName = `${lab.prefix}-sw`;
  const yaml = `switches:
  - name: ${switchName}
    subnet: auto
    nat: true
    dhcp:
      leaseTime: 1h
      reservations:
        - { name: ${RESERVED_NAME}, mac: "${RESERVED_MAC}", ip: ${RESERVED_IP} }
wsl:
  interface: ${wsl.peerIfname}
  subnet: 10.89.0.0/24
  gateway: ${WSL_HOST_ADDRESS}
forwarding: true
`;
  const configPath = writeConfig(lab, yaml);
  return { lab, switchName, corp, wsl, vms, yaml, configPath, stateDir: join(lab.workDir, 'state') };
}

async function configureWslSide(lab: Lab, wsl: LabClient): Promise<void> {
  await lab.exec(wsl.ns, ['ip', 'addr', 'replace', `${WSL_ADDRESS}/24`, 'dev', wsl.ifname]);
  await lab.exec(wsl.ns, ['ip', 'route', 'replace', 'default', 'via', WSL_HOST_ADDRESS]);
}

/** `switchyard plan` (text), then `apply --yes`; throws when apply fails. */
export async function applyTopology(t: Topology): Promise<{ plan: string; apply: string }> {
  const common = ['--config', t.configPath, '--state-dir', t.stateDir];
  const plan = await cliInHost(t.lab, ['plan', ...common]);
  if (plan.code !== 0) throw new Error(`switchyard plan failed (${String(plan.code)}): ${plan.stderr}`);
  const apply = await cliInHost(t.lab, ['apply', '--yes', ...common]);
  if (apply.code !== 0)
    throw new Error(`switchyard apply failed (${String(apply.code)}):\n${apply.stdout}${apply.stderr}`);
  // the VMs' host ends become ports of the switch bridge apply created
  for (const vm of t.vms) {
    await t.lab.exec(t.lab.hostNs, ['ip', 'link', 'set', 'dev', vm.link.peerIfname, 'master', t.switchName]);
    await t.lab.exec(t.lab.hostNs, ['ip', 'link', 'set', 'dev', vm.link.peerIfname, 'up']);
  }
  return { plan: plan.stdout + plan.stderr, apply: apply.stdout + apply.stderr };
}

/** `switchyard serve` in the host namespace with the topology's config and state directory. */
export async function serveTopology(t: Topology): Promise<Daemon> {
  t.daemon = await startServe(t.lab, t.yaml, { logLevel: 'info' });
  return t.daemon;
}

/** Starts the three clients (vm3 with the reserved MAC), waits for leases, adds each VM's default route. */
export async function startVms(t: Topology, timeoutMs = 20_000): Promise<void> {
  for (const vm of t.vms) {
    const reserved = vm.kind === 'dhcpcd';
    vm.client = await startClient(
      t.lab,
      vm.link.ns,
      vm.link.ifname,
      vm.kind,
      reserved ? { mac: RESERVED_MAC, hostname: RESERVED_NAME } : { hostname: vm.link.name },
    );
  }
  await Promise.all(
    t.vms.map(async (vm) => {
      const lease = await vm.client!.waitBound(timeoutMs);
      vm.ip = lease.ip;
      const router = lease.event.routers?.[0];
      // the lab hooks set only the address; the route comes from the lease's router (option 3)
      if (router !== undefined) {
        vm.router = router;
        await waitUntil(
          async () =>
            (
              await t.lab.exec(vm.link.ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', vm.link.ifname])
            ).stdout.includes(`${lease.ip}/`),
          5_000,
          `address ${lease.ip} on ${vm.link.ns}`,
          50,
        );
        await t.lab.exec(vm.link.ns, ['ip', 'route', 'replace', 'default', 'via', router]);
      }
    }),
  );
}

/**
 * The simulated reboot: WSL's adapter is deleted and recreated (same names and addresses) and comes up with
 * forwarding OFF on the host side, as Windows' new "vEthernet (WSL)" does.
 */
export async function recreateWslLink(t: Topology): Promise<void> {
  const { lab, wsl } = t;
  const h = lab.hostNs;
  await lab.exec(h, ['ip', 'link', 'del', wsl.peerIfname]);
  await lab.exec(h, [
    'ip',
    'link',
    'add',
    wsl.peerIfname,
    'type',
    'veth',
    'peer',
    'name',
    wsl.ifname,
    'netns',
    wsl.ns,
  ]);
  await lab.exec(h, ['sysctl', '-q', '-w', `net/ipv4/conf/${wsl.peerIfname}/forwarding=0`]);
  await lab.exec(h, ['ip', 'addr', 'add', `${WSL_HOST_ADDRESS}/24`, 'dev', wsl.peerIfname]);
  await lab.exec(h, ['ip', 'link', 'set', 'dev', wsl.peerIfname, 'up']);
  await lab.exec(wsl.ns, ['ip', 'link', 'set', 'dev', wsl.ifname, 'up']);
  await configureWslSide(lab, wsl);
}

/** /proc/sys/net/ipv4/conf/<if>/forwarding in the host namespace: true, false, or undefined (absent). */
export async function hostForwarding(t: Topology, iface: string): Promise<boolean | undefined> {
  const r = await t.lab.exec(t.lab.hostNs, ['cat', `/proc/sys/net/ipv4/conf/${iface}/forwarding`], {
    check: false,
  });
  return r.code === 0 ? r.stdout.trim() === '1' : undefined;
}

/** The switch's host address as the bridge carries it (what apply chose), e.g. "192.168.77.1/24". */
export async function switchAddress(t: Topology): Promise<string | undefined> {
  const r = await t.lab.exec(t.lab.hostNs, ['ip', '-4', '-o', 'addr', 'show', 'dev', t.switchName], {
    check: false,
  });
  return /inet (\S+)/.exec(r.stdout)?.[1];
}

export type CellStatus = 'pass' | 'fail' | 'not-yet';

export interface Cell {
  name: string;
  status: CellStatus;
  detail: string;
}

/** One echo, up to three tries; busybox's ping (busybox is a lab dependency for udhcpc, iputils is not). */
async function ping(lab: Lab, ns: string, ip: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await lab.exec(ns, ['busybox', 'ping', '-q', '-c', '1', '-W', '1', ip], {
      check: false,
      timeoutMs: 3_000,
    });
    if (r.code === 0) return true;
  }
  return false;
}

/** The check matrix: every cell, with what it saw. */
export async function checkMatrix(t: Topology): Promise<Cell[]> {
  const { lab } = t;
  const cells: Cell[] = [];
  const cell = (name: string, ok: boolean, detail: string): void => {
    cells.push({ name, status: ok ? 'pass' : 'fail', detail });
  };
  for (const vm of t.vms) {
    const n = vm.link.name;
    const reserved = vm.kind === 'dhcpcd';
    const ip = vm.ip;
    if (reserved) {
      cell(
        `${n} got its reservation`,
        ip === RESERVED_IP,
        `${vm.kind}: ${ip ?? 'no lease'} (reserved ${RESERVED_IP} for ${RESERVED_MAC})`,
      );
    } else {
      cell(`${n} got an address`, ip !== undefined, `${vm.kind}: ${ip ?? 'no lease'} (from the pool)`);
    }
  }
  for (const vm of t.vms) {
    const n = vm.link.name;
    cell(`${n} -> WSL ping`, await ping(lab, vm.link.ns, WSL_ADDRESS), `${n} pings ${WSL_ADDRESS}`);
    const ip = vm.ip;
    cell(
      `WSL -> ${n} ping`,
      ip !== undefined && (await ping(lab, t.wsl.ns, ip)),
      `wsl pings ${ip ?? '(no address)'}`,
    );
  }
  // NAT: corp has no route back to the switch subnet, so a reply can only come back to the host's uplink
  // address — the source the masquerade wrote.
  const vm1 = t.vms[0]!;
  const noRouteBack =
    vm1.ip === undefined
      ? false
      : (await lab.exec(t.corp.ns, ['ip', 'route', 'get', vm1.ip], { check: false })).code !== 0;
  const reply = await ping(lab, vm1.link.ns, CORP_TARGET);
  cell(
    `${vm1.link.name} -> corp ${CORP_TARGET} via NAT`,
    reply && noRouteBack,
    `reply ${reply ? 'received' : 'MISSING'}; corp route back to ${vm1.ip ?? '?'}: ${noRouteBack ? 'none (so the source was NATed to ' + HOST_UPLINK_ADDRESS + ')' : 'EXISTS (proves nothing)'}`,
  );
  // DNS: WSL asks the switch's host address (as WSL does through the Windows resolver and the NRPT rule)
  const host = (await switchAddress(t))?.split('/')[0];
  const named = t.vms.filter((vm) => vm.ip !== undefined);
  const seen: string[] = [];
  let allResolve = host !== undefined && named.length === t.vms.length;
  for (const vm of named) {
    const name = vm.kind === 'dhcpcd' ? RESERVED_NAME : vm.link.name;
    const r = host
      ? await lab.exec(
          t.wsl.ns,
          ['dig', `@${host}`, '+short', '+tries=2', '+time=2', `${name}.${DEMO_DOMAIN}`],
          {
            check: false,
            timeoutMs: 10_000,
          },
        )
      : undefined;
    const got = r?.stdout.trim() ?? '';
    seen.push(`${name}.${DEMO_DOMAIN} -> ${got || '(nothing)'}`);
    if (got !== vm.ip) allResolve = false;
  }
  cell('VM names resolve from WSL', allResolve, `dig @${host ?? '?'} from wsl: ${seen.join('; ')}`);
  return cells;
}

export function formatMatrix(title: string, cells: readonly Cell[]): string {
  const tag: Record<CellStatus, string> = { pass: 'PASS', fail: 'FAIL', 'not-yet': 'N/A ' };
  const w = Math.max(...cells.map((c) => c.name.length));
  return [title, ...cells.map((c) => `  ${tag[c.status]}  ${c.name.padEnd(w)}  ${c.detail}`)].join('\n');
}

/** Waits (bounded) until the host side of the WSL link has forwarding on again; returns the ms it took. */
export async function waitForwardingBack(t: Topology, timeoutMs: number): Promise<number> {
  const start = Date.now();
  await waitUntil(
    async () => (await hostForwarding(t, t.wsl.peerIfname)) === true,
    timeoutMs,
    `forwarding back on ${t.wsl.peerIfname}`,
    50,
  );
  return Date.now() - start;
}

export async function stopAll(t: Topology): Promise<void> {
  for (const vm of t.vms) await vm.client?.stop().catch(() => undefined);
  await t.daemon?.stop().catch(() => undefined);
  await t.unitServe?.stop().catch(() => undefined);
}

/** The arguments of a systemd Exec*= line (systemd.service(5) quoting, as artifacts/systemd-unit.ts writes it). */
export function execArgv(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    out.push(raw.replace(/%%/g, '%').replace(/\$\$/g, '$'));
  }
  return out;
}

/** The ExecStartPre= and ExecStart= lines of the unit `switchyard install --print` writes for the topology. */
export async function unitCommands(t: Topology): Promise<{ pre: string[]; start: string[] }> {
  const unit = await cliInHost(t.lab, [
    'install',
    '--print',
    '--config',
    t.configPath,
    '--state-dir',
    t.stateDir,
  ]);
  if (unit.code !== 0) throw new Error(`switchyard install --print failed: ${unit.stderr}`);
  const line = (key: string): string[] => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(unit.stdout);
    if (!m) throw new Error(`no ${key}= in the unit:\n${unit.stdout}`);
    return execArgv(m[1]!);
  };
  return { pre: line('ExecStartPre'), start: line('ExecStart') };
}

/** What a reboot of the host leaves: no bridge, no nftables table, ip_forward off; the daemon is stopped. */
export async function simulateHostReboot(t: Topology): Promise<void> {
  const h = t.lab.hostNs;
  await t.daemon?.stop();
  await t.unitServe?.stop();
  await t.lab.exec(h, ['ip', 'link', 'del', t.switchName], { check: false });
  await t.lab.exec(h, ['nft', 'delete', 'table', 'inet', 'switchyard'], { check: false });
  await t.lab.exec(h, ['sysctl', '-q', '-w', 'net/ipv4/ip_forward=0']);
}

/**
 * Boots the way the systemd unit does: its own ExecStartPre= (apply --yes) then ExecStart= (serve); the VM
 * links are plugged into the re-created bridge (a hypervisor re-attaches its VMs when they start).
 */
export async function bootWithUnit(t: Topology): Promise<{ apply: string; ipForward: string }> {
  const { pre, start } = await unitCommands(t);
  const r = await t.lab.exec(t.lab.hostNs, pre, { check: false, timeoutMs: 60_000 });
  if (r.code !== 0)
    throw new Error(`the unit's ExecStartPre failed (${String(r.code)}):\n${r.stdout}${r.stderr}`);
  t.unitServe = t.lab.spawn(t.lab.hostNs, start);
  await t.unitServe.waitForOutput(/"msg":"serving DHCP"/, 15_000);
  for (const vm of t.vms) {
    await t.lab.exec(t.lab.hostNs, ['ip', 'link', 'set', 'dev', vm.link.peerIfname, 'master', t.switchName]);
    await t.lab.exec(t.lab.hostNs, ['ip', 'link', 'set', 'dev', vm.link.peerIfname, 'up']);
  }
  const f = await t.lab.exec(t.lab.hostNs, ['cat', '/proc/sys/net/ipv4/ip_forward']);
  return { apply: r.stdout + r.stderr, ipForward: f.stdout.trim() };
}
