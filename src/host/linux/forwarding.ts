/** The forwarding keeper's Linux backend (daemon/keeper.ts runs the loop): /proc/sys, read and written directly. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ForwardingState, KeeperBackend } from '../daemon-port.js';

/** File access for the Linux backend (injectable for tests). */
export interface ProcFs {
  read(path: string): Promise<string>;
  write(path: string, text: string): Promise<void>;
}

/**
 * Synchronous on purpose: a /proc/sys file is made by the kernel on read, never waits for a disk, and the
 * promise API would take four thread-pool round trips per read (open, fstat, read, close) — at two reads a
 * second, most of an idle daemon's system calls (docs/benchmarks.md#the-idle-daemon).
 */
export const procFs: ProcFs = {
  // a throw inside the executor rejects the promise (ENOENT: the interface is absent)
  read: (p) =>
    new Promise((resolve) => {
      resolve(readFileSync(p, 'utf8'));
    }),
  write: (p, t) =>
    new Promise((resolve) => {
      writeFileSync(p, t);
      resolve();
    }),
};

/**
 * Linux: /proc/sys/net/ipv4/conf/<if>/forwarding in the daemon's own network namespace. A missing file
 * (ENOENT) means the interface does not exist right now.
 */
export function linuxKeeperBackend(interfaces: readonly string[], fs: ProcFs = procFs): KeeperBackend {
  for (const i of interfaces) {
    if (i.includes('/') || i === '.' || i === '..') throw new Error(`bad interface name "${i}"`);
  }
  const path = (i: string): string => `/proc/sys/net/ipv4/conf/${i}/forwarding`;
  return {
    description: 'linux /proc',
    async read() {
      const out = new Map<string, ForwardingState>();
      for (const i of new Set(interfaces)) {
        try {
          out.set(i, (await fs.read(path(i))).trim() !== '0');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') out.set(i, undefined);
          else throw e;
        }
      }
      return out;
    },
    enable: (i) => fs.write(path(i), '1\n'),
  };
}
