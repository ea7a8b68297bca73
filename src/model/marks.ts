/**
 * What is switchyard's: every mark it leaves on a host object so that a later observation can tell its
 * own from the user's, and the fixed places it writes. Plans remove or rewrite only what carries a mark,
 * never a look-alike. Changing a value here orphans what earlier versions made, so they never change.
 */

// ---------------------------------------------------------------------------------------------------
// Windows

/**
 * A Hyper-V switch is ours when its Notes are this (New-VMSwitch -Notes; Hyper-V keeps Notes in the
 * switch's own configuration, Get-VMSwitch returns them). The name is the user's choice, Notes are the only
 * free text a switch carries; read like PowerShell's -eq: trimmed, any case.
 */
export const SWITCH_NOTE = 'switchyard';

/**
 * Our firewall rules are the rules in this group (New-NetFirewallRule -Group; the persistent store keeps
 * the group with each rule). `Get-NetFirewallRule -Group` selects exactly the set that apply rewrites
 * whole; the DisplayNames are labels for people, not the mark.
 */
export const FIREWALL_GROUP = 'switchyard';

/**
 * Our NRPT rules carry the Comment `switchyard:<switch>` (Add-DnsClientNrptRule -Comment; kept in
 * HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig\<rule>). Windows names a rule
 * by a GUID it picks, so the name cannot carry the mark. Read like PowerShell's -like: any case.
 */
export const NRPT_MARK = 'switchyard:';

/**
 * Our NAT is named `switchyard-<switch>`: on Windows the NetNat's Name (New-NetNat -Name; WinNAT allows one
 * NetNat per host, so the name tells ours from Docker's or a WinNAT script's); on Linux the masquerade rule
 * in our nftables table, named after the bridge it serves.
 */
export const NAT_PREFIX = 'switchyard-';

/**
 * Not a mark but WSL's own key, where switchyard pins WSL's NAT range: WSL reads NatNetwork and
 * NatGatewayIpAddress under HKLM and NatIpAddress under HKCU when it creates its network, and writes back
 * the values in use (microsoft/WSL src/windows/common/WslCoreConfig.cpp, OpenLxssMachineKey/OpenLxssUserKey).
 * Registry key names are not case sensitive; the observation and the operations spell the HKCU path
 * differently, kept as they are so that every generated script stays the same.
 */
export const LXSS_KEY = 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Lxss';
export const LXSS_HKLM = `HKLM:\\${LXSS_KEY}`;
export const LXSS_HKCU = 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss';

/**
 * The boot task \switchyard\switchyard: a Task Scheduler folder of our own (Register-ScheduledTask
 * -TaskPath; kept under C:\Windows\System32\Tasks\switchyard\), so that unregistering only ever touches
 * this path and never a task the user named the same.
 */
export const TASK_PATH = '\\switchyard\\';
export const TASK_NAME = 'switchyard';

// ---------------------------------------------------------------------------------------------------
// Linux

/**
 * Every link switchyard creates has an alias starting with this; the rest names its purpose (`ip link set
 * dev X alias`; the kernel keeps it as IFLA_IFALIAS, /sys/class/net/X/ifalias, and it goes with the link).
 */
export const OWNER_ALIAS_PREFIX = 'switchyard:';
/** The alias every bridge we create carries. */
export const BRIDGE_ALIAS = `${OWNER_ALIAS_PREFIX}switch`;
/**
 * An IPv4 address of ours on a link we do not own is labelled `<dev>:sy` (IFA_LABEL: IPv4 only, must
 * start with the device name, at most 15 bytes — hence the short suffix).
 */
export const OWNED_LABEL_SUFFIX = ':sy';
/** The one nftables table switchyard owns, `inet switchyard`: replaced whole on every apply. */
export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'switchyard';
/** Kept in the table's comment (`nft list ruleset` shows it; nft 1.0.6's JSON does not). */
export const NFT_TABLE_COMMENT = 'owned by switchyard: rewritten whole on every apply, do not edit';
