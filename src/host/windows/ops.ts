/**
 * Abstract operations as PowerShell: each one guarded so it is idempotent (a re-run of the same script is
 * harmless), with every config value passed through psString/psArray — never spliced raw. Create and
 * remove touch only what carries switchyard's mark (model/marks.ts): switch Notes, NetNat name prefix,
 * firewall group, NRPT Comment.
 */
import { registerTaskStatements, stageBootFilesStatements, unregisterTaskStatements } from './task.js';
import {
  FIREWALL_GROUP,
  LXSS_HKCU,
  LXSS_HKLM,
  NAT_PREFIX,
  NRPT_MARK,
  SWITCH_NOTE,
} from '../../model/marks.js';
import type { Op } from '../../model/ops.js';
import { formatCidr, formatIpv4 } from '../../net/ipv4.js';
import { WSL_VM_CREATOR_ID } from './observation-types.js';
import { psArray, psString } from '../../ps-quote.js';

export function renderOpPs(op: Op): string {
  switch (op.op) {
    case 'createSwitch': {
      const n = psString(op.name);
      return `if (-not (Get-VMSwitch -Name ${n} -ErrorAction SilentlyContinue)) { New-VMSwitch -Name ${n} -SwitchType Internal -Notes ${psString(SWITCH_NOTE)} | Out-Null }`;
    }
    case 'deleteSwitch': {
      // Only a switch that carries our mark, and only when no VM is connected to it.
      const n = psString(op.name);
      return [
        `$sw = Get-VMSwitch -Name ${n} -ErrorAction SilentlyContinue`,
        `if ($sw -and $sw.Notes -eq ${psString(SWITCH_NOTE)}) {`,
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
      // Windows allows one NetNat (docs/windows.md#nat): never create a second, never remove a foreign one.
      return [
        `$foreign = @(Get-NetNat -ErrorAction SilentlyContinue | Where-Object { -not $_.Name.StartsWith(${psString(NAT_PREFIX)}) })`,
        `if ($foreign.Count -gt 0) { throw ('Windows allows one NetNat and ' + $foreign[0].Name + ' exists, not switchyard''s: remove it if nothing needs it, or set nat: false') }`,
        `if (-not (Get-NetNat -Name ${n} -ErrorAction SilentlyContinue)) { New-NetNat -Name ${n} -InternalIPInterfaceAddressPrefix ${psString(formatCidr(op.prefix))} | Out-Null }`,
      ].join('\n');
    }
    case 'deleteNat':
      return `Get-NetNat -Name ${psString(op.name)} -ErrorAction SilentlyContinue | Where-Object { $_.Name.StartsWith(${psString(NAT_PREFIX)}) } | Remove-NetNat -Confirm:$false`;
    case 'setForwarding':
      // By alias, never by index: WSL's adapter is recreated with a new index at each start (microsoft/WSL#4288).
      return `Set-NetIPInterface -InterfaceAlias ${psString(op.iface)} -AddressFamily IPv4 -Forwarding ${op.on ? 'Enabled' : 'Disabled'}`;
    case 'setFirewall': {
      const g = psString(FIREWALL_GROUP);
      const lines = [
        `Get-NetFirewallRule -Group ${g} -ErrorAction SilentlyContinue | Remove-NetFirewallRule`,
      ];
      for (const r of op.rules) {
        lines.push(
          `New-NetFirewallRule -DisplayName ${psString(r.name)} -Group ${g} -Direction Inbound -Action Allow -Protocol ${r.protocol.toUpperCase()} -LocalPort ${r.port} -RemoteAddress ${psArray(r.from.map(formatCidr))}${r.iface !== undefined ? ` -InterfaceAlias ${psString(r.iface)}` : ''} | Out-Null`,
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
    case 'setWslConfig': {
      // In the file's own encoding (UnicodeEncoding(bigEndian, byteOrderMark)); UTF-8 without a BOM by default.
      const encoding = {
        utf8: '[Text.UTF8Encoding]::new($false)',
        utf8bom: '[Text.UTF8Encoding]::new($true)',
        utf16le: '[Text.UnicodeEncoding]::new($false, $true)',
        utf16be: '[Text.UnicodeEncoding]::new($true, $true)',
      }[op.encoding ?? 'utf8'];
      return `[IO.File]::WriteAllText((Join-Path $env:USERPROFILE '.wslconfig'), ${psString(op.text)}, ${encoding})`;
    }
    case 'setHyperVFirewallInbound': {
      // Windows 11 22H2+ only; on Windows 10 the cmdlet does not exist (microsoft/WSL#11377): skip.
      const cmd = 'Set-NetFirewallHyperVVMSetting';
      return `if (Get-Command -Name ${psString(cmd)} -ErrorAction SilentlyContinue) { ${cmd} -Name ${psString(WSL_VM_CREATOR_ID)} -DefaultInboundAction Allow }`;
    }
    case 'addNrptRule': {
      // Get-DnsClientNrptRule prints Namespace and NameServers as lists; -eq/-contains/-like ignore case, as
      // Windows does for DNS names. A rule not ours on the namespace is refused unless it says the same (then
      // it stands in for ours); our rules with this mark are replaced unless one is equal (dns-rule.ts).
      const ns = psString(op.namespace);
      const servers = psString(op.servers.map(formatIpv4).join(','));
      return [
        `$rules = @(Get-DnsClientNrptRule -ErrorAction SilentlyContinue)`,
        `$foreign = @($rules | Where-Object { "$($_.Comment)" -notlike ${psString(`${NRPT_MARK}*`)} -and @($_.Namespace) -contains ${ns} })`,
        `foreach ($x in $foreign) { if ((@($x.NameServers) -join ',') -ne ${servers}) { throw ('NRPT rule ' + $x.Name + ' is not switchyard''s and already claims ' + ${ns} + ': remove it (Remove-DnsClientNrptRule -Name ' + $x.Name + ' -Force) if nothing needs it, or set dns.domain to another domain') } }`,
        `$kept = $false`,
        `foreach ($x in @($rules | Where-Object { $_.Comment -eq ${psString(op.comment)} })) {`,
        `  if (-not $kept -and (@($x.Namespace) -join ',') -eq ${ns} -and (@($x.NameServers) -join ',') -eq ${servers}) { $kept = $true } else { Remove-DnsClientNrptRule -Name $x.Name -Force }`,
        `}`,
        `if (-not $kept -and $foreign.Count -eq 0) { Add-DnsClientNrptRule -Namespace ${ns} -NameServers ${psArray(op.servers.map(formatIpv4))} -Comment ${psString(op.comment)} }`,
      ].join('\n');
    }
    case 'removeNrptRule':
      // Only a rule that carries our mark, whatever Name the plan saw.
      return `Get-DnsClientNrptRule -Name ${psString(op.name)} -ErrorAction SilentlyContinue | Where-Object { "$($_.Comment)" -like ${psString(`${NRPT_MARK}*`)} } | ForEach-Object { Remove-DnsClientNrptRule -Name $_.Name -Force }`;
    case 'registerBootTask':
      return registerTaskStatements(op.task).join('\n');
    case 'stageBootFiles':
      return stageBootFilesStatements(op).join('\n');
    case 'unregisterBootTask':
      return unregisterTaskStatements().join('\n');
    case 'restoreWslNat': {
      const key = psString(LXSS_HKLM);
      const put = (name: string, value: string | null): string =>
        value === null
          ? `Remove-ItemProperty -Path ${key} -Name ${psString(name)} -ErrorAction SilentlyContinue`
          : `Set-ItemProperty -Path ${key} -Name ${psString(name)} -Value ${psString(value)}`;
      return [
        `if (-not (Test-Path ${key})) { New-Item -Path ${key} -Force | Out-Null }`,
        put('NatNetwork', op.natNetwork),
        put('NatGatewayIpAddress', op.natGateway),
      ].join('\n');
    }
    case 'restoreWslUserIp':
      return [
        `if (-not (Test-Path ${psString(LXSS_HKCU)})) { New-Item -Path ${psString(LXSS_HKCU)} -Force | Out-Null }`,
        `Set-ItemProperty -Path ${psString(LXSS_HKCU)} -Name 'NatIpAddress' -Value ${psString(op.ip)}`,
      ].join('\n');
    case 'removeWslConfig':
      return `Remove-Item -LiteralPath (Join-Path $env:USERPROFILE '.wslconfig') -Force -ErrorAction SilentlyContinue`;
    case 'restoreHyperVFirewallInbound': {
      const cmd = 'Set-NetFirewallHyperVVMSetting';
      // The documented values are NotConfigured, Allow and Block (Set-NetFirewallHyperVVMSetting,
      // -DefaultInboundAction). AllowBypass is a firewall-rule action that Get- may show but Set- refuses:
      // the nearest value that can be written back is Allow.
      const value = {
        notConfigured: 'NotConfigured',
        allow: 'Allow',
        allowBypass: 'Allow',
        block: 'Block',
      }[op.action];
      return `if (Get-Command -Name ${psString(cmd)} -ErrorAction SilentlyContinue) { ${cmd} -Name ${psString(WSL_VM_CREATOR_ID)} -DefaultInboundAction ${value} }`;
    }
    case 'setLinkDns':
    case 'revertLinkDns':
      // systemd-resolved is Linux's; on Windows the NRPT rule (dns-rule) routes the domain. Never planned here.
      return `throw ${psString(`${op.op} is Linux-only (systemd-resolved)`)}`;
  }
}

/**
 * The operations as one script body, each preceded by a progress marker the executor reads back (numbered
 * from `first`, the index of the first of them in the whole plan).
 */
export function renderOpsPs(ops: readonly Op[], first = 0): string {
  return ops
    .map((op, i) => `[Console]::Out.WriteLine('<<<SWITCHYARD-STEP ${first + i}')\n${renderOpPs(op)}`)
    .join('\n');
}

/**
 * Operations on the user's own state — %USERPROFILE%\.wslconfig and HKCU …\Lxss — which must run in the
 * user's own, non-elevated PowerShell: when a standard user elevates with an administrator's credentials
 * (the UAC prompt's default for standard users), the elevated process's profile and HKCU are that
 * administrator's (learn.microsoft.com/windows/security/application-security/application-control/
 * user-account-control/how-it-works).
 */
export function isPerUserOp(op: Op): boolean {
  return (
    op.op === 'setWslConfig' ||
    op.op === 'removeWslConfig' ||
    op.op === 'clearWslUserIp' ||
    op.op === 'restoreWslUserIp'
  );
}
