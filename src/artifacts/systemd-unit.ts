/**
 * The systemd unit for `switchyard serve` on a Linux host (`switchyard install` writes it to
 * /etc/systemd/system/switchyard.service). Pure: every path comes in as an argument.
 *
 * Privileges — why User=root with a capability bounding set, not an unprivileged/DynamicUser account:
 * - the daemon needs CAP_NET_RAW (raw/packet sockets: DHCP to clients without an address, ARP probes),
 *   CAP_NET_BIND_SERVICE (UDP 67, DNS 53) and CAP_NET_ADMIN (the forwarding keeper writes
 *   /proc/sys/net/ipv4/conf/<if>/forwarding; SO_BINDTODEVICE);
 * - the config file may live at any path the administrator chose, root-owned and not world-readable, and
 *   the keeper's sysctl files are owned by uid 0 (the kernel also lets CAP_NET_ADMIN holders write net
 *   sysctls, but only in the netns owner's user namespace — running as uid 0 avoids depending on that).
 * So uid 0 keeps file ownership, while `CapabilityBoundingSet=` removes every capability except those
 * three (no CAP_DAC_OVERRIDE, CAP_SYS_ADMIN, CAP_SYS_MODULE…): the process cannot read files root cannot
 * read by owner bits alone, cannot load modules, mount, ptrace, or regain capabilities (NoNewPrivileges).
 * `AmbientCapabilities=` is listed too so the same unit keeps working if an administrator adds `User=`.
 *
 * Not used, on purpose: ProtectKernelTunables= (it makes /proc/sys read-only, which would stop the
 * forwarding keeper), MemoryDenyWriteExecute= (V8's JIT needs W+X pages), PrivateNetwork= (obviously).
 */
import { posix } from 'node:path';
import { InternalError } from '../errors.js';
import { SERVE_NODE_FLAGS } from './serve-flags.js';

export const UNIT_NAME = 'switchyard.service';
export const UNIT_DIR = '/etc/systemd/system';

/** The capabilities the daemon keeps. */
export const DAEMON_CAPABILITIES: readonly string[] = [
  'CAP_NET_ADMIN',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
];

export interface ServeUnitOptions {
  /** Absolute path of the node binary (process.execPath), or of switchyard itself in a single-executable build. */
  nodePath: string;
  /** Absolute path of bin/switchyard.js; left out in a single-executable build. */
  scriptPath?: string;
  /** Absolute path of the config file. */
  configPath: string;
  /** Absolute path of the state directory (leases, pinned ranges, control.sock). */
  stateDir: string;
  /** Package version, written into a comment. */
  version?: string;
  /** The unit is printed (`install --print`), not installed: the header says so. */
  printed?: boolean;
}

// Control characters cannot be written into a unit file line in any form systemd reads back.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkValue(what: string, value: string): void {
  if (CONTROL.test(value)) {
    throw new InternalError(
      `cannot write ${what} into a systemd unit: it contains a control character: ${JSON.stringify(value)}`,
    );
  }
}

function checkAbsolute(what: string, path: string): void {
  checkValue(what, path);
  if (!posix.isAbsolute(path)) throw new InternalError(`${what} must be an absolute path: ${path}`);
}

/**
 * One Exec*= argument (systemd.service(5) "Command lines"): double-quoted, with `\` and `"` escaped (C-style
 * unquoting), `%` doubled (specifier expansion) and `$` doubled (environment variable substitution).
 */
export function systemdExecArg(value: string): string {
  checkValue('an argument', value);
  const body = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return `"${body}"`;
}

/**
 * A path in a path-list setting such as ReadWritePaths= (quoted, `\`/`"` escaped, `%` doubled; no `$`
 * expansion there).
 */
export function systemdPathArg(value: string): string {
  checkAbsolute('a path', value);
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/**
 * A whole ExecStart= command line. The executable must be absolute; it is written bare when it has only
 * plain characters (easier to read, and what simple tools grepping Exec lines expect), quoted otherwise.
 */
export function systemdCommandLine(exe: string, args: readonly string[]): string {
  checkAbsolute('the executable', exe);
  const first = /^[A-Za-z0-9_./+-]+$/.test(exe) ? exe : systemdExecArg(exe);
  return [first, ...args.map(systemdExecArg)].join(' ');
}

/** A free-text value (Description=): no quoting applies, but `%` must still be doubled. */
function systemdText(value: string): string {
  checkValue('a description', value);
  return value.replace(/%/g, '%%');
}

/**
 * How the state directory becomes writable under ProtectSystem=strict: under /var/lib it is a
 * StateDirectory= (systemd creates it, mode 0700); elsewhere a ReadWritePaths= entry (it must exist:
 * `switchyard install` creates it).
 */
export function stateDirLines(stateDir: string): string[] {
  checkAbsolute('the state directory', stateDir);
  const normal = posix.normalize(stateDir).replace(/\/+$/, '');
  const rel = normal.startsWith('/var/lib/') ? normal.slice('/var/lib/'.length) : '';
  // StateDirectory= takes a relative path without "..", quoting or specifier characters.
  if (rel !== '' && /^[A-Za-z0-9._\-/]+$/.test(rel) && !rel.split('/').includes('..')) {
    return [`StateDirectory=${rel}`, 'StateDirectoryMode=0700'];
  }
  return [`ReadWritePaths=${systemdPathArg(normal)}`];
}

/** Under a directory that PrivateTmp= would replace with an empty one of the service's own. */
export function underTmp(path: string): boolean {
  const p = posix.normalize(path);
  return p === '/tmp' || p.startsWith('/tmp/') || p === '/var/tmp' || p.startsWith('/var/tmp/');
}

/**
 * The unit text for `switchyard serve`.
 *
 * Boot: after a reboot the bridge, its address, the nftables table and ip_forward are gone (none of it
 * persists); the ranges are pinned in the state directory. `ExecStartPre=… apply --yes` with the same
 * config and state directory re-converges the pinned network before `serve` starts, and a failing apply
 * keeps the service from starting with its own message in the journal.
 */
export function serveUnit(o: ServeUnitOptions): string {
  checkAbsolute('the node path', o.nodePath);
  if (o.scriptPath !== undefined) checkAbsolute('the script path', o.scriptPath);
  checkAbsolute('the config path', o.configPath);
  const caps = DAEMON_CAPABILITIES.join(' ');
  const command = (verb: string[], flags: readonly string[]): string =>
    systemdCommandLine(o.nodePath, [
      ...(o.scriptPath !== undefined ? [...flags, o.scriptPath] : []),
      ...verb,
      '--config',
      o.configPath,
      '--state-dir',
      o.stateDir,
    ]);
  const exec = command(['serve'], SERVE_NODE_FLAGS);
  const converge = command(['apply', '--yes'], []);
  // PrivateTmp= gives the service an empty /tmp: a config or state directory there would vanish from its view.
  const tmp = [o.configPath, o.stateDir].filter(underTmp);
  const privateTmp =
    tmp.length > 0
      ? [
          `# PrivateTmp=no: ${tmp.join(' and ')} is under /tmp or /var/tmp, which PrivateTmp=yes would hide from the service.`,
          'PrivateTmp=no',
        ]
      : ['PrivateTmp=yes'];
  const lines = [
    `# ${o.printed === true ? 'Printed by switchyard install --print' : 'Written by switchyard install'}${o.version !== undefined ? ` ${systemdText(o.version)}` : ''}.`,
    '# Remove with: systemctl disable --now switchyard && rm /etc/systemd/system/switchyard.service',
    '[Unit]',
    'Description=switchyard DHCP/DNS daemon and forwarding keeper',
    'Wants=network-online.target',
    'After=network-online.target',
    // Bounded restarts: 10 failed starts in 5 minutes end the restart loop (the journal has the reason).
    'StartLimitIntervalSec=300',
    'StartLimitBurst=10',
    '',
    '[Service]',
    'Type=simple',
    // re-converge the pinned network (bridge, address, NAT, ip_forward) before serving: see serveUnit
    `ExecStartPre=${converge}`,
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=2s',
    'TimeoutStopSec=15s',
    // uid 0 with only the three network capabilities: see the header comment.
    'User=root',
    `CapabilityBoundingSet=${caps}`,
    `AmbientCapabilities=${caps}`,
    'NoNewPrivileges=yes',
    ...stateDirLines(o.stateDir),
    'ProtectSystem=strict',
    'ProtectHome=read-only',
    ...privateTmp,
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    'UMask=0077',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}
