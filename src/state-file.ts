/**
 * Small state files (pinned.json, originals.json) written so that a crash leaves the old file or the new
 * one, never a torn one: temp file beside it (mode 0600), fsync, rename over it, fsync the directory.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeStateFile(stateDir: string, name: string, text: string): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  syncDirectory(stateDir);
}

function syncDirectory(dir: string): void {
  // Node cannot open a directory on Windows (EISDIR), so there is no directory fsync there.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
