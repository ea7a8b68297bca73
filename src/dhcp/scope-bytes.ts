/**
 * The option values that depend on the scope alone, encoded once per scope value rather than once per
 * reply (the reply path's allocations are paid for in garbage collection:
 * docs/benchmarks.md#allocations-on-the-reply-path). The bytes
 * are shared by every reply and never written to: the encoder copies them. A scope is a value (scope.ts)
 * and its cell (scope-cell.ts) encodes a new one when it is set, so the bytes always match the scope served.
 */
import {
  classlessRoutesBytes,
  domainSearchBytes,
  ipBytes,
  ipsBytes,
  stringBytes,
  u16,
  u32Bytes,
  withDefaultRoute,
} from './options.js';
import type { Scope } from './scope.js';

export interface ScopeBytes {
  readonly serverId: Uint8Array;
  /** 51, 58 and 59: the lease time and T1/T2 at 0.5 and 0.875 of it (RFC 2131 §4.4.5), in seconds. */
  readonly lease: readonly [Uint8Array, Uint8Array, Uint8Array];
  readonly netmask: Uint8Array;
  readonly router: Uint8Array | undefined;
  readonly dns: Uint8Array | undefined;
  readonly domain: Uint8Array;
  readonly domainNul: Uint8Array;
  readonly mtu: Uint8Array | undefined;
  readonly broadcast: Uint8Array;
  /** A domain that cannot be encoded as option 119 is thrown on use: only a client that asks for 119 meets it. */
  readonly search: Uint8Array | RangeError;
  readonly routes: Uint8Array | undefined;
}

export function scopeBytes(scope: Scope): ScopeBytes {
  const t = Math.floor(scope.leaseMs / 1000); // the wire's unit (RFC 2132 §9.2: seconds)
  let search: Uint8Array | RangeError;
  try {
    search = domainSearchBytes([scope.domain]);
  } catch (e) {
    search = e instanceof RangeError ? e : new RangeError(String(e));
  }
  return {
    serverId: ipBytes(scope.host),
    lease: [u32Bytes(t), u32Bytes(Math.floor(t * 0.5)), u32Bytes(Math.floor(t * 0.875))],
    netmask: ipBytes(scope.netmask),
    router: scope.router !== undefined ? ipBytes(scope.router) : undefined,
    dns: scope.dnsServers.length > 0 ? ipsBytes(scope.dnsServers) : undefined,
    domain: stringBytes(scope.domain),
    domainNul: stringBytes(scope.domain, { nulTerminate: true }),
    mtu: scope.mtu !== undefined ? u16(scope.mtu) : undefined,
    broadcast: ipBytes(scope.broadcast),
    search,
    routes:
      scope.staticRoutes.length > 0
        ? classlessRoutesBytes(
            scope.router === undefined
              ? scope.staticRoutes
              : withDefaultRoute(scope.staticRoutes, scope.router),
          )
        : undefined,
  };
}
