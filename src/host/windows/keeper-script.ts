/**
 * The daemon's targeted check on Windows: one small script that loads NetTCPIP only (not the observation's
 * seven modules), turns IPv4 forwarding on where it is off on exactly the switch adapters (by alias) and
 * WSL's adapter (by WSL_ADAPTER_NAME: its alias changes with WSL's Hyper-V firewall), and — for `mtu: auto` —
 * reads every interface's MTU, the IPv4 addresses and the active routes. Runs as the process it is
 * (runPowerShell), never through the UAC wrapper: the boot task runs the daemon as SYSTEM.
 *
 * The result uses the observation's section names and shapes (observe.ts), so one parser serves both;
 * `enabled` and `failed` say what the script changed. Windows PowerShell 5.1 syntax only.
 */
import { isObservationError, parseObservation } from './observation-parse.js';
import { WSL_ADAPTER_NAME } from './observation-query.js';
import { OBSERVATION_SCHEMA, type ObservedWindows } from './observation-types.js';
import { PS_IS_ELEVATED, wrapScript } from './prelude.js';
import { psArray, psString } from '../../ps-quote.js';

export interface KeeperScriptOptions {
  /** Aliases of the switch adapters whose forwarding is kept on (compared case-insensitively, as Windows does). */
  forward: readonly string[];
  /** Keep forwarding on for WSL's adapter too. */
  wsl: boolean;
  /** Also report MTUs, addresses and routes (`mtu: auto`). */
  uplink: boolean;
}

export function keeperScript(o: KeeperScriptOptions): string {
  const props = (...p: string[]): string => psArray(p);
  return wrapScript(`  $keep = ${psArray(o.forward)}
  $wslName = ${o.wsl ? psString(WSL_ADAPTER_NAME.source) : '$null'}
  $uplink = ${o.uplink ? '$true' : '$false'}
  $r = [ordered]@{ schema = ${OBSERVATION_SCHEMA}; elevated = ${PS_IS_ELEVATED}; interfaces = $null; addresses = $null; routes = $null; enabled = @(); failed = @() }
  $enabled = [Collections.ArrayList]::new()
  $failed = [Collections.ArrayList]::new()
  $all = @(NetTCPIP\\Get-NetIPInterface -AddressFamily IPv4)
  $mine = @($all | Where-Object { $a = "$($_.InterfaceAlias)"; ($keep -contains $a) -or ($wslName -and ($a -match $wslName)) })
  foreach ($i in $mine) {
    if ("$($i.Forwarding)" -eq 'Enabled' -or "$($i.Forwarding)" -eq '1') { continue }
    try {
      $i | NetTCPIP\\Set-NetIPInterface -Forwarding Enabled
      [void]$enabled.Add("$($i.InterfaceAlias)")
    } catch {
      [void]$failed.Add([ordered]@{ alias = "$($i.InterfaceAlias)"; message = "$($_.Exception.Message)"; errorId = "$($_.FullyQualifiedErrorId)" })
    }
  }
  $shown = $mine
  if ($uplink) {
    $shown = $all
    $r.addresses = @(NetTCPIP\\Get-NetIPAddress -AddressFamily IPv4 | Select-Object -Property ${props('IPAddress', 'PrefixLength', 'InterfaceAlias', 'InterfaceIndex', 'PrefixOrigin', 'SuffixOrigin', 'AddressState')})
    $r.routes = @(NetTCPIP\\Get-NetRoute -AddressFamily IPv4 -PolicyStore ActiveStore | Select-Object -Property ${props('DestinationPrefix', 'InterfaceAlias', 'InterfaceIndex', 'NextHop', 'RouteMetric')})
  }
  $r.interfaces = @($shown | Select-Object -Property ${props('InterfaceAlias', 'InterfaceIndex', 'Forwarding', 'NlMtu', 'InterfaceMetric', 'ConnectionState')})
  $r.enabled = @($enabled)
  $r.failed = @($failed)
  Out-Marked 'JSON' $r`);
}

export interface KeeperFailure {
  alias: string;
  message: string;
  errorId: string | null;
}

export interface KeeperResult {
  /** As the observation parses it: `interfaces` (before any repair), and with `uplink` `addresses`, `routes`. */
  observed: ObservedWindows;
  /** Aliases whose forwarding the script turned on. */
  enabled: string[];
  /** Aliases where Set-NetIPInterface failed (not elevated: "Access is denied", Windows System Error 5). */
  failed: KeeperFailure[];
}

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 5.1 prints a one-element array as the element, and some arrays as `{ value: [...], Count }`. */
function items(v: unknown): unknown[] {
  const u = isRec(v) && 'value' in v && 'Count' in v ? v.value : v;
  if (u === null || u === undefined) return [];
  return Array.isArray(u) ? u : [u];
}

/** The script's JSON value, or a string saying why it is not one. */
export function parseKeeperResult(value: unknown): KeeperResult | string {
  if (!isRec(value)) return 'the keeper script returned no object';
  const observed = parseObservation({
    ...value,
    switches: null,
    adapters: null,
    nats: null,
    firewallRules: null,
    hypervFirewall: null,
    nrptRules: null,
    nrptPolicy: null,
    wsl: null,
    notes: [],
  });
  if (isObservationError(observed)) return observed.error;
  const enabled = items(value.enabled).filter((a): a is string => typeof a === 'string');
  const failed = items(value.failed).flatMap((f): KeeperFailure[] =>
    isRec(f) && typeof f.alias === 'string'
      ? [
          {
            alias: f.alias,
            message: typeof f.message === 'string' ? f.message : 'failed',
            errorId: typeof f.errorId === 'string' && f.errorId !== '' ? f.errorId : null,
          },
        ]
      : [],
  );
  return { observed, enabled, failed };
}
