/**
 * Vagrantfile text for boxes on a switchyard switch (Hyper-V provider). Vagrant's Hyper-V provider ignores
 * every network setting except `bridge:` (the switch to connect to) and sets the VM's MAC from `hv.mac` on
 * each start, so the box gets its reserved address and name from switchyard's DHCP/DNS with no guest setup.
 * Pure: no I/O.
 */
import type { GuestKind } from './guest.js';
import type { Mac } from '../net/mac.js';

export interface VagrantBox {
  boxName: string;
  switchName: string;
  mac: Mac;
}

export interface VagrantMachine extends VagrantBox {
  /** The reservation name: becomes the machine name in `config.vm.define` and the guest's hostname. */
  name: string;
  /** Extra lines (already Ruby) placed inside the machine's block, e.g. a provisioner. */
  extra?: readonly string[];
  /** A static guest network config installed by a `run: 'always'` shell provisioner (see staticProvisioner). */
  static?: StaticGuest;
}

/** A static guest network config file (the output of `guestConfig` and `guestPath`) and how to apply it. */
export interface StaticGuest {
  kind: GuestKind;
  path: string;
  mode: number;
  content: string;
}

/** The command that makes the guest apply the file. */
export const STATIC_APPLY: Readonly<Record<'netplan' | 'networkd', string>> = {
  netplan: 'netplan apply',
  networkd: 'systemctl restart systemd-networkd',
};

/**
 * The commands that apply `g` in the guest. NetworkManager: reload the keyfiles, bring the connection (its id
 * is the file's name) up. ifupdown: the box's own `iface <if> inet dhcp` stanza in /etc/network/interfaces
 * would define the interface twice, so it is commented out (once: a commented line no longer matches).
 */
export function staticApply(g: StaticGuest): string[] {
  switch (g.kind) {
    case 'netplan':
    case 'networkd':
      return [STATIC_APPLY[g.kind]];
    case 'nm': {
      const id = (g.path.split('/').pop() ?? '').replace(/\.nmconnection$/, '');
      return ['nmcli connection reload', `nmcli connection up ${shellWord(id)}`];
    }
    case 'ifupdown': {
      const iface = /^auto (\S+)$/m.exec(g.content)?.[1];
      if (iface === undefined || !/^[A-Za-z0-9_.:-]+$/.test(iface))
        throw new Error('the ifupdown config names no interface');
      return [
        `sed -i -E 's/^([[:space:]]*iface ${iface} inet dhcp)/# \\1  # switchyard: static, see interfaces.d/' /etc/network/interfaces`,
        `ifdown --force ${iface} 2>/dev/null || true`,
        `ifup ${iface}`,
      ];
    }
  }
}

const SHELL_EOF = 'SWITCHYARD_GUEST_CONFIG';
const RUBY_EOF = 'SWITCHYARD_PROVISION';

/** A single-quoted POSIX shell word. */
function shellWord(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * The shell script a provisioner runs: writes the file atomically with its mode (only when it changed), then
 * applies it. Idempotent, so it can run on every `up`.
 */
export function staticScript(g: StaticGuest): string {
  if (g.content.split('\n').includes(SHELL_EOF)) throw new Error(`the guest config contains ${SHELL_EOF}`);
  const path = shellWord(g.path);
  const tmp = shellWord(`${g.path}.switchyard-new`);
  const body = g.content.endsWith('\n') ? g.content : `${g.content}\n`;
  return [
    'set -eu',
    `mkdir -p "$(dirname ${path})"`,
    'umask 077',
    `cat > ${tmp} <<'${SHELL_EOF}'`,
    `${body}${SHELL_EOF}`,
    `chmod ${g.mode.toString(8)} ${tmp}`,
    `if cmp -s ${tmp} ${path}; then rm -f ${tmp}; else mv -f ${tmp} ${path}; fi`,
    ...staticApply(g),
    '',
  ].join('\n');
}

/**
 * A shell provisioner (Ruby lines for `cfg`) that installs the static guest config and applies it on every
 * `up` (`run: 'always'`): Vagrant's Hyper-V provider reconnects every adapter to `bridge:` on each `up`
 * (vagrant#11073), so the config must not depend on a one-time, host-side adapter move. The file matches the
 * adapter by its reserved MAC, which Vagrant sets from `hv.mac` on each start.
 */
export function staticProvisioner(g: StaticGuest, cfg = 'config'): string[] {
  const script = staticScript(g);
  if (script.split('\n').some((l) => l.trim() === RUBY_EOF))
    throw new Error(`the guest config contains ${RUBY_EOF}`);
  return [
    `# static guest network config (${g.kind}): rewritten and applied on every up, as Vagrant re-bridges the adapter`,
    `${cfg}.vm.provision 'switchyard-static', type: 'shell', run: 'always', privileged: true, inline: <<-'${RUBY_EOF}'`,
    ...script.trimEnd().split('\n'),
    RUBY_EOF,
  ];
}

/** Hyper-V's own MAC spelling, as `Set-VMNetworkAdapter -StaticMacAddress` and `Get-VMNetworkAdapter` use. */
export function hypervMac(mac: Mac): string {
  return mac.replace(/:/g, '').toUpperCase();
}

/** A single-quoted Ruby string literal (only `\` and `'` are special inside one). */
export function rubyString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export const KVP_NOTE: readonly string[] = [
  '# The guest needs the Hyper-V KVP daemon (hv_kvp_daemon: Debian/Ubuntu package linux-cloud-tools-common,',
  '# RHEL hyperv-daemons) and the "Key-Value Pair Exchange" integration service left enabled: Vagrant learns the',
  "# box's IP address only through it (else it waits ip_address_timeout and fails).",
];

/**
 * Hyper-V has no shared-folder device, so Vagrant shares the project folder over SMB, and for an SMB folder
 * without smb_username/smb_password "Vagrant will prompt you for it" (Vagrant docs, synced-folders/smb) at
 * every `up`, in an administrator prompt. The generated file turns the default folder off and says how to
 * have one without the prompt.
 */
export function syncedFolderNote(cfg = 'config'): string[] {
  return [
    '# Hyper-V shares this folder as /vagrant over SMB and Vagrant asks for a Windows user name and password at',
    '# every up; it is off here. To share it, replace the next line with one of:',
    `#   ${cfg}.vm.synced_folder '.', '/vagrant', type: 'rsync'   (a copy made at each up; no prompt)`,
    `#   ${cfg}.vm.synced_folder '.', '/vagrant', type: 'smb', smb_username: ENV['USERNAME']   (asks the password only)`,
  ];
}

/** What to run once the Vagrantfile is there: Hyper-V is not Vagrant's default provider. */
export const NEXT_STEPS: readonly string[] = [
  'next: vagrant up --provider hyperv',
  '  (in an administrator prompt: Vagrant drives Hyper-V; or set VAGRANT_DEFAULT_PROVIDER=hyperv once)',
];

/**
 * The lines that put one box on the switch with its reserved MAC, for `config` (or another variable:
 * `cfg`) inside `Vagrant.configure("2") do |config| ... end`.
 */
export function vagrantfileLines(box: VagrantBox, cfg = 'config'): string[] {
  return [
    `${cfg}.vm.box = ${rubyString(box.boxName)}`,
    ...syncedFolderNote(cfg),
    `${cfg}.vm.synced_folder '.', '/vagrant', disabled: true`,
    `# Hyper-V ignores every network setting but bridge: (the switch); it reconnects the VM to it on each up.`,
    `${cfg}.vm.network 'public_network', bridge: ${rubyString(box.switchName)}`,
    `${cfg}.vm.provider 'hyperv' do |hv|`,
    `  # the MAC reserved by switchyard: the box gets its fixed IP and name from switchyard's DHCP/DNS`,
    `  hv.mac = ${rubyString(hypervMac(box.mac))}`,
    `end`,
  ];
}

/**
 * Indents provisioner lines, except the heredoc body and terminator (`<<-` allows an indented terminator, but
 * the body is taken verbatim: indenting it would change the script and the file it writes).
 */
export function indentHeredoc(lines: readonly string[], pad: string): string[] {
  let inBody = false;
  return lines.map((l) => {
    if (inBody) {
      if (l === RUBY_EOF) inBody = false;
      return l === RUBY_EOF ? `${pad}${l}` : l;
    }
    if (l.endsWith(`<<-'${RUBY_EOF}'`)) inBody = true;
    return `${pad}${l}`;
  });
}

/** A complete Vagrantfile: one `config.vm.define` per machine, each with its own reservation. */
export function vagrantfile(spec: { machines: readonly VagrantMachine[] }): string {
  const out = [
    '# -*- mode: ruby -*-',
    '# Generated by switchyard (`switchyard vagrant NAME --init`). One reservation per machine.',
    ...KVP_NOTE,
    "Vagrant.configure('2') do |config|",
  ];
  spec.machines.forEach((m, i) => {
    if (i > 0) out.push('');
    out.push(`  config.vm.define ${rubyString(m.name)} do |node|`);
    out.push(`    node.vm.hostname = ${rubyString(m.name)}`);
    for (const l of vagrantfileLines(m, 'node')) out.push(`    ${l}`);
    if (m.static !== undefined) out.push(...indentHeredoc(staticProvisioner(m.static, 'node'), '    '));
    for (const l of m.extra ?? []) out.push(l === '' ? '' : `    ${l}`);
    out.push('  end');
  });
  out.push('end', '');
  return out.join('\n');
}
