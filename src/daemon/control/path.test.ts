import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { controlPath, isPipePath, maxSocketPathBytes, pipeName, socketPathProblem } from './path.js';

describe('controlPath', () => {
  test('Unix: control.sock in the state dir', () => {
    assert.equal(controlPath('/var/lib/switchyard', 'linux'), '/var/lib/switchyard/control.sock');
    assert.equal(controlPath('/tmp/sy/', 'darwin'), '/tmp/sy/control.sock');
  });

  test('Windows: a well-formed, deterministic named pipe', () => {
    const p = controlPath('C:\\ProgramData\\switchyard', 'win32');
    assert.match(p, /^\\\\\.\\pipe\\switchyard-[0-9a-f]{16}$/);
    assert.equal(p, controlPath('C:\\ProgramData\\switchyard', 'win32'));
    assert.equal(p, pipeName('C:\\ProgramData\\switchyard'));
    assert.ok(isPipePath(p));
  });

  test('Windows: spellings of one directory share a pipe; other directories do not', () => {
    const p = pipeName('C:\\ProgramData\\switchyard');
    assert.equal(pipeName('c:\\programdata\\SWITCHYARD\\'), p);
    assert.equal(pipeName('C:/ProgramData/switchyard'), p);
    assert.notEqual(pipeName('C:\\ProgramData\\switchyard2'), p);
    assert.notEqual(pipeName('D:\\ProgramData\\switchyard'), p);
  });

  test('isPipePath tells pipes from socket paths', () => {
    assert.ok(isPipePath('\\\\?\\pipe\\x'));
    assert.ok(!isPipePath('/var/lib/switchyard/control.sock'));
    assert.ok(!isPipePath('C:\\pipe\\x'));
  });
});

describe('socketPathProblem', () => {
  test('limits are sun_path - 1', () => {
    assert.equal(maxSocketPathBytes('linux'), 107);
    assert.equal(maxSocketPathBytes('darwin'), 103);
  });

  test('accepts up to the limit, refuses beyond it, counting bytes', () => {
    assert.equal(socketPathProblem('/' + 'a'.repeat(106), 'linux'), undefined);
    assert.match(socketPathProblem('/' + 'a'.repeat(107), 'linux') ?? '', /108 bytes; the limit is 107/);
    assert.match(socketPathProblem('/' + 'é'.repeat(60), 'linux') ?? '', /121 bytes/);
    assert.match(socketPathProblem('/' + 'a'.repeat(103), 'darwin') ?? '', /limit is 103/);
  });
});
