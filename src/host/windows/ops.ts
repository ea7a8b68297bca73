/**
 * Abstract operations as PowerShell: each one guarded so it is idempotent (a re-run of the same script is
 * harmless), with every config value passed through psString/psArray — never spliced raw. The ownership
 * marks: VM switches carry Notes 'switchyard'; NetNats are named 'switchyard-<switch>'; firewall rules are
 * in the group 'switchyard'.
 */
import { NAT_PREFIX } from '../../model/resources/nat.js';
import type { Op } from '../../model/ops.js';
import { formatCidr, formatIpv4 } from '../../net/ipv4.js';
import { WSL_VM_CREATOR_ID } from './observe.js';
import { psArray, psString } from './quote.js';

export const OWNER_NOTE = 'switchyard';
export const FIREWALL_GROUP = 'switchyard';
const LXSS_HKLM = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Lxss';
const LXSS_HKCU = 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss';

export function renderOpPs(op: Op): string {
  switch (op.op) {
    case 'createSwitch': {
      const n = psString(op.name);
      return `if (-not (Get-VMSwitch -Name ${n} -ErrorAction SilentlyContinue)) { New-VMSwitch -Name ${n} -SwitchType Internal -Notes ${psString(OWNER_NOTE)} | Out-Null }`;
    }
    case 'deleteSwitch': {
      // Only a switch that carries our mark, and only when no VM is connected to it.
      const n = psString(op.name);
      return [
        `$sw = Get-VMSwitch -Name ${n} -ErrorAction SilentlyContinue`,
        `if ($sw -and $sw.Notes -eq ${psString(OWNER_NOTE)}) {`,
        `  if (Get-VMNetworkAdapter -VMName * -ErrorAction SilentlyContinue | Where-Object { $_.SwitchName -eq ${n} }) { throw ('VMs are still connected to switch ' + ${n}) }`,
        `  Remove-VMSwitch -Name ${n} -Force`,
        `}`,
      ].join('\n');
    }
    case 'waitInterface': {
      // New-VMSwitch returns before its vEthernet adapter exists; wait, bounded (NetworkingDsc waits 30 s).
      const a = psString(op.iface);
      return [
        `$deadline = (Get-Date).AddSeconds(${op.timeoutS})`,
        `while (-not (Get-NetAdapter -Name ${a} -ErrorAction SilentlyContinue)) {`,
        `  if ((Get-Date) -gt $deadline) { throw ('adapter ' + ${a} + ' did not appear within ${op.timeoutS} s') }`,
        `  Start-Sleep -Milliseconds 500`,
        `}`,
      ].join('\n');
    }
    case 'addAddress': {
      const a = psString(op.iface);
      const ip = psString(formatIpv4(op.address));
      return `if (-not (Get-NetIPAddress -InterfaceAlias ${a} -IPAddress ${ip} -ErrorAction SilentlyContinue)) { New-NetIPAddress -InterfaceAlias ${a} -IPAddress ${ip} -PrefixLength ${op.prefix} | Out-Null }`;
    }
    case 'removeAddress':
      return `Get-NetIPAddress -InterfaceAlias ${psString(op.iface)} -IPAddress ${psString(formatIpv4(op.address))} -ErrorAction SilentlyContinue | Remove-NetIPAddress -Confirm:$false`;
    case 'createNat': {
      const n = psString(op.name);
      // Windows allows one NetNat (research §2.B): never create a second, never remove a foreign one.
      return [
        `$foreign = @(Get-NetNat -ErrorAction SilentlyContinue | Where-Object { -not $_.Name.StartsWith(${psString(NAT_PREFIX)}) })`,
        `if ($foreign.Count -gt 0) { throw ('Windows allows one NetNat and ' + $foreign[0].Name + ' exists, not switchyard''s: remove it if nothing needs it, or set nat: false') }`,
        `if (-not (Get-NetNat -Name ${n} -ErrorAction SilentlyContinue)) { New-NetNat -Name ${n} -InternalIPInterfaceAddressPrefix ${psString(formatCidr(op.prefix))} | Out-Null }`,
      ].join('\n');
    }
    case 'deleteNat':
      return `Get-NetNat -Name ${psString(op.name)} -ErrorAction SilentlyContinue | Where-Object { $_.Name.StartsWith(${psString(NAT_PREFIX)}) } | Remove-NetNat -Confirm:$false`;
    case 'setForwarding':
      // By alias, never by index: WSL's adapter is recreated with a new index at each start (research §2.C).
      return `Set-NetIPInterface -InterfaceAlias ${psString(op.iface)} -AddressFamily IPv4 -Forwarding Enabled`;
    case 'setFirewall': {
      const g = psString(FIREWALL_GROUP);
      const lines = [
        `Get-NetFirewallRule -Group ${g} -ErrorAction SilentlyContinue | Remove-NetFirewallRule`,
      ];
      for (const r of op.rules) {
        lines.push(
          `New-NetFirewallRule -DisplayName ${psString(r.name)} -Group ${g} -Direction Inbound -Action Allow -Protocol ${r.protocol.toUpperCase()} -LocalPort ${r.port} -RemoteAddress ${psArray(r.from.map(formatCidr))} | Out-Null`,
        );
      }
      return lines.join('\n');
    }
    case 'setWslNat':
      return [
        `if (-not (Test-Path ${psString(LXSS_HKLM)})) { New-Item -Path ${psString(LXSS_HKLM)} -Force | Out-Null }`,
        `Set-ItemProperty -Path ${psString(LXSS_HKLM)} -Name 'NatNetwork' -Value ${psString(formatCidr(op.subnet))}`,
        `Set-ItemProperty -Path ${psString(LXSS_HKLM)} -Name 'NatGatewayIpAddress' -Value ${psString(formatIpv4(op.gateway))}`,
      ].join('\n');
    case 'clearWslUserIp':
      return `Remove-ItemProperty -Path ${psString(LXSS_HKCU)} -Name 'NatIpAddress' -ErrorAction SilentlyContinue`;
    case 'setWslConfig':
      return `[IO.File]::WriteAllText((Join-Path $env:USERPROFILE '.wslconfig'), ${psString(op.text)})`;
    case 'setHyperVFirewallInbound': {
      // Windows 11 22H2+ only; on Windows 10 the cmdlet does not exist (research windows-fixtures §7.3): skip.
      const cmd = 'Set-NetFirewallHyperVVMSetting';
      return `if (Get-Command -Name ${psString(cmd)} -ErrorAction SilentlyContinue) { ${cmd} -Name ${psString(WSL_VM_CREATOR_ID)} -DefaultInboundAction Allow }`;
    }
    case 'setLinkDns':
    case 'revertLinkDns':
      // systemd-resolved is Linux's; on Windows the NRPT rule (dns-rule) routes the domain. Never planned here.
      return `throw ${psString(`${op.op} is Linux-only (systemd-resolved)`)}`;
  }
}

/** The operations as one script body, each preceded by a progress marker the executor reads back. */
export function renderOpsPs(ops: readonly Op[]): string {
  return ops
    .map((op, i) => `[Console]::Out.WriteLine('<<<SWITCHYARD-STEP ${i}')\n${renderOpPs(op)}`)
    .join('\n');
}
