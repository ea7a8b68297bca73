/**
 * `switchyard plan --json` against the simulated Windows host, as one process: the same config loading and
 * plan command as the CLI's `plan` verb, with the observation script run in pwsh against the simulated
 * Windows (test/windows-sim; a laptop with Wi-Fi, a default route and WSL up, nothing of switchyard's yet),
 * so the figure includes one PowerShell start. `npm run bench` times this
 * whole process from the outside (start-up included); it prints the plan like `switchyard plan --json`.
 *
 * Run: node dist/bench/plan-sim.js CONFIG STATE_DIR
 */
import { planCommand } from '../src/cli/plan-apply.js';
import { loadConfig } from '../src/config/load.js';
import { cidr, ipv4 } from '../src/net/ipv4.js';
import { SimWindowsHost } from '../test/windows-sim/host.js';

const [configFile, stateDir] = process.argv.slice(2);
if (configFile === undefined || stateDir === undefined) {
  process.stderr.write('usage: node dist/bench/plan-sim.js CONFIG STATE_DIR\n');
  process.exit(2);
}
const wsl = 'vEthernet (WSL (Hyper-V firewall))';
const host = new SimWindowsHost();
host.addAdapter(wsl, [{ address: ipv4('172.27.16.1'), prefix: 20, dynamic: false }]);
host.wslAdapter = wsl;
host.addAdapter('Wi-Fi', [{ address: ipv4('192.168.1.23'), prefix: 24, dynamic: true }]);
host.routes.push(
  { dest: cidr('192.168.1.0/24'), iface: 'Wi-Fi' },
  { dest: cidr('0.0.0.0/0'), iface: 'Wi-Fi' },
);
host.hyperVFirewall = { defaultInboundAction: 'block' };
const config = await loadConfig(configFile);
process.stdout.write(await planCommand(config, stateDir, host, true));
