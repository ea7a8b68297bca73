/**
 * What a change does, as data: platform-neutral operations that each backend knows how to carry out
 * (Windows: PowerShell statements; Linux: iproute2/nftables/sysctl). The plan holds them; apply only
 * executes them, never re-decides.
 */
import type { Cidr, Ipv4 } from '../net/ipv4.js';
import type { FirewallRule, ObservedHyperVFirewall, WslConfigEncoding } from './observed.js';

/** The boot task's action (artifacts/scheduled-task.ts builds it from paths). */

export interface BootTaskSpec {
  /** The program: node.exe, or switchyard.exe itself in a single-executable build. */
  execute: string;
  /** The argument string, quoted for CommandLineToArgvW. */
  arguments: string;
  /** Working directory, the state directory (created by the op). */
  workingDirectory: string;
  /** What `install` copies into admin-only folders first (the program, the config); see stageBootFiles. */
  stage?: BootFilesStage;
}

/** Folders made admin-only (owner Administrators, no inheritance, SYSTEM/Administrators full, Users read), then files copied into them. */
export interface BootFilesStage {
  dirs: string[];
  copies: { from: string; to: string }[];
}

export type Op =
  | { op: 'createSwitch'; name: string }
  | { op: 'deleteSwitch'; name: string }
  /** Bounded wait for the switch's host interface to appear (Windows creates vEthernet adapters late). */
  | { op: 'waitInterface'; iface: string; timeoutS: number }
  | { op: 'addAddress'; iface: string; address: Ipv4; prefix: number }
  | { op: 'removeAddress'; iface: string; address: Ipv4; prefix: number }
  /**
   * NAT for `prefix` toward the uplink: never for traffic leaving by `outsideOf` (the switch) or by `notOut`
   * (Linux: lo, the WSL link, the other switches; Windows' NetNat has no such setting, see nat.ts).
   */
  | { op: 'createNat'; name: string; prefix: Cidr; outsideOf: string; notOut?: string[] }
  | { op: 'deleteNat'; name: string }
  | { op: 'setForwarding'; iface: string; on: boolean }
  | { op: 'setFirewall'; rules: FirewallRule[] }
  | { op: 'setWslNat'; subnet: Cidr; gateway: Ipv4 }
  | { op: 'clearWslUserIp' }
  /** Write %USERPROFILE%\.wslconfig with this text, whole (the diff computed it from the text it saw). */
  | { op: 'setWslConfig'; text: string; encoding?: WslConfigEncoding }
  /** Hyper-V firewall, WSL's VM creator: DefaultInboundAction Allow (Windows 11 22H2+; a no-op where that firewall does not exist). */
  | { op: 'setHyperVFirewallInbound' }
  /**
   * NRPT: names under `namespace` go to `servers`; the rule carries `comment` (the ownership mark). Windows
   * only. Idempotent: other rules with the same mark are replaced, an equal rule is kept.
   */
  | { op: 'addNrptRule'; namespace: string; servers: Ipv4[]; comment: string }
  /** Remove the NRPT rule with this Name (a GUID), only if it carries switchyard's mark. Windows only. */
  | { op: 'removeNrptRule'; name: string }
  /** (Re)register the boot task (Windows Scheduled Task \\switchyard\\switchyard), replacing ours, and start it. */
  | { op: 'registerBootTask'; task: BootTaskSpec }
  /** Make `dirs` admin-only and copy the boot task's files into them; refuses (throws) when it cannot. */
  | ({ op: 'stageBootFiles' } & BootFilesStage)
  /** Stop and remove our boot task (only in our task folder). */
  | { op: 'unregisterBootTask' }
  // Restoring what switchyard replaced (model/originals.ts), for uninstall. null = the value did not exist.
  | { op: 'restoreWslNat'; natNetwork: string | null; natGateway: string | null }
  | { op: 'restoreWslUserIp'; ip: string }
  /** Delete %USERPROFILE%\.wslconfig (switchyard created it). */
  | { op: 'removeWslConfig' }
  | {
      op: 'restoreHyperVFirewallInbound';
      action: Exclude<ObservedHyperVFirewall['defaultInboundAction'], 'unknown'>;
    }
  /** systemd-resolved (Linux): `iface` gets exactly this DNS server and the routing-only domain `~domain`. */
  | { op: 'setLinkDns'; iface: string; server: Ipv4; domain: string }
  /** systemd-resolved (Linux): drop the per-link settings of `iface` (`resolvectl revert`). */
  | { op: 'revertLinkDns'; iface: string };
