/**
 * Node flags for the long-running `switchyard serve`. The service definitions switchyard writes (the systemd
 * unit, the Windows scheduled task) put them before the script, and the lab and the benchmark start the
 * daemon with them too, so what is measured is what runs.
 *
 * --max-semi-space-size=2 (MiB): under a packet load V8 grows the young generation to its default maximum
 * (16 MiB semi-spaces, 32 MiB resident) and its scavenges then pause the loop long enough for a backlog
 * whose replies overflow a relay's socket. Capped at 2 MiB: less memory, a higher rate without drops, the
 * same CPU per DORA.
 *
 * --heap-growing-percent=30: V8 lets the old generation grow to a multiple of what was live after the
 * last full collection, chosen from how fast the program allocates (1.1 to 4 times), which under a flood
 * is several times the live data. A fixed 1.3 collects sooner, for a lower peak at no measurable CPU cost.
 * It is a growth factor, not a limit: a heap that needs more still gets it.
 *
 * --v8-pool-size=1: V8's background threads (concurrent marking, parallel scavenges, compilation jobs)
 * number 4 by default, and each that allocates gets its own glibc malloc arena. With one thread, one arena.
 * The daemon's heap is a few tens of MiB, which one helper collects as fast (CPU and latency within the
 * benchmarks' noise).
 *
 * The measurements behind each: docs/benchmarks.md#node-flags-for-serve.
 *
 * A single-executable build (switchyard.exe) takes no node flags (Node 20's single executables have no
 * execArgv) and runs with V8's defaults.
 */
export const SERVE_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=2',
  '--heap-growing-percent=30',
  '--v8-pool-size=1',
];
