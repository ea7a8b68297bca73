/**
 * The lab demo (`npm run lab`): an internal switch (a bridge in the lab's "host" namespace), `switchyard
 * serve` on it, and three VMs (namespaces), each running a different real DHCP client — one of them with
 * a reservation. Prints what each VM got and the lease table, then removes everything it created.
 */
import { CLIENT_KINDS, startClient, type ClientHandle } from './clients.js';
import { createLab } from './netns.js';
import { runCli, startServe } from './switchyard.js';

const RESERVED_MAC = '00:15:5d:00:00:10';

async function main(): Promise<number> {
  const lab = await createLab();
  const clients: ClientHandle[] = [];
  let failures = 0;
  try {
    const sw = await lab.addSwitch({ cidr: '10.77.0.1/24' });
    const vms = [await lab.addClient('vm1'), await lab.addClient('vm2'), await lab.addClient('vm3')];
    const yaml = `switches:
  - name: ${sw.ifname}
    subnet: 10.77.0.0/24
    host: 10.77.0.1
    dhcp:
      pool: 10.77.0.100-10.77.0.199
      leaseTime: 1h
      reservations:
        - { name: web1, mac: "${RESERVED_MAC}", ip: 10.77.0.10 }
`;
    console.log(
      `lab ${lab.prefix}: switch ${sw.ifname} (${sw.cidr}) in namespace ${lab.hostNs}; VMs ${vms.map((v) => v.ns).join(', ')}`,
    );
    console.log('config:\n' + yaml.trimEnd().replace(/^/gm, '  ') + '\n');
    const daemon = await startServe(lab, yaml, { logLevel: 'info' });
    console.log(`switchyard serve is running in ${lab.hostNs} (state dir ${daemon.stateDir})\n`);

    for (const [i, kind] of CLIENT_KINDS.entries()) {
      const vm = vms[i]!;
      const opts = kind === 'dhcpcd' ? { mac: RESERVED_MAC, hostname: 'web1' } : { hostname: `vm${i + 1}` };
      clients.push(await startClient(lab, vm.ns, vm.ifname, kind, opts));
    }
    for (const [i, cl] of clients.entries()) {
      const vm = vms[i]!;
      try {
        const lease = await cl.waitBound(20_000);
        const note =
          cl.kind === 'dhcpcd'
            ? `reserved for ${RESERVED_MAC}: ${lease.ip === '10.77.0.10' ? 'yes' : 'NO'}`
            : 'from the pool';
        if (cl.kind === 'dhcpcd' && lease.ip !== '10.77.0.10') failures++;
        console.log(
          `PASS ${vm.ns.padEnd(12)} ${cl.kind.padEnd(8)} ${lease.ip.padEnd(12)} in ${Math.round(lease.ms)} ms (${note})`,
        );
      } catch (e) {
        failures++;
        console.log(`FAIL ${vm.ns.padEnd(12)} ${cl.kind.padEnd(8)} no lease: ${(e as Error).message}`);
      }
    }
    const table = await runCli(['leases', '--state-dir', daemon.stateDir]);
    console.log('\n$ switchyard leases\n' + table.stdout);
    const events = daemon.process
      .output()
      .split('\n')
      .filter((l) => /"msg":"(ack|serving DHCP)"/.test(l));
    console.log('daemon log (lease events):\n' + events.map((l) => '  ' + l).join('\n'));
    for (const cl of clients) await cl.stop();
    await daemon.stop();
  } finally {
    await lab.destroy();
    console.log(`\nlab ${lab.prefix} removed`);
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
