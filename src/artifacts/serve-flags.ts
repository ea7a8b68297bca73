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
 * A single-executable build (switchyard.exe) takes no node flags (Node 20's single executables have no
 * execArgv) and runs with V8's defaults.
 */
export const SERVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
