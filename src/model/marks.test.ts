import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import * as marks from './marks.js';

const SRC = new URL('../../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every string literal (whole) and template part (not whole) in a file's code; comments are not code. */
function literals(file: string): { text: string; whole: boolean }[] {
  const out: { text: string; whole: boolean }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteralLike(n)) out.push({ text: n.text, whole: true });
    else if (ts.isTemplateLiteralToken(n)) out.push({ text: n.text, whole: false });
    ts.forEachChild(n, visit);
  };
  visit(ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true));
  return out;
}

test('the ownership marks are written in marks.ts only: no other source spells one', () => {
  // Exact values that mean nothing but a mark; ('switchyard' alone also names folders and the program.)
  const exact = new Set([
    marks.NRPT_MARK,
    marks.NAT_PREFIX,
    marks.OWNER_ALIAS_PREFIX,
    marks.BRIDGE_ALIAS,
    marks.OWNED_LABEL_SUFFIX,
    marks.NFT_TABLE_COMMENT,
    marks.TASK_PATH,
  ]);
  const inside = ['CurrentVersion\\Lxss'];
  const found: string[] = [];
  for (const file of sources(SRC)) {
    if (file.endsWith('/model/marks.ts')) continue;
    for (const { text, whole } of literals(file)) {
      const hit = (whole && exact.has(text)) || inside.some((m) => text.includes(m));
      if (hit) found.push(`${relative(SRC, file)}: ${JSON.stringify(text)}`);
    }
  }
  assert.deepEqual(found, []);
});
