/**
 * What `switchyard doctor --report` records about the Windows it runs on, besides the observation: the
 * build, the PowerShell, the language mode, the token and its groups, and the names the report must
 * redact. One read-only, non-elevated script (Windows PowerShell 5.1 syntax: no `??`, no ternary), and
 * its parser. Every value is read defensively: a value that cannot be read is null, never a failed run.
 */
import { psString } from '../../ps-quote.js';
import { PS_IS_ELEVATED, PS_IS_HYPERV_ADMIN, wrapScript } from './prelude.js';

/** The build as `winver` shows it: CurrentBuild and UBR (the update revision) of this key. */
const CURRENT_VERSION_KEY = 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';
/** Well-known SID of BUILTIN\Administrators. */
const ADMINISTRATORS_SID = 'S-1-5-32-544';

export interface SystemInfo {
  /** "22631.4602" (CurrentBuild.UBR); null when the registry could not be read. */
  windowsBuild: string | null;
  /** "23H2"; null on builds before 20H2 (they have ReleaseId instead) or when unreadable. */
  displayVersion: string | null;
  /** "Windows 10 Pro" (also on Windows 11: ProductName was never updated) and the EditionID ("Professional", "Core" = Home). */
  productName: string | null;
  editionId: string | null;
  /** [Environment]::OSVersion.Version, e.g. "10.0.22631.0". */
  osVersion: string | null;
  /** Get-UICulture / Get-Culture names, e.g. "de-DE": the language cmdlets print display strings in. */
  uiCulture: string | null;
  culture: string | null;
  psVersion: string;
  psEdition: string;
  /** $ExecutionContext.SessionState.LanguageMode: "FullLanguage", "ConstrainedLanguage", … */
  languageMode: string;
  /** The token is elevated (in Administrators as an enabled group). */
  elevated: boolean | null;
  /** In Hyper-V Administrators (not filtered by UAC: enough for the Hyper-V cmdlets unelevated). */
  hypervAdmin: boolean | null;
  /**
   * The account is in Administrators, elevated or not (`whoami /groups` lists the group, as "deny only" in
   * a UAC-filtered token; WindowsIdentity.Groups leaves deny-only groups out); null when whoami could not run.
   */
  administratorsMember: boolean | null;
  /** [Environment]::UserInteractive: false without a desktop (a SYSTEM task, a service). */
  userInteractive: boolean | null;
  /** Names to redact from the report; never written to it. */
  names: {
    userName: string;
    userDomain: string;
    identity: string;
    computerName: string;
    machineName: string;
    userProfile: string;
  };
}

/**
 * The script: prints one JSON object between JSON markers. It only reads (the registry, environment
 * variables, the current token, `whoami.exe /groups`); it needs no elevation.
 */
export function systemInfoScript(): string {
  return wrapScript(`  $cv = Get-ItemProperty -LiteralPath ${psString(CURRENT_VERSION_KEY)} -ErrorAction SilentlyContinue
  $os = $null
  try { $os = "$([Environment]::OSVersion.Version)" } catch { }
  $identity = ''
  try { $identity = "$([Security.Principal.WindowsIdentity]::GetCurrent().Name)" } catch { }
  $elevated = $null
  try { $elevated = [bool](${PS_IS_ELEVATED}) } catch { }
  $hypervAdmin = $null
  try { $hypervAdmin = [bool](${PS_IS_HYPERV_ADMIN}) } catch { }
  $adminMember = $null
  try {
    $groups = @(& whoami.exe /groups /fo csv /nh 2>$null)
    if ($LASTEXITCODE -eq 0 -and $groups.Count -gt 0) { $adminMember = @($groups | Where-Object { "$_" -like ${psString(`*"${ADMINISTRATORS_SID}"*`)} }).Count -gt 0 }
  } catch { }
  $interactive = $null
  try { $interactive = [bool][Environment]::UserInteractive } catch { }
  $ui = $null; $culture = $null
  try { $ui = "$((Get-UICulture).Name)"; $culture = "$((Get-Culture).Name)" } catch { }
  $machine = ''
  try { $machine = "$([Environment]::MachineName)" } catch { }
  Out-Marked 'JSON' ([ordered]@{
    currentBuild = "$($cv.CurrentBuild)"; ubr = "$($cv.UBR)"; displayVersion = "$($cv.DisplayVersion)"; productName = "$($cv.ProductName)"; editionId = "$($cv.EditionID)"
    osVersion = $os; uiCulture = $ui; culture = $culture
    psVersion = $PSVersionTable.PSVersion.ToString(); psEdition = "$($PSVersionTable.PSEdition)"
    languageMode = "$($ExecutionContext.SessionState.LanguageMode)"
    elevated = $elevated; hypervAdmin = $hypervAdmin; administratorsMember = $adminMember; userInteractive = $interactive
    userName = "$env:USERNAME"; userDomain = "$env:USERDOMAIN"; identity = $identity; computerName = "$env:COMPUTERNAME"; machineName = $machine; userProfile = "$env:USERPROFILE"
  })`);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function orNull(v: unknown): string | null {
  const t = text(v).trim();
  return t === '' ? null : t;
}

function flag(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

/** The value systemInfoScript printed; undefined when it is not an object. */
export function parseSystemInfo(value: unknown): SystemInfo | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const build = orNull(v.currentBuild);
  const ubr = orNull(v.ubr);
  return {
    windowsBuild: build === null ? null : ubr === null ? build : `${build}.${ubr}`,
    displayVersion: orNull(v.displayVersion),
    productName: orNull(v.productName),
    editionId: orNull(v.editionId),
    osVersion: orNull(v.osVersion),
    uiCulture: orNull(v.uiCulture),
    culture: orNull(v.culture),
    psVersion: text(v.psVersion),
    psEdition: text(v.psEdition),
    languageMode: text(v.languageMode),
    elevated: flag(v.elevated),
    hypervAdmin: flag(v.hypervAdmin),
    administratorsMember: flag(v.administratorsMember),
    userInteractive: flag(v.userInteractive),
    names: {
      userName: text(v.userName),
      userDomain: text(v.userDomain),
      identity: text(v.identity),
      computerName: text(v.computerName),
      machineName: text(v.machineName),
      userProfile: text(v.userProfile),
    },
  };
}
