/**
 * A switch interface deleted and created again under a running `serve` (`ip link del` then `apply`; on
 * Windows a rebuilt vEthernet adapter): the DHCP socket is bound to the old interface (Linux: SO_BINDTODEVICE
 * keeps the old ifindex; Windows: the old adapter's address), so clients get nothing and nothing says so.
 *
 * The watch polls each served interface's identity (the daemon host's identify — Linux: its ifindex from
 * /sys/class/net, no process spawned; Windows: the IPv6 scope id Node reports, which is the interface
 * index), and:
 * - interface gone: logs it once at warn, and the socket's state says so (`status`, `doctor`);
 * - back with another identity (or back at all after being gone): once the host address is on it again,
 *   opens a new DHCP socket (and ARP probe), swaps it in under the running server, reopens that switch's DNS sockets, and
 *   logs at warn what it did. A failure is logged (once per message) and retried on the next tick.
 * `check()` runs one pass at once (SIGHUP and the control channel's reload call it).
 */
import type { Clock } from '../clock.js';
import type { ConflictProbe } from '../dhcp/probe/conflict-probe.js';
import type { Scope } from '../dhcp/scope.js';
import type { DatagramTransport, MessageHandler } from '../dhcp/transport/transport.js';
import type { Identify } from '../host/daemon-port.js';
import type { InterfaceInfo } from '../host/interface-info.js';
import type { Logger } from '../log.js';
import { formatIpv4 } from '../net/ipv4.js';

/** A DHCP transport whose socket can be replaced under the server that uses it. */
export interface RebindableTransport extends DatagramTransport {
  /**
   * Closes the socket, then opens a new one with `open` and moves the handler to it (closing first: on
   * Windows the old socket still holds address:67). When `open` throws, sends fail until the next call.
   */
  reopen(open: () => Promise<DatagramTransport>): Promise<void>;
}

export function rebindable(first: DatagramTransport): RebindableTransport {
  let current = first;
  let handler: MessageHandler | undefined;
  return {
    get description() {
      return current.description;
    },
    onMessage(h) {
      handler = h;
      current.onMessage(h);
    },
    send(data, port, address, done) {
      current.send(data, port, address, done);
    },
    close: () => current.close(),
    async reopen(open) {
      await current.close();
      const next = await open();
      current = next;
      if (handler) next.onMessage(handler);
    },
  };
}

/** A conflict probe (an ARP socket bound to the interface, too) that can be opened again. */
export interface ReopenableProbe extends ConflictProbe {
  reopen(): Promise<void>;
}

export function reopenableProbe(open: () => ConflictProbe): ReopenableProbe {
  let current = open();
  return {
    inUse: (ip) => current.inUse(ip),
    close: () => current.close(),
    async reopen() {
      await current.close();
      current = open();
    },
  };
}

export type { Identify };

export type SocketState = 'bound' | 'interface-gone' | 'rebind-failed';

export interface SocketStatus {
  interface: string;
  state: SocketState;
  /** The identity the socket is bound to (Linux: the ifindex). */
  boundTo: string | undefined;
  error?: string;
}

export interface RebindTarget {
  scope: Scope;
  transport: RebindableTransport;
  /** Opens a new DHCP socket for the scope's interface. */
  open: () => Promise<DatagramTransport>;
  /** Reopens the scope's conflict probe, when it has one. */
  reopenProbe?: () => Promise<void>;
}

export interface RebindOptions {
  targets: readonly RebindTarget[];
  /** Reopens one switch's DNS sockets (dns.ts). */
  rebindDns: (switchName: string) => Promise<void>;
  identify: Identify;
  inspect: (ifname: string) => Promise<InterfaceInfo>;
  log: Logger;
  clock: Clock;
  /** Poll interval (default 1 s). */
  intervalMs?: number;
}

export interface RebindWatch {
  /** One pass now; never rejects. */
  check: () => Promise<void>;
  /** The socket of each target, in order. */
  status: () => SocketStatus[];
  stop: () => Promise<void>;
}

const ERROR_REPEAT_MS = 60_000;

/** Builds the watch and takes each interface's identity now (the sockets were just bound); no timer. */
export async function createRebindWatch(o: RebindOptions): Promise<RebindWatch> {
  const states: SocketStatus[] = [];
  for (const t of o.targets) {
    states.push({
      interface: t.scope.interfaceName,
      state: 'bound',
      boundTo: await o.identify(t.scope.interfaceName),
    });
  }
  const logged = new Map<number, { message: string; at: number }>();
  let running: Promise<void> | undefined;

  const one = async (i: number): Promise<void> => {
    const t = o.targets[i]!;
    const st = states[i]!;
    const ifname = t.scope.interfaceName;
    const fields = { switch: t.scope.switchName, interface: ifname };
    const id = await o.identify(ifname);
    if (id === undefined) {
      if (st.state === 'bound') {
        st.state = 'interface-gone';
        o.log.warn(
          fields,
          'the switch interface is gone: DHCP and DNS wait for it (switchyard apply re-creates it)',
        );
      }
      return;
    }
    if (st.state === 'bound' && id === st.boundTo) return;
    // Re-created (or back): the host address must be on it before DNS (and Windows' DHCP) can bind.
    const info = await o.inspect(ifname);
    const host = formatIpv4(t.scope.host);
    if (!info.addresses.some((a) => a.address === host)) {
      if (st.state === 'bound') {
        st.state = 'interface-gone';
        o.log.warn(
          { ...fields, host },
          'the switch interface was re-created without its host address yet: DHCP and DNS wait for it',
        );
      }
      return;
    }
    try {
      await t.transport.reopen(t.open);
      await t.reopenProbe?.();
      await o.rebindDns(t.scope.switchName);
      o.log.warn(
        { ...fields, from: st.boundTo, to: id, socket: t.transport.description },
        'the switch interface was re-created: DHCP and DNS sockets rebound',
      );
      st.state = 'bound';
      st.boundTo = id;
      delete st.error;
      logged.delete(i);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      st.state = 'rebind-failed';
      st.error = message;
      const prev = logged.get(i);
      const now = o.clock.now();
      if (prev?.message !== message || now - prev.at >= ERROR_REPEAT_MS) {
        logged.set(i, { message, at: now });
        o.log.error(
          { ...fields, err: message },
          'could not rebind DHCP to the re-created interface; retrying',
        );
      }
    }
  };

  const pass = async (): Promise<void> => {
    for (let i = 0; i < o.targets.length; i++) {
      try {
        await one(i);
      } catch (e) {
        o.log.warn(
          { interface: o.targets[i]!.scope.interfaceName, err: e instanceof Error ? e.message : String(e) },
          'interface watch: check failed; retrying',
        );
      }
    }
  };

  return {
    check: () => {
      // one pass at a time: a check asked for during a pass waits for it, then runs its own
      const next = (running ?? Promise.resolve()).then(pass);
      running = next;
      return next;
    },
    status: () => states.map((s) => ({ ...s })),
    stop: async () => {
      await running;
    },
  };
}

/** Creates the watch and runs `check()` every `intervalMs` until `stop()`. */
export async function startRebindWatch(o: RebindOptions): Promise<RebindWatch> {
  const w = await createRebindWatch(o);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = (): void => {
    timer = setTimeout(() => {
      void w.check().finally(() => {
        if (!stopped) loop();
      });
    }, o.intervalMs ?? 1000);
    timer.unref();
  };
  loop();
  return {
    check: w.check,
    status: w.status,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await w.stop();
    },
  };
}
