/**
 * What a Linux interface looks like before the DHCP server binds to it, and whether it is safe to serve
 * on. One effectful function (`inspectInterface`, one or two `ip -j` calls through an injected runner);
 * the rest is pure.
 *
 * Safety rule (docs/dhcp.md#where-it-answers): never become a rogue DHCP server on a real LAN. An address
 * that came from DHCP means another DHCP server already serves that network, so we refuse (as Technitium
 * does: "static IP required"). iproute2 marks such addresses "dynamic" (no IFA_F_PERMANENT: they were
 * added with a finite valid_lft, as dhclient-script, dhcpcd, systemd-networkd and NetworkManager do).
 * Limit: a DHCP client that adds its address without a lifetime (busybox udhcpc's default script uses
 * `ifconfig`) leaves a permanent address that cannot be told apart from a static one here.
 */
import { execFile } from 'node:child_process';
import { EnvironmentError } from '../../errors.js';
import type { InterfaceAddress, InterfaceInfo } from '../interface-info.js';
import type { Runner } from '../runner.js';

export type { InterfaceAddress, InterfaceInfo } from '../interface-info.js';
export { checkServeInterface, type ServeProblem, type ServeProblemKind } from '../interface-info.js';
export type { RunResult, Runner } from '../runner.js';

/** iproute2's "forever" lifetime (INFINITY_LIFE_TIME, 0xFFFFFFFF). */
export const FOREVER_LIFETIME = 4294967295;

/** The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no "/", ":" or whitespace. */
export function isValidInterfaceName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name, 'utf8') <= 15 &&
    name !== '.' &&
    name !== '..' &&
    !/[/:\s]/.test(name)
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseAddress(entry: unknown): InterfaceAddress | undefined {
  if (!isRecord(entry) || entry.family !== 'inet') return undefined;
  const { local, prefixlen, dynamic, valid_life_time: valid } = entry;
  if (typeof local !== 'string' || typeof prefixlen !== 'number') return undefined;
  return {
    address: local,
    prefix: prefixlen,
    dynamic: dynamic === true || (typeof valid === 'number' && valid < FOREVER_LIFETIME),
  };
}

/**
 * Parses the JSON of `ip -j -4 addr show dev NAME` (or `ip -j link show dev NAME`, which has no addr_info).
 * Returns undefined when the output has no entry for `name`: iproute2 prints `[]` for an interface that
 * exists but has no IPv4 address (older versions print `[{}]`), so the caller must ask `ip link` then.
 * Throws EnvironmentError on output that is not iproute2 JSON.
 */
export function parseIpJson(json: string, name: string): InterfaceInfo | undefined {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new EnvironmentError(`unexpected output from ip -j (not JSON): ${json.slice(0, 200)}`);
  }
  if (!Array.isArray(data)) {
    throw new EnvironmentError(`unexpected output from ip -j (not a JSON array): ${json.slice(0, 200)}`);
  }
  const link: unknown = data.find((e) => isRecord(e) && e.ifname === name);
  if (!isRecord(link)) return undefined;
  const flags = Array.isArray(link.flags) ? link.flags : [];
  const addrInfo = Array.isArray(link.addr_info) ? link.addr_info : [];
  return {
    name,
    exists: true,
    up: flags.includes('UP'),
    addresses: addrInfo.map(parseAddress).filter((a) => a !== undefined),
  };
}

/** The default Runner: child_process.execFile, C locale, 10 s timeout. */
export const execFileRunner: Runner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { encoding: 'utf8', timeout: 10_000, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
      (err, stdout, stderr) => {
        if (!err) {
          resolve({ code: 0, stdout, stderr });
        } else if (typeof err.code === 'number') {
          resolve({ code: err.code, stdout, stderr });
        } else if (err.code === 'ENOENT') {
          reject(new EnvironmentError(`${file} not found on PATH (install iproute2)`, { cause: err }));
        } else {
          reject(
            new EnvironmentError(`could not run ${file} ${args.join(' ')}: ${err.message}`, { cause: err }),
          );
        }
      },
    );
  });

function missing(name: string): InterfaceInfo {
  return { name, exists: false, up: false, addresses: [] };
}

async function ipJson(
  run: Runner,
  args: readonly string[],
  name: string,
): Promise<InterfaceInfo | undefined> {
  const r = await run('ip', args);
  if (r.code !== 0) {
    // iproute2: `Device "NAME" does not exist.` on stderr, exit 1.
    if (/does not exist/i.test(r.stderr)) return missing(name);
    throw new EnvironmentError(`ip ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return parseIpJson(r.stdout, name);
}

/** Looks at one interface with `ip -j -4 addr show dev NAME` (plus `ip -j link show dev NAME` if it has no IPv4 address). */
export async function inspectInterface(name: string, run: Runner = execFileRunner): Promise<InterfaceInfo> {
  if (!isValidInterfaceName(name)) {
    throw new EnvironmentError(
      `"${name}" is not a valid Linux interface name (1 to 15 bytes, no "/", ":" or spaces)`,
    );
  }
  const withAddresses = await ipJson(run, ['-j', '-4', 'addr', 'show', 'dev', name], name);
  if (withAddresses) return withAddresses;
  // Exists (exit 0) but has no IPv4 address: get the flags from `ip link`.
  return (await ipJson(run, ['-j', 'link', 'show', 'dev', name], name)) ?? missing(name);
}
