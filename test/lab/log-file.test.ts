/**
 * Lab test (root, network namespaces): `switchyard serve --log-file` writes its JSON lines to the file, not
 * stderr, and rotation keeps the set bounded while the real daemon runs (SIGHUP reloads make the lines).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLab, labSkipReason, sleep, waitUntil, type Lab } from './netns.js';
import { serveArgv, writeConfig } from './switchyard.js';

const skip = labSkipReason();

if (skip) test('serve --log-file', { skip }, () => undefined);

describe('serve --log-file', { skip: skip ?? false }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab();
  });
  after(async () => {
    await lab?.destroy();
  });

  test('lines go to the file; past --log-max-size the set stays at --log-files files', async () => {
    const sw = await lab.addSwitch({ cidr: '10.78.0.1/24' });
    const config = writeConfig(
      lab,
      `switches:\n  - name: ${sw.ifname}\n    subnet: 10.78.0.0/24\n    host: 10.78.0.1\n`,
    );
    const logDir = join(lab.workDir, 'logs');
    const log = join(logDir, 'switchyard.log');
    const p = lab.spawn(
      lab.hostNs,
      serveArgv(config, join(lab.workDir, 'state'), [
        '--log-file',
        log,
        '--log-max-size',
        '1k',
        '--log-files',
        '3',
      ]),
    );
    const all = (): string =>
      ['switchyard.log.2', 'switchyard.log.1', 'switchyard.log']
        .map((n) => join(logDir, n))
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f, 'utf8'))
        .join('');
    await waitUntil(
      () => all().includes('"msg":"serving DHCP"'),
      15_000,
      () => `serving DHCP in ${log}`,
    );
    // ~90 bytes per reload; signals sent faster than reloads run would merge, so pace them.
    for (let i = 0; i < 80; i++) {
      p.signal('SIGHUP');
      await sleep(50);
    }
    await waitUntil(
      () => existsSync(`${log}.2`),
      10_000,
      () => `two rotations: ${readdirSync(logDir).join(' ')}\n${all()}\n${p.output()}`,
    );
    await p.stop();
    assert.deepEqual(readdirSync(logDir).sort(), ['switchyard.log', 'switchyard.log.1', 'switchyard.log.2']);
    for (const f of readdirSync(logDir)) assert.ok(statSync(join(logDir, f)).size <= 1024, f);
    assert.doesNotMatch(p.output(), /"msg":"serving DHCP"/, 'nothing logged to stderr');
    const last = all().trim().split('\n').at(-1)!;
    assert.equal((JSON.parse(last) as { msg: string }).msg, 'stopping');
  });
});
