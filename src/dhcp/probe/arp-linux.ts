/**
 * Linux conflict probe: ARP on the switch interface. "Who has 10.66.0.50?" is broadcast on the interface
 * and any ARP packet *from* that address (its reply, or its own request/announcement) within the wait means
 * the address is in use.
 *
 * Why ARP, not ICMP: on a switch every candidate address is on-link, and a VM's firewall may drop ping
 * (Windows does by default) but the VM must answer ARP or it could not talk at all.
 *
 * Why the native addon (native/arpprobe.c, in the bindtodevice addon) rather than spawning `arping`:
 * - One AF_PACKET socket per interface, opened once, watched by a uv_poll handle on Node's event loop: a
 *   probe costs one sendto() and a timer. No process per probe (fork+exec of arping is milliseconds of CPU
 *   and a file descriptor dance on every fresh OFFER), no extra Debian package, no parsing of a tool's
 *   exit codes across arping flavours (iputils vs Thomas Habets' arping differ in flags and exit status).
 * - No thread blocks while waiting: the libuv threadpool stays free for the lease journal's fs calls, and
 *   any number of probes can be in flight on the one socket.
 * - The addon already exists and is already required on Linux (SO_BINDTODEVICE), so this adds a C file,
 *   not a new build step. Both need CAP_NET_RAW, which the daemon already has.
 *
 * The request (arpprobe.c): sender MAC = the interface's, sender IP = `senderIp` — 0.0.0.0 by default, an
 * RFC 5227 "ARP probe", which does not touch the neighbour caches of the machines on the link (a request
 * from the host address would plant the server in every VM's ARP cache, harmless but needless). Linux,
 * Windows and other RFC 5227 stacks answer a probe for their own address. A second request follows at
 * half the wait in case the first was lost.
 */
import { createRequire } from 'node:module';
import { EnvironmentError } from '../../errors.js';
import { asIpv4, formatIpv4, ZERO_IP, type Ipv4 } from '../../net/ipv4.js';
import { ADDON_RELATIVE_PATH, findAddon } from '../transport/linux.js';
import type { ConflictProbe } from './conflict-probe.js';

/** How long one probe waits for an answer by default, ms: on a virtual switch answers take well under 10 ms. */
export const DEFAULT_ARP_WAIT_MS = 500;
const MAX_ARP_WAIT_MS = 1000;

/** ARP packet as native/arpprobe.c reports it. */
export type ArpPacketHandler = (op: number, senderIp: number, senderMac: string, targetIp: number) => void;

/** The ARP part of the native helper (native/arpprobe.c). */
export interface ArpAddon {
  arpOpen(ifname: string, onPacket: ArpPacketHandler): { handle: unknown; ifindex: number; mac: string };
  arpSend(handle: unknown, targetIp: number, senderIp: number): void;
  arpClose(handle: unknown): void;
}

export interface ArpProbeOptions {
  /** The switch interface (bridge or NIC) the server serves on. */
  interfaceName: string;
  /** Sender IP in the requests: 0.0.0.0 (default, an RFC 5227 probe) or the server's host address. */
  senderIp?: Ipv4;
  /** How long to wait for an answer, ms: 1..1000, default 500. */
  waitMs?: number;
  /** Called with the answer that made an address "in use" (for logs). */
  onConflict?: (ip: Ipv4, mac: string) => void;
}

const BUILD_HINT =
  'rebuild it with `npm run build:native` in the switchyard package directory (needs python3, make and g++)';

function isArpAddon(v: unknown): v is ArpAddon {
  return (
    typeof v === 'object' &&
    v !== null &&
    'arpOpen' in v &&
    typeof v.arpOpen === 'function' &&
    'arpSend' in v &&
    typeof v.arpSend === 'function' &&
    'arpClose' in v &&
    typeof v.arpClose === 'function'
  );
}

/** Loads the ARP functions of the native helper; EnvironmentError (saying how to build it) if they are missing. */
export function loadArpAddon(path: string | undefined = findAddon()): ArpAddon {
  if (path === undefined) {
    throw new EnvironmentError(
      `the native helper ${ADDON_RELATIVE_PATH} is missing; the ARP conflict probe needs it: ${BUILD_HINT}`,
    );
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (err) {
    throw new EnvironmentError(
      `the native helper ${path} does not load (${err instanceof Error ? err.message : String(err)}); ${BUILD_HINT}`,
      { cause: err },
    );
  }
  if (!isArpAddon(mod)) {
    throw new EnvironmentError(`${path} predates the ARP conflict probe (no arpOpen); ${BUILD_HINT}`);
  }
  return mod;
}

function describeArpOpenError(err: unknown, interfaceName: string): EnvironmentError {
  const code =
    typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
  const detail = err instanceof Error ? err.message : String(err);
  let message: string;
  switch (code) {
    case 'ENODEV':
      message = `network interface "${interfaceName}" does not exist`;
      break;
    case 'EPERM':
    case 'EACCES':
      message = `not allowed to send ARP on ${interfaceName}: run as root or grant CAP_NET_RAW`;
      break;
    case 'EOPNOTSUPP':
      message = `${interfaceName} is not an Ethernet interface; the ARP conflict probe cannot run on it`;
      break;
    default:
      message = `cannot open the ARP conflict probe on ${interfaceName}`;
  }
  return new EnvironmentError(`${message} (${detail})`, { cause: err });
}

interface Waiter {
  resolve(inUse: boolean): void;
  timers: NodeJS.Timeout[];
}

/** The interface's MAC and index, for logs and tests. */
export interface ArpProbe extends ConflictProbe {
  readonly interfaceName: string;
  readonly mac: string;
  readonly ifindex: number;
}

/**
 * Opens the ARP socket on opts.interfaceName (synchronously; throws EnvironmentError when it cannot).
 * inUse(ip) resolves true on the first ARP packet whose sender IP is ip, false after waitMs; it rejects
 * only when the request cannot be sent (interface down, socket buffer full) or the probe is closed.
 */
export function openArpProbe(opts: ArpProbeOptions, addon: ArpAddon = loadArpAddon()): ArpProbe {
  const { interfaceName } = opts;
  const senderIp = opts.senderIp ?? ZERO_IP;
  const waitMs = opts.waitMs ?? DEFAULT_ARP_WAIT_MS;
  if (!Number.isFinite(waitMs) || waitMs <= 0 || waitMs > MAX_ARP_WAIT_MS) {
    throw new RangeError(`ARP probe waitMs must be in 1..${MAX_ARP_WAIT_MS}, got ${waitMs}`);
  }
  const waiting = new Map<Ipv4, Set<Waiter>>();

  const onPacket: ArpPacketHandler = (_op, senderIpU32, senderMac) => {
    const ip = asIpv4(senderIpU32);
    const set = waiting.get(ip);
    if (!set) return;
    waiting.delete(ip);
    try {
      opts.onConflict?.(ip, senderMac);
    } catch {
      // a failing logger must not stop the answer
    }
    for (const w of set) {
      for (const t of w.timers) clearTimeout(t);
      w.resolve(true);
    }
  };

  let opened: { handle: unknown; ifindex: number; mac: string };
  try {
    opened = addon.arpOpen(interfaceName, onPacket);
  } catch (err) {
    throw describeArpOpenError(err, interfaceName);
  }
  const { handle } = opened;
  let closed = false;

  const drop = (ip: Ipv4, w: Waiter): void => {
    for (const t of w.timers) clearTimeout(t);
    const set = waiting.get(ip);
    if (!set) return;
    set.delete(w);
    if (set.size === 0) waiting.delete(ip);
  };

  return {
    interfaceName,
    mac: opened.mac,
    ifindex: opened.ifindex,
    inUse(ip: Ipv4): Promise<boolean> {
      if (closed) return Promise.reject(new Error(`the ARP probe on ${interfaceName} is closed`));
      return new Promise<boolean>((resolve, reject) => {
        const w: Waiter = { resolve, timers: [] };
        let set = waiting.get(ip);
        if (!set) waiting.set(ip, (set = new Set()));
        set.add(w); // before sending: the answer can only arrive on a later turn, but be safe
        try {
          addon.arpSend(handle, ip, senderIp);
        } catch (err) {
          drop(ip, w);
          reject(
            new Error(
              `ARP request for ${formatIpv4(ip)} on ${interfaceName} failed: ${err instanceof Error ? err.message : String(err)}`,
              { cause: err },
            ),
          );
          return;
        }
        w.timers.push(
          setTimeout(() => {
            if (closed) return;
            try {
              addon.arpSend(handle, ip, senderIp); // the retry; its failure is not the probe's failure
            } catch {
              // the first request went out; wait for it
            }
          }, waitMs / 2),
          setTimeout(() => {
            drop(ip, w);
            resolve(false);
          }, waitMs),
        );
      });
    },
    close(): Promise<void> {
      if (!closed) {
        closed = true;
        addon.arpClose(handle);
        for (const set of waiting.values()) {
          for (const w of set) {
            for (const t of w.timers) clearTimeout(t);
            w.resolve(false);
          }
        }
        waiting.clear();
      }
      return Promise.resolve();
    },
  };
}
