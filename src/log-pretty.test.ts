import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { prettyDestination, prettyLine } from './log-pretty.js';
import { createLogger } from './log.js';

describe('readable log lines (a terminal)', () => {
  test('time, level, message, key=value; DNS types by name', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-12-06T21:45:03.512Z',
      name: 'x.example',
      type: 28,
      why: 'timed out after 2 s',
      msg: 'DNS: upstream failed; answering SERVFAIL',
    });
    assert.equal(
      prettyLine(line),
      '21:45:03.512 INFO  DNS: upstream failed; answering SERVFAIL name=x.example type=AAAA why="timed out after 2 s"\n',
    );
  });

  test('control characters in a value are escaped; a line that is not JSON passes through', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: '2026-12-06T21:45:03.512Z',
      hostname: 'a\x1b[2Jb',
      msg: 'm',
    });
    assert.equal(prettyLine(line), '21:45:03.512 WARN  m hostname="a\\u001b[2Jb"\n');
    assert.equal(prettyLine('not json'), 'not json');
  });

  test('pino through the destination gives readable lines, not JSON', () => {
    const seen: string[] = [];
    const log = createLogger('info', prettyDestination({ write: (s) => seen.push(s) }, false));
    log.info({ switch: 'lab', leases: 3 }, 'leases restored from the journal');
    assert.equal(seen.length, 1);
    assert.match(
      seen[0]!,
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}leases restored from the journal switch=lab leases=3\n$/,
    );
  });
});
