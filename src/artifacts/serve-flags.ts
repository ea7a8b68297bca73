/**
 * Node flags for the long-running `switchyard serve`. The service definitions switchyard writes (the systemd
 * unit, the Windows scheduled task) put them before the script, and the lab and the benchmark start the
 * daemon with them too, so what is measured is what runs.
 *
 * --max-semi-space-size=2 (MiB): under a packet load V8 grows the young generation to its default maximum
 * (16 MiB semi-spaces, 32 MiB resident) and its scavenges then pause the loop for up to ~9 ms (trace-gc at
 * 14,000 DORA/s), long enough for a backlog whose replies then overflow a relay's socket. Capped at 2 MiB
 * (bench/dhcp.sh quick runs, 2026-11-24; noisy, 4 runs each): RSS after the 500/s run 73 MB instead of 80,
 * highest rate with no drops 12,000-16,000 DORA/s instead of 5,000-12,000, the same CPU per DORA.
 *
 * --heap-growing-percent=30: V8 lets the old generation grow to a multiple of what was live after the
 * last full collection, chosen from how fast the program allocates (1.1 to 4 times); under a flood that
 * reached 110-160 MB of RSS for about 35 MB of live data. A fixed 1.3 collects sooner. At 24,000 DORA/s
 * offered, peak RSS 94-97 MB instead of 110-117 (1.5: 100-102); at 4,000/s the CPU per DORA is within
 * the runs' noise (146-157 µs with V8's choice, 150-159 with 1.3; bench/dhcp.sh quick runs, 3 each,
 * 2026-11-24). It is a growth factor, not a limit: a heap that needs more still gets it.
 *
 * --v8-pool-size=1: V8's background threads (concurrent marking, parallel scavenges, compilation jobs)
 * number 4 by default, and each that allocates gets its own glibc malloc arena of about 1.5 MiB resident.
 * With one thread, one arena: at the end of a 24,000 DORA/s flood (50,000 leases) 3 arena mappings fewer
 * in /proc/PID/smaps, and peak RSS 82-85 MB instead of 85-89 (bench/dhcp.sh quick runs, 4 each,
 * 2026-11-24). The daemon's heap is a few tens of MiB, which one helper collects as fast: CPU per DORA at
 * 4,000/s 154-159 µs against 138-157, REQUEST->ACK p99 at 500/s 1.7-2.1 ms against 1.5-2.0 (3 quick runs
 * each, within their noise).
 *
 * A single-executable build (switchyard.exe) takes no node flags (Node 20's single executables have no
 * execArgv) and runs with V8's defaults.
 */
export const SERVE_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=2',
  '--heap-growing-percent=30',
  '--v8-pool-size=1',
];
