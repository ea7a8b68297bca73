/**
 * A simulated Windows network stack for the daemon's host watch: adapters (alias, MAC, interface index,
 * IPv4 addresses, forwarding, MTU), routes and WSL's saved range, seen two ways —
 * - `networkInterfaces()` as Node's os.networkInterfaces() shows it on Windows (keyed by alias; every
 *   adapter with addresses also has an IPv6 link-local address whose scopeid is the interface index);
 * - `runner`, a counting PowerShell Runner with a simulated cost: it decodes -EncodedCommand, recognises the
 *   full observation (observe.ts), the targeted check (keeper-script.ts) and the UAC wrapper
 *   (powershell.ts elevatedScript), answers like Windows PowerShell 5.1 (enums as numbers) after `costMs`
 *   of fake time, and carries out Set-NetIPInterface -Forwarding Enabled the way the targeted script drives
 *   it: on the `$keep` aliases and the aliases matching `$wslName`; not elevated, it fails with the
 *   cmdlet's "Access is denied." (Windows System Error 5).
 * Published figures put one powershell.exe start at 0.6–1 s (issue 20): the default cost is 900 ms.
 */
import type { RunResult, Runner } from '../../src/host/runner.js';
import type { InterfaceTable } from '../../src/daemon/change-watch.js';
import type { Timers } from '../../src/daemon/change-watch.js';

export interface SimInterface {
  alias: string;
  mac: string;
  ifIndex: number;
  /** CIDR text, e.g. "172.27.16.1/20". */
  addresses: string[];
  forwarding: boolean;
  mtu: number;
}

export type RunKind = 'full' | 'targeted' | 'elevated' | 'other';

export interface SimRun {
  kind: RunKind;
  /** Fake time the process started. */
  at: number;
  script: string;
}

const WSL = /^vEthernet \(WSL(?: \(Hyper-V firewall\))?\)(?: \d+)?$/;

function maskOf(prefix: number): string {
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
}

/** The single-quoted literals on the script line that starts with `prefix`. */
function literals(script: string, prefix: string): string[] | undefined {
  const line = script.split(/\r?\n/).find((l) => l.trimStart().startsWith(prefix));
  if (line === undefined) return undefined;
  return [...line.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
}

export class SimWindowsNet {
  interfaces: SimInterface[] = [];
  routes: { dest: string; alias: string; nextHop: string }[] = [];
  /** HKLM Lxss NatNetwork. */
  wslRange: string | undefined;
  elevated = true;
  /** Simulated cost of one run: a process start (0.6–1 s published) plus the script itself. */
  costMs = 900;
  /**
   * For the long-lived-process comparison (bench/idle-hour.ts): when set, a run costs `startMs` only the
   * first time (the process stays), then `scriptMs[kind]` alone.
   */
  session: { startMs: number; scriptMs: Record<RunKind, number> } | undefined;
  /** Simulated busy time, summed over every run. */
  busyMs = 0;
  private started = false;
  runs: SimRun[] = [];
  /** Processes running now, and the most at once. */
  running = 0;
  maxRunning = 0;
  private nextIndex = 10;
  private readonly timers: Pick<Timers, 'setTimeout'> & { now(): number };

  constructor(timers: Pick<Timers, 'setTimeout'> & { now(): number }) {
    this.timers = timers;
  }

  add(alias: string, addresses: string[], o: { mtu?: number; forwarding?: boolean } = {}): SimInterface {
    const ifIndex = this.nextIndex++;
    const i: SimInterface = {
      alias,
      mac: `00-15-5D-00-00-${ifIndex.toString(16).padStart(2, '0').toUpperCase()}`,
      ifIndex,
      addresses,
      forwarding: o.forwarding ?? false,
      mtu: o.mtu ?? 1500,
    };
    this.interfaces.push(i);
    return i;
  }

  remove(alias: string): void {
    this.interfaces = this.interfaces.filter((i) => i.alias !== alias);
    this.routes = this.routes.filter((r) => r.alias !== alias);
  }

  get(alias: string): SimInterface | undefined {
    return this.interfaces.find((i) => i.alias.toLowerCase() === alias.toLowerCase());
  }

  count(kind?: RunKind): number {
    return kind === undefined ? this.runs.length : this.runs.filter((r) => r.kind === kind).length;
  }

  networkInterfaces = (): InterfaceTable => {
    const table: InterfaceTable = {};
    for (const i of this.interfaces) {
      if (i.addresses.length === 0) continue;
      const mac = i.mac.toLowerCase().replace(/-/g, ':');
      table[i.alias] = [
        ...i.addresses.map((c) => {
          const [address, prefix] = c.split('/');
          return {
            address: address!,
            netmask: maskOf(Number(prefix)),
            family: 'IPv4' as const,
            mac,
            internal: false,
            cidr: c,
          };
        }),
        {
          address: `fe80::215:5dff:fe00:${i.ifIndex.toString(16)}`,
          netmask: 'ffff:ffff:ffff:ffff::',
          family: 'IPv6' as const,
          mac,
          internal: false,
          cidr: `fe80::215:5dff:fe00:${i.ifIndex.toString(16)}/64`,
          scopeid: i.ifIndex,
        },
      ];
    }
    return table;
  };

  runner: Runner = (_file, args) => {
    const encoded = args[args.indexOf('-EncodedCommand') + 1] ?? '';
    const script = Buffer.from(encoded, 'base64').toString('utf16le');
    const kind: RunKind = /-Verb RunAs/.test(script)
      ? 'elevated'
      : script.includes('Hyper-V\\Get-VMSwitch')
        ? 'full'
        : script.includes('$keep = ')
          ? 'targeted'
          : 'other';
    this.runs.push({ kind, at: this.timers.now(), script });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    let cost = this.costMs;
    if (this.session) {
      cost = this.session.scriptMs[kind] + (this.started ? 0 : this.session.startMs);
      this.started = true;
    }
    this.busyMs += cost;
    return new Promise<RunResult>((resolve) => {
      this.timers.setTimeout(() => {
        this.running--;
        resolve(this.answer(kind, script));
      }, cost);
    });
  };

  private answer(kind: RunKind, script: string): RunResult {
    if (kind === 'elevated')
      return marked('ERROR', { message: 'the UAC prompt was declined', errorId: 'ElevationCancelled' }, 4);
    if (kind === 'other') return marked('ERROR', { message: 'not simulated', errorId: 'NotSimulated' }, 1);
    const interfaces = (list: SimInterface[]) =>
      list.map((i) => ({
        InterfaceAlias: i.alias,
        InterfaceIndex: i.ifIndex,
        Forwarding: i.forwarding ? 1 : 0,
        NlMtu: i.mtu,
        InterfaceMetric: 25,
        ConnectionState: 1,
      }));
    const addresses = this.interfaces.flatMap((i) =>
      i.addresses.map((c) => ({
        IPAddress: c.split('/')[0],
        PrefixLength: Number(c.split('/')[1]),
        InterfaceAlias: i.alias,
        InterfaceIndex: i.ifIndex,
        PrefixOrigin: 1,
        SuffixOrigin: 1,
        AddressState: 4,
      })),
    );
    const routes = this.routes.map((r) => ({
      DestinationPrefix: r.dest,
      InterfaceAlias: r.alias,
      InterfaceIndex: this.get(r.alias)?.ifIndex ?? 0,
      NextHop: r.nextHop,
      RouteMetric: 0,
    }));
    if (kind === 'full') {
      return marked('JSON', {
        schema: 1,
        psVersion: '5.1.22621.2506',
        psEdition: 'Desktop',
        elevated: this.elevated,
        hypervAdmin: this.elevated,
        switches: [],
        adapters: this.interfaces
          .filter((i) => i.alias.startsWith('vEthernet ('))
          .map((i) => ({ Name: i.alias, InterfaceIndex: i.ifIndex, Status: 'Up', MacAddress: i.mac })),
        addresses,
        interfaces: interfaces(this.interfaces),
        nats: [],
        routes,
        firewallRules: [],
        hypervFirewall: null,
        nrptRules: [],
        nrptPolicy: { groupPolicy: false },
        wsl: { natNetwork: this.wslRange ?? null, natGatewayIpAddress: null, natIpAddress: null },
        vmAdapters: [],
        bootTask: [],
        notes: [],
      });
    }
    const keep = (literals(script, '$keep = ') ?? []).map((a) => a.toLowerCase());
    const wsl = (literals(script, '$wslName = ') ?? []).length > 0;
    const mine = this.interfaces.filter(
      (i) => keep.includes(i.alias.toLowerCase()) || (wsl && WSL.test(i.alias)),
    );
    const shownBefore = interfaces(script.includes('$uplink = $true') ? this.interfaces : mine);
    const enabled: string[] = [];
    const failed: { alias: string; message: string; errorId: string }[] = [];
    for (const i of mine) {
      if (i.forwarding) continue;
      if (this.elevated) {
        i.forwarding = true;
        enabled.push(i.alias);
      } else {
        failed.push({
          alias: i.alias,
          message: 'Access is denied.',
          errorId: 'Windows System Error 5,Set-NetIPInterface',
        });
      }
    }
    const uplink = script.includes('$uplink = $true');
    return marked('JSON', {
      schema: 1,
      elevated: this.elevated,
      interfaces: shownBefore,
      addresses: uplink ? addresses : null,
      routes: uplink ? routes : null,
      // 5.1 collapses a one-element array to the element
      enabled: enabled.length === 1 ? enabled[0] : enabled,
      failed,
    });
  }
}

function marked(kind: 'JSON' | 'ERROR', value: unknown, code = 0): RunResult {
  return {
    code,
    stdout: `<<<SWITCHYARD-${kind}\r\n${JSON.stringify(value)}\r\nSWITCHYARD-${kind}>>>\r\n`,
    stderr: '',
  };
}
