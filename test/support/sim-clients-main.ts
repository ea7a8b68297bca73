/**
 * CLI of the simulated-client relay (sim-clients.ts), run inside a lab namespace:
 *
 *   ip netns exec NS node dist/test/support/sim-clients-main.js dora --server 10.77.0.1 --relay 10.77.0.2 \
 *     --count 3000 --concurrency 256 --mac-prefix 02:5a --out acks.jsonl
 *
 * Exit codes: 0 the run ended (finished or hit its time bound: see the summary line), 2 bad arguments,
 * 1 anything else (e.g. the relay address could not be bound).
 */
import { parseSimArgs, runSim, type SimOptions } from './sim-clients.js';

let opts: SimOptions;
try {
  opts = parseSimArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`sim-clients: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}

runSim(opts).then(
  () => {
    process.exitCode = 0;
  },
  (e: unknown) => {
    process.stderr.write(`sim-clients: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
