/**
 * The import graph of src/ (tests left out) as docs/architecture.md draws it: no cycle between files, and
 * every import between two areas runs from a higher layer to a strictly lower one.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** Run from dist/src/: the sources are two folders up. */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * Layers, lowest first (docs/architecture.md#layers). An area is a folder of src/, a file at its top, or
 * one of the named files. The host ports are below the backends, the backends below the factory that
 * chooses one, and only the shell (daemon, cli) sits above that.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts'],
  ['net', 'clock.ts', 'log.ts', 'ps-quote.ts', 'sh-quote.ts', 'state-file.ts', 'style.ts'],
  ['config'],
  ['dhcp'],
  ['dns'],
  ['model'],
  ['host'],
  ['host/linux', 'host/windows', 'reconcile'],
  ['host/daemon-host.ts', 'artifacts'],
  ['daemon', 'log-file.ts', 'log-pretty.ts'],
  ['cli'],
];

export function areaOf(file: string): string {
  const parts = file.split('/');
  if (file === 'host/daemon-host.ts') return file;
  if (parts[0] === 'host' && parts.length > 2) return `host/${parts[1]}`;
  return parts[0]!;
}

function rankOf(area: string): number {
  const i = LAYERS.findIndex((l) => l.includes(area));
  if (i < 0) throw new Error(`src/${area} is in no layer: add it to LAYERS (and to docs/architecture.md)`);
  return i;
}

/** Relative imports of one source text, as paths relative to src/ ('.js' read as the '.ts' it is built from). */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.[^'"]+)['"]/g)) {
    out.push(join(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
  }
  for (const m of text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    out.push(join(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
  }
  return out;
}

function sources(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        const file = relative(SRC, p);
        graph.set(file, importsOf(file, readFileSync(p, 'utf8')));
      }
    }
  };
  walk(SRC);
  return graph;
}

/** Strongly connected components of more than one file (Tarjan), or a file importing itself. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('the import graph', () => {
  const graph = sources();

  test('reads the sources (a scan that found nothing would prove nothing)', () => {
    assert.ok(graph.size > 100, `${graph.size} files`);
    assert.ok((graph.get('daemon/serve.ts') ?? []).includes('dhcp/server.ts'));
  });

  test('no cycle between files', () => {
    assert.deepEqual(cyclesOf(graph), []);
  });

  test('every import between areas runs down a layer, never up or sideways', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      for (const t of targets) {
        const a = areaOf(file);
        const b = areaOf(t);
        if (a !== b && rankOf(a) <= rankOf(b)) wrong.push(`${file} → ${t}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('the checks find what they look for', () => {
    assert.deepEqual(
      cyclesOf(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['a.ts']],
          ['c.ts', ['a.ts']],
        ]),
      ),
      [['a.ts', 'b.ts']],
    );
    assert.deepEqual(
      importsOf(
        'reconcile/render.ts',
        "import { paint } from '../cli/style.js';\nexport type { X } from './x.js';\nconst m = await import('../host/linux/host.js');",
      ),
      ['cli/style.ts', 'reconcile/x.ts', 'host/linux/host.ts'],
    );
    assert.ok(rankOf(areaOf('reconcile/render.ts')) <= rankOf(areaOf('cli/style.ts')), 'an upward import');
    assert.equal(areaOf('host/windows/ops.ts'), 'host/windows');
    assert.equal(areaOf('host/daemon-port.ts'), 'host');
  });
});
