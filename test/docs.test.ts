/**
 * Code comments cite what a reader of the repository can open: a docs/ page (and its section), or a primary
 * source (an RFC section, Microsoft's documentation, an issue link). Never notes that live outside the
 * repository (the research notes, the shared design page), which users of the code do not have.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = join('test', 'docs.test.ts');

/** Folders whose files must cite only what is in the repository (scripts/ names the optional validators' path). */
const CHECKED = ['src', 'test', 'bench', 'native'];
const TEXT = /\.(ts|mjs|js|c|ps1|sh|md|json)$/;

/** Citations of notes outside the repository. */
const OUTSIDE =
  /\bresearch\b|\.\.\/shared\b|\/work\/shared|DESIGN\.md|\b(?:windows|dhcp)-anchors\b|\bwindows-fixtures\b/i;

/**
 * Benchmark history in a comment: throughput, CPU per packet, a profile or run it came from, a figure
 * before and after. The decision stays in the comment; the numbers go to docs/benchmarks.md.
 */
const BENCH_FIGURE =
  /DORA\/s|\d ?µs\b|quick runs|allocation profile|heap snapshot|\bstrace\b|trace-gc|\b(?:was|were) (?:about |~)?\d|instead of \d|% of (?:its|the server's) CPU|\bbench\/[a-z-]+\.(?:ts|sh)\b/i;
/** A line of a comment in TypeScript, JavaScript or C. */
const COMMENT_LINE = /^\s*(?:\/\/|\/\*|\*)/;

/** `docs/NAME.md` with an optional `#section`. */
const DOC_CITE = /\bdocs\/([A-Za-z0-9_-]+\.md)(#[a-z0-9_-]+)?/g;

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (TEXT.test(name)) out.push(p);
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(doc: string): Set<string> {
  const text = readFileSync(join(ROOT, 'docs', doc), 'utf8');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

function sources(): { file: string; line: number; text: string }[] {
  const out: { file: string; line: number; text: string }[] = [];
  for (const dir of CHECKED) {
    for (const f of files(join(ROOT, dir))) {
      const file = relative(ROOT, f);
      if (file === SELF) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((text, i) => out.push({ file, line: i + 1, text }));
    }
  }
  return out;
}

describe('citations in the code', () => {
  const lines = sources();

  test('the checked folders were read (src among them)', () => {
    assert.ok(lines.some((l) => l.file.startsWith('src')));
  });

  test('no file cites notes that are not in the repository (research/, ../shared, DESIGN.md)', () => {
    const bad = lines.filter((l) => OUTSIDE.test(l.text)).map((l) => `${l.file}:${l.line}: ${l.text.trim()}`);
    assert.deepEqual(bad, []);
  });

  test('no comment in src/, scripts/ or native/ quotes benchmark figures (docs/benchmarks.md has them)', () => {
    const code = [
      ...lines.filter((l) => /^(src|native)\//.test(l.file)),
      ...files(join(ROOT, 'scripts')).flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((text, i) => ({ file: relative(ROOT, f), line: i + 1, text })),
      ),
    ].filter((l) => !l.file.endsWith('.test.ts') && /\.(ts|mjs|js|c)$/.test(l.file));
    const bad = code
      .filter((l) => COMMENT_LINE.test(l.text) && BENCH_FIGURE.test(l.text))
      .map((l) => `${l.file}:${l.line}: ${l.text.trim()}`);
    assert.deepEqual(bad, []);
  });

  test('every docs/ page cited exists, and so does the section named after #', () => {
    const known = new Map<string, Set<string>>();
    const bad: string[] = [];
    let cited = 0;
    for (const l of lines) {
      for (const m of l.text.matchAll(DOC_CITE)) {
        cited++;
        const [doc, hash] = [m[1]!, m[2]];
        if (!existsSync(join(ROOT, 'docs', doc))) {
          bad.push(`${l.file}:${l.line}: docs/${doc} does not exist`);
          continue;
        }
        if (hash === undefined) continue;
        if (!known.has(doc)) known.set(doc, anchors(doc));
        if (!known.get(doc)!.has(hash.slice(1)))
          bad.push(`${l.file}:${l.line}: docs/${doc} has no section ${hash}`);
      }
    }
    assert.deepEqual(bad, []);
    assert.ok(cited > 0, 'the code cites docs/ pages');
  });

  test('the links between the docs pages and from the README resolve', () => {
    const bad: string[] = [];
    const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((d) => join('docs', d))];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const m of text.matchAll(/\]\(((?:docs\/)?[A-Za-z0-9_-]+\.md)?(#[a-z0-9_-]+)?\)/g)) {
        const [target, hash] = [m[1], m[2]];
        if (target === undefined && hash === undefined) continue;
        const doc = target === undefined ? page : page.startsWith('docs') ? join('docs', target) : target;
        if (!existsSync(join(ROOT, doc))) {
          bad.push(`${page}: ${m[0]} (no ${doc})`);
          continue;
        }
        if (hash === undefined) continue;
        const heads = new Set(
          [...readFileSync(join(ROOT, doc), 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((h) => slug(h[1]!)),
        );
        if (!heads.has(hash.slice(1))) bad.push(`${page}: ${m[0]} (no section ${hash} in ${doc})`);
      }
    }
    assert.deepEqual(bad, []);
  });
});

describe('slug', () => {
  test("is GitHub's heading anchor", () => {
    assert.equal(slug("The lease journal's sync"), 'the-lease-journals-sync');
    assert.equal(
      slug('What has and has not run on real Windows'),
      'what-has-and-has-not-run-on-real-windows',
    );
    assert.equal(slug('Node flags for `serve`'), 'node-flags-for-serve');
  });
});
