/** The daemon (DHCP on each switch) answers on its control channel, and the ports it needs are free. */
import { formatCidr, formatIpv4 } from '../../net/ipv4.js';
import { fail, pass, readDaemonStatus, type Check, type CheckInputs, type DaemonStatus } from './check.js';

const START =
  'start it: `switchyard serve` (foreground), or install the boot-time service with `switchyard install`';

function dhcpSwitches(i: CheckInputs): string[] {
  return i.config.switches.filter((s) => s.dhcp.enabled).map((s) => s.name);
}

export function daemonChecks(i: CheckInputs): Check[] {
  const served = dhcpSwitches(i);
  if (served.length === 0) return [];
  const title = 'daemon running and answering';
  const d = i.daemon;
  if (!d.running)
    return [fail('daemon', title, 'not running (no control channel): no DHCP on the switches', START)];
  if (d.error !== undefined || d.status === undefined)
    return [
      fail(
        'daemon',
        title,
        `running but not answering: ${d.error ?? 'no status'}`,
        'restart it (stop the `switchyard serve` process or service and start it again); its log says why it hangs',
      ),
    ];
  const st = readDaemonStatus(d.status);
  if (!st) return [fail('daemon', title, 'answered with an unreadable status', 'restart the daemon')];
  const wrong: string[] = [];
  for (const name of served) {
    const s = st.switches.find((x) => x.name === name);
    const choice = i.addresses.switches.find((c) => c.name === name);
    if (!s) wrong.push(`${name}: not served`);
    else if (choice && (s.subnet !== formatCidr(choice.subnet) || s.host !== formatIpv4(choice.host)))
      wrong.push(
        `${name}: serves ${s.subnet ?? '?'} from ${s.host ?? '?'}, the config resolves to ${formatCidr(choice.subnet)} from ${formatIpv4(choice.host)}`,
      );
  }
  const pid = st.pid !== undefined ? `pid ${st.pid}` : 'pid unknown';
  const stale = st.switches.filter((s) => s.socket !== undefined && s.socket.state !== 'bound');
  if (stale.length > 0)
    return [
      fail(
        'daemon',
        title,
        `${pid}; ${stale.map((s) => socketProblem(s.name, s.socket!)).join('; ')}`,
        'switchyard apply (re-creates the switch with its address; the daemon rebinds by itself within seconds)',
      ),
    ];
  if (wrong.length > 0)
    return [
      fail(
        'daemon',
        title,
        `${pid}; ${wrong.join('; ')}`,
        'restart the daemon so that it reads the current config and pinned ranges',
      ),
    ];
  return [pass('daemon', title, `${pid}; serving ${served.join(', ')}`), ...dnsChecks(i, st)];
}

export function socketProblem(
  name: string,
  socket: { interface: string; state: string; error: string | undefined },
): string {
  return socket.state === 'interface-gone'
    ? `${name}: the interface ${socket.interface} its DHCP and DNS sockets were bound to is gone (deleted, or re-created without its address yet): no client gets an address`
    : `${name}: DHCP could not be rebound to the re-created ${socket.interface}: ${socket.error ?? socket.state}`;
}

/** Each switch with DNS on has its DNS server listening (a taken port 53 stops DNS, not DHCP). */
function dnsChecks(i: CheckInputs, st: DaemonStatus): Check[] {
  const wanted = i.config.switches.filter((s) => s.dhcp.enabled && s.dns.enabled);
  return wanted.map((sw) => {
    const title = `DNS answering on switch ${sw.name}`;
    const e = st.dns.find((x) => x.switch === sw.name);
    if (e === undefined)
      return fail(`dns:${sw.name}`, title, 'the daemon reports no DNS server for it', 'restart the daemon');
    if (e.listening === undefined)
      return fail(
        `dns:${sw.name}`,
        title,
        e.error ?? 'not listening',
        'free port 53 on the switch address (on Windows: Internet Connection Sharing, the SharedAccess service, often holds it) and restart the daemon',
      );
    return pass(`dns:${sw.name}`, title, `${e.listening}; ${e.names ?? '?'} names in ${sw.dns.domain}`);
  });
}

const PORTS: { port: number; what: string }[] = [
  { port: 67, what: 'DHCP' },
  { port: 53, what: 'DNS' },
];

export function portChecks(i: CheckInputs): Check[] {
  if (i.ports === undefined || dhcpSwitches(i).length === 0) return [];
  const daemonPid = i.daemon.running ? readDaemonStatus(i.daemon.status)?.pid : undefined;
  return PORTS.map(({ port, what }) => {
    const title = `udp ${port} (${what}) free for switchyard`;
    const holders = i.ports!.filter((p) => p.port === port);
    const others = holders.filter((p) => p.pid === undefined || p.pid !== daemonPid);
    const unknownWhileRunning = others.every((p) => p.pid === undefined) && i.daemon.running && port === 67;
    if (others.length === 0)
      return pass(`port:${port}`, title, holders.length > 0 ? 'held by the daemon' : 'free');
    if (unknownWhileRunning)
      return pass(
        `port:${port}`,
        title,
        'bound, holder unknown (could not map the socket to a process) — presumably the running daemon',
      );
    const names = others.map((p) =>
      p.holder !== undefined
        ? `${p.holder}${p.pid !== undefined ? ` (pid ${p.pid})` : ''}`
        : 'an unknown process',
    );
    const unknown = others.some((p) => p.holder === undefined);
    const find =
      i.observed.platform === 'windows'
        ? `Get-Process -Id (Get-NetUDPEndpoint -LocalPort ${port}).OwningProcess`
        : `ss -ulpn 'sport = :${port}'`;
    return fail(
      `port:${port}`,
      title,
      `taken by ${names.join(', ')}${unknown ? ' (the holder could not be found: run as root/Administrator to see it)' : ''}`,
      `stop ${names.join(', ')} or make it listen elsewhere (dnsmasq: \`bind-interfaces\` + \`except-interface\`); find it with ${find}`,
      i.observed.platform === 'windows' ? [find] : [],
    );
  });
}
