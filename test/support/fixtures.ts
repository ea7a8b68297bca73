import { readdirSync, readFileSync } from 'node:fs';

/** The captured/reconstructed client packets in test/fixtures/packets (hex, `#` comments). */
export function fixturePackets(): { name: string; bytes: Uint8Array }[] {
  const dir = new URL('../../../test/fixtures/packets/', import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((name) => {
      const text = readFileSync(new URL(name, dir), 'utf8')
        .split('\n')
        .map((l) => l.replace(/#.*/, ''))
        .join('');
      return { name, bytes: Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex')) };
    });
}
