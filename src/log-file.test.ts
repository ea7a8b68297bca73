import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLogger } from './log.js';
import { parseSize, RotatingFile } from './log-file.js';

const root = mkdtempSync(join(tmpdir(), 'sy-logfile-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('RotatingFile', () => {
  test('writing far past the limit leaves a bounded set: N files, each within maxBytes, newest last', () => {
    const dir = mkdtempSync(join(root, 'bounded-'));
    writeFileSync(join(dir, 'leases.journal'), 'not a log\n');
    const path = join(dir, 'switchyard.log');
    const f = new RotatingFile(path, { maxBytes: 1000, files: 3 });
    const line = (i: number): string => `${JSON.stringify({ i, pad: 'x'.repeat(60) })}\n`;
    for (let i = 0; i < 500; i++) f.write(line(i)); // ~38 kB through a 3 kB budget
    f.close();
    assert.deepEqual(readdirSync(dir).sort(), [
      'leases.journal',
      'switchyard.log',
      'switchyard.log.1',
      'switchyard.log.2',
    ]);
    for (const n of f.names()) assert.ok(statSync(n).size <= 1000, `${n} within the limit`);
    assert.equal(readFileSync(join(dir, 'leases.journal'), 'utf8'), 'not a log\n', 'other files untouched');
    // Oldest to newest, the kept lines are one unbroken run ending at the last line written.
    const kept = [...f.names()]
      .reverse()
      .flatMap((n) => readFileSync(n, 'utf8').split('\n').filter(Boolean))
      .map((l) => (JSON.parse(l) as { i: number }).i);
    assert.equal(kept.at(-1), 499);
    kept.forEach((v, k) => {
      assert.equal(v, kept[0]! + k);
    });
    assert.ok(kept.length > 20);
  });

  test('appends to an existing live file and counts its size (a restarted daemon)', () => {
    const dir = mkdtempSync(join(root, 'restart-'));
    const path = join(dir, 'switchyard.log');
    writeFileSync(path, 'a'.repeat(90) + '\n');
    const f = new RotatingFile(path, { maxBytes: 100, files: 2 });
    f.write('b'.repeat(20) + '\n'); // 91 + 21 > 100: rotates first
    f.close();
    assert.equal(readFileSync(`${path}.1`, 'utf8'), 'a'.repeat(90) + '\n');
    assert.equal(readFileSync(path, 'utf8'), 'b'.repeat(20) + '\n');
  });

  test('files: 1 keeps only the live file; bad limits are refused', () => {
    const dir = mkdtempSync(join(root, 'one-'));
    const f = new RotatingFile(join(dir, 'l.log'), { maxBytes: 10, files: 1 });
    for (let i = 0; i < 10; i++) f.write('123456\n');
    f.close();
    assert.deepEqual(readdirSync(dir), ['l.log']);
    assert.throws(() => new RotatingFile(join(dir, 'x.log'), { maxBytes: 10, files: 0 }), RangeError);
  });

  test('pino writes its JSON lines through it', () => {
    const dir = mkdtempSync(join(root, 'pino-'));
    const f = new RotatingFile(join(dir, 'switchyard.log'), { maxBytes: 300, files: 2 });
    const log = createLogger('info', f);
    for (let i = 0; i < 20; i++) log.info({ i }, 'hello');
    log.debug({}, 'not at info');
    f.close();
    const lines = readFileSync(join(dir, 'switchyard.log'), 'utf8').split('\n').filter(Boolean);
    const last = JSON.parse(lines.at(-1)!) as { i: number; msg: string; level: string };
    assert.equal(last.i, 19);
    assert.equal(last.msg, 'hello');
    assert.equal(last.level, 'info');
    assert.ok(statSync(join(dir, 'switchyard.log.1')).size <= 300);
  });
});

describe('parseSize', () => {
  test('units', () => {
    assert.equal(parseSize('10M'), 10 * 1024 * 1024);
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.equal(parseSize('1048576'), 1048576);
    assert.equal(parseSize('1GB'), 1024 ** 3);
    for (const bad of ['', '0', '-1', '1.5M', 'ten', '10T']) assert.equal(parseSize(bad), undefined, bad);
  });
});
