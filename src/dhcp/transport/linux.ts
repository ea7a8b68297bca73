/**
 * Linux: 0.0.0.0:port bound to one device with SO_BINDTODEVICE (docs/dhcp.md#where-it-answers;
 * insomniacslk/dhcp#326). A socket bound to the interface's unicast address would never see
 * 255.255.255.255; a plain 0.0.0.0 socket would see every interface's broadcasts and send
 * 255.255.255.255 wherever the routing table says (ENETUNREACH without a default route). Node's dgram
 * cannot set SO_BINDTODEVICE (nodejs/node #35769), so the small N-API helper native/bindtodevice.c makes
 * the socket and dgram adopts it with bind({ fd }).
 */
import { createSocket } from 'node:dgram';
import { closeSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../../errors.js';
import type { BoundUdpSocket, TransportOptions } from './types.js';

/** The native helper's interface (native/bindtodevice.c). */
export interface BindToDeviceAddon {
  /** Returns a bound, non-blocking, close-on-exec UDP socket fd; throws an Error with `code` = errno name. */
  openBoundUdpSocket(ifname: string, port: number, address?: string, reuseAddr?: boolean): number;
}

/** Where scripts/build-native.mjs puts the helper, relative to the package root. */
export const ADDON_RELATIVE_PATH = join('native', 'build', 'Release', 'bindtodevice.node');

const BUILD_HINT =
  'build it with `npm run build:native` in the switchyard package directory (needs python3, make and g++; ' +
  'Debian/Ubuntu: apt-get install python3 make g++)';

/** Finds the helper by walking up from this module (dist/src/dhcp/transport → package root). */
export function findAddon(startDir: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = startDir;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, ADDON_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

function isAddon(v: unknown): v is BindToDeviceAddon {
  return (
    typeof v === 'object' &&
    v !== null &&
    'openBoundUdpSocket' in v &&
    typeof v.openBoundUdpSocket === 'function'
  );
}

/** Loads the native helper; a missing or broken one is an EnvironmentError that says how to build it. */
export function loadBindToDeviceAddon(path: string | undefined = findAddon()): BindToDeviceAddon {
  if (path === undefined) {
    throw new EnvironmentError(
      `the native helper ${ADDON_RELATIVE_PATH} is missing; switchyard needs it on Linux to answer DHCP on ` +
        `one interface only (SO_BINDTODEVICE): ${BUILD_HINT}`,
    );
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (err) {
    throw new EnvironmentError(
      `the native helper ${path} does not load (${err instanceof Error ? err.message : String(err)}); ` +
        `rebuild it: ${BUILD_HINT}`,
      { cause: err },
    );
  }
  if (!isAddon(mod)) {
    throw new EnvironmentError(`${path} is not the switchyard native helper; rebuild it: ${BUILD_HINT}`);
  }
  return mod;
}

/** Maps a failure to open the socket to a message the user can act on. */
export function describeOpenError(err: unknown, interfaceName: string, port: number): EnvironmentError {
  const code =
    typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
  const detail = err instanceof Error ? err.message : String(err);
  let message: string;
  switch (code) {
    case 'EADDRINUSE':
      message = `UDP port ${port} on ${interfaceName} is in use by another process (another DHCP server?)`;
      break;
    case 'ENODEV':
      message = `network interface "${interfaceName}" does not exist`;
      break;
    case 'EPERM':
    case 'EACCES':
      message =
        `not allowed to open UDP port ${port} bound to ${interfaceName}: run as root, or grant ` +
        `CAP_NET_BIND_SERVICE (ports below 1024) and CAP_NET_RAW (SO_BINDTODEVICE)`;
      break;
    default:
      message = `cannot open UDP port ${port} on ${interfaceName}`;
  }
  return new EnvironmentError(`${message} (${detail})`, { cause: err });
}

/** Opens 0.0.0.0:port bound to opts.interfaceName. Synchronous: bind({ fd }) adopts an already bound fd. */
export function openLinuxSocket(
  opts: Pick<TransportOptions, 'interfaceName' | 'hostAddress' | 'port'>,
  addon: BindToDeviceAddon = loadBindToDeviceAddon(),
): BoundUdpSocket {
  const { interfaceName, hostAddress, port } = opts;
  let fd: number;
  try {
    // reuseAddr stays off: UDP has no TIME_WAIT, so a restart rebinds at once; with SO_REUSEADDR a second
    // server on this interface would share the port silently instead of failing with EADDRINUSE.
    fd = addon.openBoundUdpSocket(interfaceName, port, '0.0.0.0', false);
  } catch (err) {
    throw describeOpenError(err, interfaceName, port);
  }
  const socket = createSocket({ type: 'udp4' });
  try {
    socket.bind({ fd }); // takes ownership: closing the socket closes fd
  } catch (err) {
    try {
      socket.close();
    } catch {
      // not running
    }
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    throw new EnvironmentError(
      `cannot adopt the UDP socket for ${interfaceName} (${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
  return {
    socket,
    description: `0.0.0.0:${port} bound to device ${interfaceName} (host ${hostAddress})`,
    ignoreErrorCodes: new Set(),
  };
}
