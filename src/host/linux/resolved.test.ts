import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { EnvironmentError } from '../../errors.js';
import type { RunResult, Runner } from './interfaces.js';
import { renderOp } from './ops.js';
import {
  observeResolved,
  parseResolvectlList,
  parseResolvedLinks,
  sameNamespace,
  serverAddress,
} from './resolved.js';

// Recorded from resolvectl 252 against a real systemd-resolved in a throw-away netns (see resolved.ts).
const fixture = (name: string): string =>
  readFileSync(new URL(`../../../../test/fixtures/linux/${name}`, import.meta.url), 'utf8');

function runner(answers: Record<string, RunResult | Error>): Runner {
  return (file, args) => {
    const a = answers[[file, ...args].join(' ')];
    if (a === undefined) return Promise.reject(new Error(`unexpected ${file} ${args.join(' ')}`));
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
}
const ok = (stdout: string): RunResult => ({ code: 0, stdout, stderr: '' });
const failed = (stderr: string): RunResult => ({ code: 1, stdout: '', stderr });

describe('resolvectl listings (recorded)', () => {
  test('dns + domain: one entry per link, Global skipped, ports and names kept, empty links empty', () => {
    assert.deepEqual(parseResolvedLinks(fixture('resolvectl-dns.txt'), fixture('resolvectl-domain.txt')), [
      {
        iface: 'br0',
        index: 2,
        servers: ['10.9.0.1', '10.9.0.2:5353', '1.1.1.1#cloudflare-dns.com'],
        domains: ['~switchyard.internal', 'example.com'],
      },
      { iface: 'br-x.1', index: 3, servers: [], domains: [] },
    ]);
  });

  test('the single-link form parses the same way', () => {
    assert.deepEqual(parseResolvectlList(fixture('resolvectl-dns-link.txt')).get('br0'), {
      index: 2,
      values: ['10.9.0.1', '10.9.0.2:5353', '1.1.1.1#cloudflare-dns.com'],
    });
  });

  test('a line of another shape is an error, not silently dropped', () => {
    assert.throws(() => parseResolvectlList('Link br0: 10.0.0.1\n'), EnvironmentError);
  });

  test('serverAddress strips port and SNI name', () => {
    assert.equal(serverAddress('10.9.0.2:5353'), '10.9.0.2');
    assert.equal(serverAddress('1.1.1.1#cloudflare-dns.com'), '1.1.1.1');
    assert.equal(serverAddress('[fd00::1]:53#x'), 'fd00::1');
    assert.equal(serverAddress('10.9.0.1'), '10.9.0.1');
  });
});

describe('observeResolved', () => {
  test('running: both listings joined', async () => {
    const st = await observeResolved(
      runner({
        'resolvectl dns': ok(fixture('resolvectl-dns.txt')),
        'resolvectl domain': ok(fixture('resolvectl-domain.txt')),
      }),
    );
    assert.equal(st.running, true);
  });

  for (const [what, answer, why] of [
    ['no system bus', failed(fixture('resolvectl-no-bus.stderr.txt')), /sd_bus_open_system/],
    [
      'bus without resolved',
      failed(fixture('resolvectl-no-resolved.stderr.txt')),
      /resolve1 was not provided/,
    ],
    [
      'resolvectl not installed',
      Object.assign(new Error('spawn resolvectl ENOENT'), { code: 'ENOENT' }),
      /not installed/,
    ],
    [
      'resolvectl not installed (execFileRunner wraps the spawn error)',
      new EnvironmentError('resolvectl not found on PATH (install iproute2)', {
        cause: Object.assign(new Error('spawn resolvectl ENOENT'), { code: 'ENOENT' }),
      }),
      /^resolvectl is not installed$/,
    ],
  ] as const) {
    test(`${what} → not running, with the reason`, async () => {
      const st = await observeResolved(runner({ 'resolvectl dns': answer, 'resolvectl domain': answer }));
      assert.equal(st.running, false);
      assert.match(st.running ? '' : st.why, why);
    });
  }
});

describe('resolved ops', () => {
  test('set: exactly one server, the routing-only domain', () => {
    assert.deepEqual(
      renderOp({ op: 'resolvedSetLink', dev: 'sy-br', server: '10.0.251.1', domain: 'switchyard.internal' }),
      [
        ['resolvectl', 'dns', 'sy-br', '10.0.251.1'],
        ['resolvectl', 'domain', 'sy-br', '~switchyard.internal'],
      ],
    );
    assert.deepEqual(renderOp({ op: 'resolvedRevertLink', dev: 'sy-br' }), [
      ['resolvectl', 'revert', 'sy-br'],
    ]);
  });

  test('a malformed op is refused before anything runs', () => {
    assert.throws(() => renderOp({ op: 'resolvedSetLink', dev: 'sy-br', server: 'x', domain: 'a.b' }));
    assert.throws(() =>
      renderOp({ op: 'resolvedSetLink', dev: 'sy-br', server: '10.0.0.1', domain: '-x y' }),
    );
    assert.throws(() => renderOp({ op: 'resolvedSetLink', dev: 'a/b', server: '10.0.0.1', domain: 'a.b' }));
  });
});

describe('a resolved of another network namespace is never used', () => {
  const state = {
    running: true as const,
    links: parseResolvedLinks(fixture('resolvectl-dns.txt'), fixture('resolvectl-domain.txt')),
  };
  test('same links (index and name) → used', () => {
    const ours = [
      { name: 'lo', index: 1 },
      { name: 'br0', index: 2 },
      { name: 'br-x.1', index: 3 },
    ];
    assert.equal(sameNamespace(state, ours), state);
  });
  test('the host resolved seen from a lab namespace (index 2 is another link) → absent, saying why', () => {
    const st = sameNamespace(state, [{ name: 'sy01ab-sw', index: 2 }]);
    assert.equal(st.running, false);
    assert.match(st.running ? '' : st.why, /serves another network namespace \(its link 2 is br0\)/);
  });
});
