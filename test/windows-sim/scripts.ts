/**
 * Every PowerShell script switchyard can generate, rendered with values chosen to break quoting: the
 * converge script, each operation, the observation, the elevated wrapper (parent and child), the boot task
 * (register, unregister), the WSL unit's encoded command, the elevation probe and doctor's fix commands.
 * Host-observed names (switch, NAT, rule, adapter names) carry all five single-quote characters, `$(…)`,
 * backticks and a `;`, as a hostile or merely unlucky machine could report them.
 */
import { windowsCheckScript } from '../../src/artifacts/windows-check.js';
import { fleetBootTask, windowsScript } from '../../src/artifacts/windows-script.js';
import { registerTaskScript, unregisterTaskScript } from '../../src/artifacts/scheduled-task.js';
import { wslForwardingScript } from '../../src/artifacts/wsl-unit.js';
import { parseConfig } from '../../src/config/load.js';
import { keeperScript } from '../../src/host/windows/keeper-script.js';
import { systemInfoScript } from '../../src/host/windows/system-info.js';
import { observationScript } from '../../src/host/windows/observation-script.js';
import { renderOpPs, renderOpsPs } from '../../src/host/windows/ops.js';
import { elevatedChildScript, elevatedScript, scriptHash } from '../../src/host/windows/elevation.js';
import { isElevatedScript, wrapScript } from '../../src/host/windows/prelude.js';
import { planAddresses } from '../../src/model/address-plan.js';
import { runChecks } from '../../src/model/checks/index.js';
import { emptyHost, type ObservedHost } from '../../src/model/observed.js';
import type { Op } from '../../src/model/ops.js';
import { cidr, ipv4 } from '../../src/net/ipv4.js';

/** A name or value as a hostile host could report it. */
export const HOSTILE = "o'brien‘s ’lab‚ ‛x $(Remove-Item C:\\) `n; exit 9 #";
/**
 * The same for names that reach a parameter taking wildcards (-Name, -InterfaceAlias): without the
 * wildcard characters * ? [ ] `, which the config refuses in switch names and which such a parameter
 * would read as a pattern, on Windows as here. Names Windows reports are matched exactly where they
 * could hold them (doctor's Remove-NetNat pipes Get-NetNat through Where-Object -eq).
 */
export const HOSTILE_NAME = HOSTILE.replace('`', '');
/** A user folder name: every quote and `$(…)`, but no backslash (not a character a Windows file name has). */
export const HOSTILE_FOLDER = "o'brien‘s ’lab‚ ‛x $(Remove-Item)";

export interface GeneratedScript {
  name: string;
  text: string;
  /** What running it needs: a complete script (markers, exit code) or a fragment run inside one. */
  kind: 'complete' | 'fragment';
}

const CONFIG = parseConfig(
  `switches:
  - name: lab
    subnet: 10.20.0.0/24
    dhcp:
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.20.0.10 }
  - name: build
    subnet: 10.30.0.0/24
    dns:
      domain: build.internal
wsl:
  subnet: 10.21.0.0/20
`,
  'scripts.yaml',
);

/** One of each operation, with hostile strings wherever a string reaches the script. */
export function everyOp(): Op[] {
  const task = {
    execute: `C:\\Program Files\\switchyard\\${HOSTILE}.exe`,
    arguments: `serve --config "C:\\ProgramData\\switchyard\\${HOSTILE}.yaml"`,
    workingDirectory: `C:\\ProgramData\\switchyard\\${HOSTILE}`,
  };
  return [
    { op: 'createSwitch', name: HOSTILE_NAME },
    { op: 'waitInterface', iface: `vEthernet (${HOSTILE_NAME})`, timeoutS: 2 },
    { op: 'addAddress', iface: `vEthernet (${HOSTILE_NAME})`, address: ipv4('10.20.0.1'), prefix: 24 },
    { op: 'removeAddress', iface: `vEthernet (${HOSTILE_NAME})`, address: ipv4('10.20.0.1'), prefix: 24 },
    {
      op: 'createNat',
      name: `switchyard-${HOSTILE_NAME}`,
      prefix: cidr('10.20.0.0/24'),
      outsideOf: HOSTILE_NAME,
    },
    { op: 'deleteNat', name: `switchyard-${HOSTILE_NAME}` },
    { op: 'setForwarding', iface: `vEthernet (${HOSTILE_NAME})`, on: true },
    { op: 'setForwarding', iface: `vEthernet (${HOSTILE_NAME})`, on: false },
    {
      op: 'setFirewall',
      rules: [
        { name: `switchyard DHCP ${HOSTILE}`, protocol: 'udp', port: 67, from: [cidr('10.20.0.0/24')] },
      ],
    },
    { op: 'setWslNat', subnet: cidr('10.21.0.0/20'), gateway: ipv4('10.21.0.1') },
    { op: 'clearWslUserIp' },
    { op: 'setWslConfig', text: `# ${HOSTILE}\r\n[wsl2]\r\nnetworkingMode=nat\r\n` },
    { op: 'setHyperVFirewallInbound' },
    {
      op: 'addNrptRule',
      namespace: '.lab.internal',
      servers: [ipv4('10.20.0.1')],
      comment: `switchyard:${HOSTILE}`,
    },
    { op: 'removeNrptRule', name: HOSTILE_NAME },
    {
      op: 'stageBootFiles',
      dirs: [`C:\\Program Files\\switchyard ${HOSTILE_NAME}`, `C:\\ProgramData\\switchyard ${HOSTILE_NAME}`],
      copies: [
        {
          from: `C:\\Users\\${HOSTILE_FOLDER}\\switchyard.yaml`,
          to: `C:\\ProgramData\\switchyard ${HOSTILE_NAME}\\switchyard.yaml`,
        },
      ],
    },
    { op: 'registerBootTask', task },
    { op: 'unregisterBootTask' },
    { op: 'restoreWslNat', natNetwork: HOSTILE, natGateway: null },
    { op: 'restoreWslUserIp', ip: HOSTILE },
    { op: 'removeWslConfig' },
    { op: 'restoreHyperVFirewallInbound', action: 'notConfigured' },
    { op: 'restoreHyperVFirewallInbound', action: 'allow' },
    { op: 'restoreHyperVFirewallInbound', action: 'allowBypass' },
    { op: 'restoreHyperVFirewallInbound', action: 'block' },
    { op: 'deleteSwitch', name: HOSTILE_NAME },
  ];
}

/** A broken host whose every name is hostile, so that each doctor check fails and shows its fix. */
function brokenHost(): ObservedHost {
  const h = emptyHost('windows');
  const wsl = `vEthernet (WSL ${HOSTILE})`;
  h.switches = [{ name: 'lab', ours: true, kind: 'Internal' }];
  h.interfaces = [
    { name: 'vEthernet (build)', addresses: [], forwarding: false },
    { name: wsl, addresses: [], forwarding: false },
  ];
  h.wslInterface = wsl;
  h.nats = [
    { name: HOSTILE, prefix: cidr('10.20.0.0/16'), ours: false },
    { name: `${HOSTILE} 2`, prefix: cidr('192.168.50.0/24'), ours: false },
  ];
  h.wsl = {
    natNetwork: undefined,
    natGateway: undefined,
    userNatIp: undefined,
    wslconfig: undefined,
    hyperVFirewall: { defaultInboundAction: 'block' },
  };
  return h;
}

/** The PowerShell commands in doctor's fixes on a broken host with hostile names. */
export function doctorFixCommands(): string[] {
  const observed = brokenHost();
  const addresses = planAddresses({ config: CONFIG, routes: [], pinned: undefined });
  const checks = runChecks({
    config: CONFIG,
    observed,
    addresses,
    pinned: undefined,
    daemon: { running: false },
    ports: [{ port: 67, holder: `svc ${HOSTILE}`, pid: 4 }],
  });
  return [...new Set(checks.flatMap((c) => c.commands ?? []))];
}

export function generatedScripts(): GeneratedScript[] {
  const ops = everyOp();
  const inner = wrapScript(`${renderOpsPs(ops.slice(0, 3))}\nOut-Marked 'JSON' ([ordered]@{ done = 3 })`);
  const task = {
    nodePath: `C:\\Program Files\\switchyard\\${HOSTILE}\\switchyard.exe`,
    configPath: `C:\\ProgramData\\switchyard\\${HOSTILE}.yaml`,
    stateDir: `C:\\ProgramData\\switchyard\\${HOSTILE}`,
    logFile: `C:\\ProgramData\\switchyard\\${HOSTILE}\\switchyard.log`,
  };
  return [
    {
      name: 'converge script (script --target windows)',
      text: windowsScript(CONFIG, '0.0.0-test'),
      kind: 'complete',
    },
    {
      name: 'converge script with the boot task (script --target windows --with-daemon)',
      text: windowsScript(CONFIG, '0.0.0-test', { daemon: 'C:\\Program Files\\switchyard\\switchyard.exe' }),
      kind: 'complete',
    },
    {
      name: 'detection script (script --target windows --check --with-daemon)',
      text: windowsCheckScript(CONFIG, '0.0.0-test', {
        bootTask: fleetBootTask(CONFIG, 'C:\\Program Files\\switchyard\\switchyard.exe'),
      }),
      kind: 'complete',
    },
    {
      name: 'observation',
      text: observationScript({ firewallGroup: HOSTILE, nrptNamespaces: [HOSTILE] }),
      kind: 'complete',
    },
    { name: 'observation (defaults)', text: observationScript(), kind: 'complete' },
    {
      name: 'apply (operations, one run)',
      text: wrapScript(`${renderOpsPs(ops)}\nOut-Marked 'JSON' ([ordered]@{ done = ${ops.length} })`),
      kind: 'complete',
    },
    // An operation runs inside a complete script (after the prelude), and is checked that way.
    ...ops.map((op, i) => ({
      name: `operation ${i} ${op.op}`,
      text: wrapScript(renderOpPs(op)),
      kind: 'fragment' as const,
    })),
    { name: 'elevated wrapper (parent)', text: elevatedScript(inner), kind: 'complete' },
    {
      name: 'elevated wrapper (child)',
      text: elevatedChildScript(
        `C:\\Users\\${HOSTILE}\\AppData\\Local\\Temp\\x.ps1`,
        scriptHash(inner),
        `C:\\Users\\${HOSTILE}\\AppData\\Local\\Temp\\x.out`,
      ),
      kind: 'complete',
    },
    { name: 'elevation probe', text: isElevatedScript(), kind: 'complete' },
    { name: 'doctor --report: system information', text: systemInfoScript(), kind: 'complete' },
    {
      name: "daemon's targeted keeper script",
      text: keeperScript({ forward: [`vEthernet (${HOSTILE_NAME})`], wsl: true, uplink: true }),
      kind: 'complete',
    },
    { name: 'boot task: register (install --print)', text: registerTaskScript(task), kind: 'complete' },
    { name: 'boot task: unregister', text: unregisterTaskScript(), kind: 'complete' },
    { name: 'WSL unit (encoded command)', text: wslForwardingScript(), kind: 'complete' },
    ...doctorFixCommands().map((c, i) => ({
      name: `doctor fix ${i}: ${c.slice(0, 40)}`,
      text: c,
      kind: 'fragment' as const,
    })),
  ];
}
