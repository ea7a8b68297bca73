/**
 * Vagrantfile text for boxes on a switchyard switch (Hyper-V provider). Vagrant's Hyper-V provider ignores
 * every network setting except `bridge:` (the switch to connect to) and sets the VM's MAC from `hv.mac` on
 * each start, so the box gets its reserved address and name from switchyard's DHCP/DNS with no guest setup.
 * Pure: no I/O.
 */
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
  kind: 'netplan' | 'networkd';
  path: string;
  mode: number;
  content: string;
}

/** The command that makes the guest apply the file. */
export const STATIC_APPLY: Readonly<Record<StaticGuest['kind'], string>> = {
  netplan: 'netplan apply',
  networkd: 'systemctl restart systemd-networkd',
};

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
    STATIC_APPLY[g.kind],
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
 * The lines that put one box on the switch with its reserved MAC, for `config` (or another variable:
 * `cfg`) inside `Vagrant.configure("2") do |config| ... end`.
 */
export function vagrantfileLines(box: VagrantBox, cfg = 'config'): string[] {
  return [
    `${cfg}.vm.box = ${rubyString(box.boxName)}`,
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
