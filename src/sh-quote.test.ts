import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { shWord } from './sh-quote.js';

test('shWord: bare where no shell character is special, single-quoted elsewhere', () => {
  const line = (argv: string[]): string => argv.map(shWord).join(' ');
  assert.equal(
    line(['sysctl', '-q', '-w', 'net/ipv4/conf/sy-br/forwarding=1']),
    'sysctl -q -w net/ipv4/conf/sy-br/forwarding=1',
  );
  assert.equal(line(['nft', "a b 'c'\nd"]), `nft 'a b '\\''c'\\''\nd'`);
  assert.equal(
    line(['ip', 'address', 'add', '10.0.0.1/24', 'broadcast', '+']),
    'ip address add 10.0.0.1/24 broadcast +',
  );
});

test('shWord: sh reads every word back as it was', () => {
  const words = ["it's", "''", '$(id); `x` \\ y', 'C:\\sy', 'a\nb', '*', '~', '#c', '', 'o’brien'];
  const r = spawnSync('sh', ['-c', `set -- ${words.map(shWord).join(' ')}; printf '%s\\0' "$@"`], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\0').slice(0, -1), words);
});
