/**
 * The daemon's host port (chezmoi's System, for `serve`): everything the daemon needs from the operating
 * system besides its sockets and files — look at an interface, tell a re-created one apart, keep
 * forwarding on, read the uplink for `mtu: auto`, keep resolved's per-link DNS, watch the adapters.
 * One implementation per backend (host/linux/daemon-host.ts, host/windows/daemon-host.ts), chosen once by
 * platform at the composition root (host/daemon-host.ts: daemonHostFor). src/daemon/ imports this file,
 * never a backend (src/daemon/imports.test.ts).
 *
 * A capability a host does not have is absent, and the daemon does without it: Linux polls forwarding,
 * the uplink and resolved (each cheap); Windows has no poll, only the change-driven adapter checks, since
 * each look there starts a PowerShell (daemon/windows-watch.ts).
 */
import type { ObservedHost } from '../model/observed.js';
import type { UplinkLink, UplinkRoute } from '../net/uplink-mtu.js';
import type { InterfaceInfo } from './interface-info.js';

/** Links and routes, as the pure uplinkMtu (net/uplink-mtu.ts) wants them. */
export interface Uplink {
  links: UplinkLink[];
  routes: UplinkRoute[];
}

/** An interface's identity: changes when it is re-created; undefined when it does not exist. */
export type Identify = (ifname: string) => Promise<string | undefined>;

/** Forwarding of one interface: true/false, or undefined when the interface does not exist (now). */
export type ForwardingState = boolean | undefined;

/** What the keeper's poll (daemon/keeper.ts) reads and repairs. */
export interface KeeperBackend {
  /** Human name, for logs. */
  readonly description: string;
  /** The forwarding state of every interface the keeper looks after, by name. */
  read(): Promise<Map<string, ForwardingState>>;
  /** Turns IPv4 forwarding on for `iface`. */
  enable(iface: string): Promise<void>;
  /** The log line after a repair, when it is not forwarding that was repaired (dns-link-keeper.ts). */
  repaired?: (iface: string) => string;
}

/** systemd-resolved's per-link DNS for one switch. */
export interface DnsLink {
  iface: string;
  /** The switch host address, dotted quad. */
  server: string;
  domain: string;
}

export interface AdapterCheckOptions {
  /** Switch adapter aliases whose IPv4 forwarding is kept on ([] = none). */
  forward: readonly string[];
  /** Keep forwarding on for WSL's adapter too. */
  wsl: boolean;
  /** Also read the uplink (`mtu: auto`). */
  uplink: boolean;
}

export interface AdapterRepair {
  /** Aliases whose forwarding was turned on. */
  enabled: string[];
  /** Aliases where turning it on failed. */
  failed: { alias: string; message: string; errorId: string | null }[];
  /** Whether the check ran elevated (a failure without elevation says how to run the daemon). */
  elevated: boolean;
  /** With `uplink`. */
  uplink?: Uplink;
}

export interface AdapterObservation {
  host: ObservedHost;
  /** Every adapter's forwarding, by alias. */
  interfaces: { alias: string; forwarding: boolean }[];
  /** With `uplink`. */
  uplink?: Uplink;
}

/** The change-driven checks (daemon/windows-watch.ts). Neither rejects: a string says why a check failed. */
export interface AdapterChecks {
  /** Whether the forwarding of this adapter is kept on. */
  kept(alias: string): boolean;
  /** The targeted check: turns forwarding on where it is off on the kept adapters; reads the uplink. */
  repair(): Promise<AdapterRepair | string>;
  /** The full observation (the safety net). */
  observe(): Promise<AdapterObservation | string>;
}

export interface DaemonHost {
  readonly platform: NodeJS.Platform;
  /** Looks at one interface. */
  inspect(name: string): Promise<InterfaceInfo>;
  /** The switches' interfaces may come up after the daemon starts (Windows' boot task): serve waits. */
  readonly switchesComeUpLate: boolean;
  /** Tells a re-created interface from the one the socket is bound to; absent: not watched. */
  readonly identify?: Identify;
  /** Forwarding kept on by the keeper's poll, for these interfaces; absent: `adapterChecks` keep it. */
  forwarding?(interfaces: readonly string[]): KeeperBackend;
  /** Reads the uplink for `mtu: auto`; absent: `adapterChecks` report it. */
  readUplink?(): Promise<Uplink>;
  /** Keeps resolved's per-link DNS for these switches; absent: nothing to keep. */
  dnsLinks?(links: readonly DnsLink[]): KeeperBackend;
  /** The change-driven adapter checks; absent: the polls above do their work. */
  adapterChecks?(o: AdapterCheckOptions): AdapterChecks;
}
