/**
 * `switchyard doctor`'s checks: pure functions over inputs gathered once (src/cli/doctor.ts gathers them).
 * A check that does not apply to the platform or the config is left out, never reported as a pass.
 */
import type { Config } from '../../config/schema.js';
import type { AddressPlan } from '../address-plan.js';
import type { ObservedHost } from '../observed.js';
import type { PinnedRanges } from '../pinned.js';

export interface Check {
  /** Stable and machine-readable: `switch:lab`, `forwarding:vEthernet (WSL)`, `port:67`. */
  id: string;
  title: string;
  ok: boolean;
  detail: string;
  /** The exact command or action that fixes a failure. */
  fix?: string;
  /**
   * The PowerShell commands that `fix` contains, each exactly as it appears there, built with psString
   * (src/ps-quote.ts) from whatever names the host reported: the tests parse and run every one.
   */
  commands?: string[];
  /** Passed with a warning: something is missing that only some uses need (doctor's exit code stays 0). */
  warning?: boolean;
}

/** A local UDP port that another program could hold against the daemon (bound on 0.0.0.0 or a switch address). */
export interface PortHolder {
  port: number;
  /** The holder's process name, when the gatherer could find it. */
  holder?: string;
  pid?: number;
}

export interface DaemonProbe {
  running: boolean;
  /** The control channel's `status` answer, when it answered. */
  status?: unknown;
  /** Why it did not answer (running but broken). */
  error?: string;
}

export interface CheckInputs {
  config: Config;
  observed: ObservedHost;
  addresses: AddressPlan;
  pinned: PinnedRanges | undefined;
  daemon: DaemonProbe;
  /** Holders of udp 67 and 53; undefined when they were not looked for (the check is then left out). */
  ports?: PortHolder[];
  /** For fixes that name files in it. */
  stateDir?: string;
}

export function pass(id: string, title: string, detail: string): Check {
  return { id, title, ok: true, detail };
}

export function fail(id: string, title: string, detail: string, fix: string, commands?: string[]): Check {
  return { id, title, ok: false, detail, fix, ...(commands && commands.length > 0 ? { commands } : {}) };
}

export function warn(id: string, title: string, detail: string, fix: string): Check {
  return { id, title, ok: true, detail, fix, warning: true };
}

/** What switchyard's daemon says in its `status` answer (src/daemon/serve.ts), read defensively. */
export interface DaemonStatus {
  pid: number | undefined;
  startedAt: string | undefined;
  switches: {
    name: string;
    subnet: string | undefined;
    host: string | undefined;
    dynamicLeases: number | undefined;
    maxLeases: number | undefined;
    reservations: number | undefined;
    /** The DHCP socket (daemon/rebind.ts): state 'bound', 'interface-gone' or 'rebind-failed'. */
    socket: { interface: string; state: string; error: string | undefined } | undefined;
  }[];
  /** The DNS server per switch (absent from daemons older than DNS). */
  dns: {
    switch: string;
    listening: string | undefined;
    error: string | undefined;
    names: number | undefined;
  }[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function readDaemonStatus(v: unknown): DaemonStatus | undefined {
  if (!isRecord(v)) return undefined;
  const switches = Array.isArray(v.switches) ? v.switches.filter(isRecord) : [];
  return {
    pid: num(v.pid),
    startedAt: str(v.startedAt),
    switches: switches.map((s) => ({
      name: str(s.name) ?? '?',
      subnet: str(s.subnet),
      host: str(s.host),
      dynamicLeases: num(s.dynamicLeases),
      maxLeases: num(s.maxLeases),
      reservations: num(s.reservations),
      socket: isRecord(s.socket)
        ? {
            interface: str(s.socket.interface) ?? '?',
            state: str(s.socket.state) ?? '?',
            error: str(s.socket.error),
          }
        : undefined,
    })),
    dns: (Array.isArray(v.dns) ? v.dns.filter(isRecord) : []).map((x) => ({
      switch: str(x.switch) ?? '?',
      listening: str(x.listening),
      error: str(x.error),
      names: num(x.names),
    })),
  };
}
