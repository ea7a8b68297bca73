/**
 * The lab demo (`npm run lab`, issue #5): a laptop's network in namespaces (topology.ts) — a corporate/VPN
 * side with 172.16.0.0/12 routed to it, WSL on its own routed link, an internal switch with three VMs.
 * `switchyard plan` chooses the switch's range (and says why), `apply` builds switch, address, NAT and
 * forwarding, `serve` hands out addresses to three real DHCP clients (one reserved). Then the check
 * matrix; then a simulated reboot (WSL's adapter recreated with forwarding off), the daemon's forwarding
 * keeper repairing it, and the matrix again; then a host reboot (bridge, nftables table, ip_forward gone)
 * booted the way the systemd unit does (its own ExecStartPre= apply and ExecStart= serve), and the matrix
 * once more. Everything is removed at the end, unless `--keep`: then it
 * stays up (with the daemon and clients running) until Ctrl-C.
 */
import { pathToFileURL } from 'node:url';
import { createLab, listNamespaces } from './netns.js';
import { runCli } from './switchyard.js';
import {
  applyTopology,
  buildTopology,
  checkMatrix,
  formatMatrix,
  bootWithUnit,
  hostForwarding,
  recreateWslLink,
  serveTopology,
  simulateHostReboot,
  unitCommands,
  startVms,
  stopAll,
  switchAddress,
  waitForwardingBack,
  type Cell,
} from './topology.js';

/** The keeper must turn forwarding back on within this (it polls every second). */
export const FORWARDING_DEADLINE_MS = 5_000;
const KEEPER_LINE = /forwarding re-enabled on (\S+) \(the adapter was recreated\?\)/;

export interface DemoResult {
  prefix: string;
  namespaces: string[];
  switchAddress: string | undefined;
  before: Cell[];
  after: Cell[];
  /** Forwarding on the recreated WSL link right after the recreation (expected false). */
  forwardingAfterRecreate: boolean | undefined;
  /** ms from the recreation until forwarding was on again. */
  forwardingBackMs: number;
  /** The daemon logged the keeper's info line for the WSL link. */
  keeperLogged: boolean;
  /** After a host reboot (bridge, nftables table, ip_forward gone) and the unit's ExecStartPre=/ExecStart=. */
  rebooted: Cell[];
  /** net.ipv4.ip_forward after the unit's ExecStartPre (expected "1"). */
  bootIpForward: string;
  /** Lab namespaces of this run still present after teardown (expected none; not checked with keep). */
  namespacesLeft: string[];
}

export async function runDemo(
  opts: { keep?: boolean; print?: (s: string) => void } = {},
): Promise<DemoResult> {
  const print =
    opts.print ??
    ((s: string): void => {
      console.log(s);
    });
  const lab = await createLab();
  const t0 = Date.now();
  const took = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  let kept = false;
  try {
    const t = await buildTopology(lab);
    print(
      `lab ${lab.prefix}: host ${lab.hostNs}, corp ${t.corp.ns}, wsl ${t.wsl.ns}, VMs ${t.vms.map((v) => v.link.ns).join(', ')}`,
    );
    print('config:\n' + t.yaml.trimEnd().replace(/^/gm, '  ') + '\n');

    const { plan, apply } = await applyTopology(t);
    print('$ switchyard plan   (in ' + lab.hostNs + ')\n' + plan.trimEnd() + '\n');
    print('$ switchyard apply --yes\n' + apply.trimEnd() + '\n');
    const swAddr = await switchAddress(t);
    print(`switch ${t.switchName}: ${swAddr ?? 'NO ADDRESS'} (chosen by the planner)  [${took()}]\n`);

    const daemon = await serveTopology(t);
    print(`switchyard serve is running in ${lab.hostNs} (state dir ${daemon.stateDir})`);
    await startVms(t);
    for (const vm of t.vms) {
      print(`  ${vm.link.ns.padEnd(12)} ${vm.kind.padEnd(8)} ${vm.ip ?? '-'} (router ${vm.router ?? '-'})`);
    }
    const table = await runCli(['leases', '--state-dir', daemon.stateDir]);
    print('\n$ switchyard leases\n' + table.stdout.trimEnd() + '\n');

    const before = await checkMatrix(t);
    print(formatMatrix(`check matrix (before the simulated reboot)  [${took()}]`, before) + '\n');

    print(`simulated reboot: ${t.wsl.peerIfname} deleted and recreated, forwarding off on the host side`);
    const mark = daemon.process.outputMark();
    await recreateWslLink(t);
    const forwardingAfterRecreate = await hostForwarding(t, t.wsl.peerIfname);
    const forwardingBackMs = await waitForwardingBack(t, FORWARDING_DEADLINE_MS);
    const logged = await daemon.process
      .waitForOutput(KEEPER_LINE, 2_000, mark)
      .then((m) => m[1] === t.wsl.peerIfname)
      .catch(() => false);
    print(
      `  forwarding right after the recreation: ${String(forwardingAfterRecreate)}; back on after ${forwardingBackMs} ms` +
        ` (deadline ${FORWARDING_DEADLINE_MS} ms); daemon log line: ${logged ? 'yes' : 'NO'}`,
    );
    const line = daemon.process
      .output()
      .slice(mark)
      .split('\n')
      .find((l) => KEEPER_LINE.test(l));
    if (line) print('  ' + line);
    const after = await checkMatrix(t);
    print('\n' + formatMatrix(`check matrix (after the simulated reboot)  [${took()}]`, after) + '\n');

    print(
      'simulated host reboot: the switch bridge, the nftables table and ip_forward are gone, the daemon stopped;\n' +
        "then the systemd unit's own ExecStartPre= (apply --yes) and ExecStart= (serve), as at boot",
    );
    await simulateHostReboot(t);
    const { pre } = await unitCommands(t);
    print(`$ ${pre.join(' ')}`);
    const boot = await bootWithUnit(t);
    print(boot.apply.trimEnd().replace(/^/gm, '  '));
    print(`  net.ipv4.ip_forward after ExecStartPre: ${boot.ipForward}; serve started by ExecStart=`);
    for (const vm of t.vms) {
      const lease = await vm.client?.renew(15_000).catch(() => undefined);
      if (lease) vm.ip = lease.ip;
      else delete vm.ip; // the "got an address" cell then fails
    }
    const rebooted = await checkMatrix(t);
    print(
      '\n' +
        formatMatrix(`check matrix (after the host reboot, booted by the unit)  [${took()}]`, rebooted) +
        '\n',
    );

    const result: DemoResult = {
      prefix: lab.prefix,
      namespaces: [...lab.namespaces],
      switchAddress: swAddr,
      before,
      after,
      rebooted,
      bootIpForward: boot.ipForward,
      forwardingAfterRecreate,
      forwardingBackMs,
      keeperLogged: logged,
      namespacesLeft: [],
    };

    if (opts.keep) {
      kept = true;
      print('--keep: everything stays up (daemon and clients running). Enter a namespace with:');
      for (const ns of lab.namespaces) print(`  ip netns exec ${ns} bash`);
      print(
        `Tear down: press Ctrl-C here (or kill ${process.pid}). If this process dies hard, remove them with\n` +
          `  for ns in ${lab.namespaces.join(' ')}; do ip netns del $ns; done\n` +
          '(the next lab run also sweeps them).',
      );
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => undefined, 60_000);
        const done = (): void => {
          clearInterval(keepAlive);
          resolve();
        };
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
    }
    await stopAll(t);
    return result;
  } finally {
    await lab.destroy();
    const left = listNamespaces().filter((n) => n.startsWith(`${lab.prefix}-`));
    print(
      `\nlab ${lab.prefix} removed${kept ? ' (after --keep)' : ''}; namespaces left: ${left.length}  [${took()}]`,
    );
  }
}

function failed(cells: readonly Cell[]): number {
  return cells.filter((c) => c.status === 'fail').length;
}

async function main(): Promise<number> {
  const keep = process.argv.includes('--keep');
  const r = await runDemo({ keep });
  r.namespacesLeft = listNamespaces().filter((n) => n.startsWith(`${r.prefix}-`));
  const bad =
    failed(r.before) +
    failed(r.after) +
    failed(r.rebooted) +
    (r.bootIpForward === '1' ? 0 : 1) +
    (r.forwardingBackMs > FORWARDING_DEADLINE_MS || !r.keeperLogged ? 1 : 0) +
    r.namespacesLeft.length;
  return bad === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
