#!/usr/bin/env node
// The CLI as one ES module (dist/src/cli/main.bundle.mjs), which bin/switchyard.js loads when present:
// Node then reads one file instead of ~110 modules plus commander, yaml, zod and pino, which makes every
// command start markedly faster (docs/benchmarks.md#start-up).
// It sits beside main.js so that every relative URL in the source (package.json for the version, the
// native helper, bin/switchyard.js for `install`) resolves exactly as in the unbundled tree.
// esbuild is a devDependency: the published package carries the built bundle, installs never run this.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'src', 'cli', 'main.bundle.mjs');
const esbuild = await import('esbuild');
const result = await esbuild.build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['*.node'],
  // Dependencies written as CommonJS call require(); an ES module has none unless we make one.
  banner: {
    js: "import { createRequire as __sy_cr } from 'node:module'; const require = __sy_cr(import.meta.url);",
  },
  legalComments: 'none',
  // Whitespace only (names stay, so stack traces still name functions): V8 keeps the whole source in
  // every process's heap for lazy compilation (docs/benchmarks.md#the-bundle).
  minifyWhitespace: true,
  logLevel: 'warning',
});
if (result.errors.length > 0) {
  console.error('bundle: esbuild failed');
  process.exit(1);
}
// ASCII only. esbuild escapes non-ASCII characters in code but keeps the comments it carries over as they
// are, and a single "§" or "—" in one of them makes V8 hold the whole source as a two-byte string, twice
// its size in every process's heap (docs/benchmarks.md#the-bundle). Outside code the escape is inert.
// esbuild leaves them in regular-expression literals too, so the escape is one \uXXXX per UTF-16 code unit:
// the form strings and every regular expression read alike (`\u{…}` means "u repeated" in a regex without
// the u flag, which turned [—–] into a class of digits).
const text = readFileSync(outfile, 'utf8');
const unit = (c, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
const ascii = text.replace(/[^\p{ASCII}]/gu, (c) =>
  Array.from({ length: c.length }, (_, i) => unit(c, i)).join(''),
);
if (ascii !== text) writeFileSync(outfile, ascii);
console.log(`bundle: ${outfile} (${statSync(outfile).size} bytes)`);
