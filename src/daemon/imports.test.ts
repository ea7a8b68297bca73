/**
 * The daemon reaches the OS only through the daemon host port (host/daemon-port.ts): no file in
 * src/daemon/ imports a backend (src/host/linux/, src/host/windows/), and its non-test files not the
 * factory that picks one (host/daemon-host.ts) either — that is chosen at the composition root.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DAEMON = join(ROOT, 'src', 'daemon');
const BACKENDS = [join(ROOT, 'src', 'host', 'linux'), join(ROOT, 'src', 'host', 'windows')];
const FACTORY = join(ROOT, 'src', 'host', 'daemon-host.ts');

/** Every module specifier in `text`: static imports and re-exports (type-only too), and import(). */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

/** The imports of `file` (its text) that a daemon file must not have, as "specifier → repo path". */
export function forbidden(file: string, text: string): string[] {
  const isTest = file.endsWith('.test.ts');
  return specifiers(text).flatMap((spec) => {
    if (!spec.startsWith('.')) return [];
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    const bad =
      BACKENDS.some((b) => target === b || target.startsWith(b + sep)) || (!isTest && target === FACTORY);
    return bad ? [`${spec} → ${relative(ROOT, target)}`] : [];
  });
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('the scan finds a backend import, of every form, and lets the port through', () => {
  const file = join(DAEMON, 'x.ts');
  const text = [
    "import { inspectInterface } from '../host/linux/interfaces.js';",
    "import type {\n  PsOutcome,\n} from '../host/windows/outcome.js';",
    "export { windowsIdentify } from '../host/windows/daemon-host.js';",
    "const m = await import('../host/linux/uplink.js');",
    "import { daemonHostFor } from '../host/daemon-host.js';",
    "import type { DaemonHost } from '../host/daemon-port.js';",
    "import type { InterfaceInfo } from '../host/interface-info.js';",
  ].join('\n');
  assert.deepEqual(forbidden(file, text), [
    '../host/linux/interfaces.js → src/host/linux/interfaces.ts',
    '../host/windows/outcome.js → src/host/windows/outcome.ts',
    '../host/windows/daemon-host.js → src/host/windows/daemon-host.ts',
    '../host/daemon-host.js → src/host/daemon-host.ts',
    '../host/linux/uplink.js → src/host/linux/uplink.ts',
  ]);
  assert.deepEqual(
    forbidden(join(DAEMON, 'x.test.ts'), "import { daemonHostFor } from '../host/daemon-host.js';"),
    [],
    'a test composes a daemon the way the CLI does',
  );
});

test('no file in src/daemon/ imports a backend (src/host/linux, src/host/windows) directly', () => {
  // This file's own samples (above) are text, not imports.
  const files = tsFiles(DAEMON).filter((f) => f !== join(DAEMON, 'imports.test.ts'));
  assert.ok(files.length > 20, `found only ${files.length} files under ${DAEMON}`);
  const found = files.flatMap((f) =>
    forbidden(f, readFileSync(f, 'utf8')).map((hit) => `${relative(ROOT, f)}: ${hit}`),
  );
  assert.deepEqual(found, []);
});
