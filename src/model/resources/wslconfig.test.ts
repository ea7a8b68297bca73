/**
 * .wslconfig networkingMode=nat: the user's file is edited in place, and every byte not about that key —
 * comments, order, blank lines, CRLF, `\\` in paths — comes back exactly as it was.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { cidr, ipv4 } from '../../net/ipv4.js';
import type { DesiredHost } from '../desired.js';
import { emptyHost, type ObservedHost } from '../observed.js';
import { diffWslConfig, wslconfigWithNat } from './wslconfig.js';

/** A hand-written file: CRLF, comments (own line and after values), blank lines, a `\\` path, two sections. */
const HAND_WRITTEN = [
  '# Settings for the WSL 2 VM (see https://learn.microsoft.com/windows/wsl/wsl-config)',
  '[wsl2]',
  'memory=6GB            # half of this laptop',
  'kernel=C:\\\\Users\\\\dev\\\\kernels\\\\bzImage',
  '',
  '; not a comment for WSL, but kept all the same',
  'NETWORKINGMODE',
  '',
  '# Experimental features',
  '[experimental]',
  'autoMemoryReclaim=gradual',
  '',
].join('\r\n');

function withMode(line: string | undefined): string {
  return HAND_WRITTEN.replace('NETWORKINGMODE\r\n', line === undefined ? '' : `${line}\r\n`);
}

const DESIRED: DesiredHost = {
  switches: [],
  wsl: { subnet: cidr('10.21.0.0/20'), gateway: ipv4('10.21.0.1') },
  forwarding: true,
  firewall: [],
};

function observed(wslconfig: string | undefined): ObservedHost {
  return {
    ...emptyHost('windows'),
    wsl: { natNetwork: undefined, natGateway: undefined, userNatIp: undefined, wslconfig },
  };
}

describe('.wslconfig networkingMode=nat, edited in place', () => {
  test('key already nat: no change, and the diff plans nothing', () => {
    const text = withMode('networkingMode=nat');
    assert.equal(wslconfigWithNat(text), undefined);
    assert.deepEqual(diffWslConfig(DESIRED, observed(text)), []);
  });

  test('key mirrored → nat: only the value changes, spacing and the comment after it stay', () => {
    const edit = wslconfigWithNat(withMode('networkingMode = mirrored   # for the VPN'));
    assert.equal(edit?.text, withMode('networkingMode = nat   # for the VPN'));
    assert.deepEqual(edit.was, { kind: 'value', raw: 'mirrored' });
    // Every other line, byte for byte (CRLF included).
    assert.ok(edit.text.includes('kernel=C:\\\\Users\\\\dev\\\\kernels\\\\bzImage\r\n'));
    assert.ok(!/[^\r]\n/.test(edit.text), 'no bare LF introduced');
  });

  test('key missing in an existing [wsl2] section: added after its last key, before the blank line and comments', () => {
    const edit = wslconfigWithNat(withMode(undefined));
    assert.equal(
      edit?.text,
      HAND_WRITTEN.replace('bzImage\r\n\r\n; not', 'bzImage\r\nnetworkingMode=nat\r\n\r\n; not').replace(
        'NETWORKINGMODE\r\n',
        '',
      ),
    );
    assert.deepEqual(edit.was, { kind: 'no key' });
  });

  test('no [wsl2] section: one is appended after a blank line, the file ending as it ended', () => {
    const text = '# only interop here\r\n[interop]\r\nappendWindowsPath=false # keep PATH short\r\n';
    assert.equal(wslconfigWithNat(text)?.text, `${text}\r\n[wsl2]\r\nnetworkingMode=nat\r\n`);
    assert.equal(
      wslconfigWithNat('[interop]\nenabled=true')?.text,
      '[interop]\nenabled=true\n\n[wsl2]\nnetworkingMode=nat',
    );
    assert.equal(wslconfigWithNat('# x\r\n\r\n')?.text, '# x\r\n\r\n[wsl2]\r\nnetworkingMode=nat\r\n');
  });

  test('no file: created with [wsl2] networkingMode=nat, CRLF', () => {
    assert.deepEqual(wslconfigWithNat(undefined), {
      text: '[wsl2]\r\nnetworkingMode=nat\r\n',
      was: { kind: 'no file' },
    });
    assert.equal(wslconfigWithNat('')?.text, '[wsl2]\r\nnetworkingMode=nat\r\n');
  });

  test('a UTF-8 BOM stays in front', () => {
    const edit = wslconfigWithNat('\ufeff[wsl2]\r\nnetworkingMode=mirrored\r\n');
    assert.equal(edit?.text, '\ufeff[wsl2]\r\nnetworkingMode=nat\r\n');
  });

  describe("read the way WSL's own parser reads it (configfile.cpp)", () => {
    const cases: [string, string, string | undefined][] = [
      ['case-insensitive section and key, value', '[WSL2]\nNetworkingMode=NAT\n', undefined],
      ['quotes are removed', '[wsl2]\nnetworkingMode="nat"\n', undefined],
      ['# after a value is a comment', '[wsl2]\nnetworkingMode=nat# mine\n', undefined],
      ['indented header and key', '  [wsl2]  # vm\n\tnetworkingMode =\tnat\n', undefined],
      [
        'the legacy [experimental] key counts; the first occurrence wins and is the one rewritten',
        '[experimental]\nnetworkingMode=mirrored\n[wsl2]\nnetworkingMode=nat\n',
        '[experimental]\nnetworkingMode=nat\n[wsl2]\nnetworkingMode=nat\n',
      ],
      [
        'a later mirrored duplicate is ignored by WSL (it warns), so nothing changes',
        '[wsl2]\nnetworkingMode=nat\nnetworkingMode=mirrored\n',
        undefined,
      ],
      [
        '; is not a comment: "nat ; x" is not nat',
        '[wsl2]\nnetworkingMode=nat ; x\n',
        '[wsl2]\nnetworkingMode=nat\n',
      ],
      [
        'a # inside quotes is part of the value',
        '[wsl2]\nnetworkingMode="mirrored#x" # c\n',
        '[wsl2]\nnetworkingMode=nat # c\n',
      ],
      [
        'a line WSL rejects (bad escape) is skipped: the key is added after the valid ones',
        '[wsl2]\nmemory=4GB\nnetworkingMode=mir\\qrored\n',
        '[wsl2]\nmemory=4GB\nnetworkingMode=nat\nnetworkingMode=mir\\qrored\n',
      ],
      [
        'a key before any section is not [wsl2]',
        'networkingMode=nat\n',
        'networkingMode=nat\n\n[wsl2]\nnetworkingMode=nat\n',
      ],
      [
        'an invalid header ([wsl 2]) is not the section',
        '[wsl 2]\nnetworkingMode=nat\n',
        '[wsl 2]\nnetworkingMode=nat\n\n[wsl2]\nnetworkingMode=nat\n',
      ],
      [
        'an unknown value (WSL warns, keeps its default) is rewritten to nat',
        '[wsl2]\nnetworkingMode=bogus\n',
        '[wsl2]\nnetworkingMode=nat\n',
      ],
    ];
    for (const [name, text, want] of cases) {
      test(name, () => {
        assert.equal(wslconfigWithNat(text)?.text, want);
      });
    }
  });

  test('property: idempotent, and every original line except the rewritten one survives, in order', () => {
    const piece = fc.constantFrom(
      '[wsl2]',
      '[WSL2]',
      '[experimental]',
      '[interop]',
      '[wsl 2]',
      '  [wsl2] # c',
      'networkingMode=mirrored',
      'networkingMode=nat',
      'networkingMode = "NAT" # q',
      'networkingMode=bad\\',
      'memory=4GB',
      'kernel=C:\\\\k\\\\bz',
      '# comment',
      '; semicolon',
      '',
      '   ',
      'garbage line',
      '=x',
      '"',
      '\ufeff',
    );
    const file = fc.tuple(fc.array(piece, { maxLength: 12 }), fc.constantFrom('\r\n', '\n'), fc.boolean());
    fc.assert(
      fc.property(file, ([pieces, lb, trailing]) => {
        const text = pieces.join(lb) + (trailing && pieces.length > 0 ? lb : '');
        const edit = wslconfigWithNat(text);
        if (edit === undefined) return;
        assert.equal(wslconfigWithNat(edit.text), undefined, 'a second edit changes nothing');
        // A file without any line break gets CRLF for the new lines, so compare lines, not line ends.
        const lines = (t: string): string[] => t.replace(/^\ufeff/, '').split(/\r?\n/);
        const before = lines(text);
        const after = lines(edit.text);
        assert.equal(edit.text.startsWith('\ufeff'), text.startsWith('\ufeff'), 'a BOM stays, none is added');
        if (text.includes('\n')) {
          // The file's own line ends, for the new lines too.
          assert.ok(
            lb === '\r\n' ? !/(^|[^\r])\n/.test(edit.text) : !edit.text.includes('\r'),
            'line ends kept',
          );
        }
        // The edit is one contiguous spot: before = P·X·S and after = P·Y·S, with X at most the one
        // rewritten networkingMode line and Y at most a blank line, a header and the key.
        let p = 0;
        while (p < before.length && p < after.length && before[p] === after[p]) p++;
        let q = 0;
        while (q < before.length - p && q < after.length - p && before.at(-1 - q) === after.at(-1 - q)) q++;
        const removed = before.slice(p, before.length - q);
        const added = after.slice(p, after.length - q);
        const context = JSON.stringify({ text, out: edit.text });
        assert.ok(removed.length <= 1 && removed.every((l) => /networkingMode/.test(l)), context);
        assert.ok(added.length <= 3, context);
      }),
      { numRuns: 500 },
    );
  });
});

describe('diffWslConfig', () => {
  test('plans setWslConfig with the whole new text, and says `wsl --shutdown` is needed and why', () => {
    const [c, ...rest] = diffWslConfig(DESIRED, observed(withMode('networkingMode=mirrored')));
    assert.deepEqual(rest, []);
    assert.equal(c?.resource, 'wslconfig');
    assert.equal(c.action, '~');
    assert.equal(c.detail, 'networkingMode "mirrored" → nat');
    assert.deepEqual(c.ops, [{ op: 'setWslConfig', text: withMode('networkingMode=nat') }]);
    assert.match(c.note ?? '', /wsl --shutdown/);
    assert.match(c.note ?? '', /only when its VM starts/);
  });

  test('creating or adding is "+"', () => {
    assert.equal(diffWslConfig(DESIRED, observed(undefined))[0]?.action, '+');
    assert.match(diffWslConfig(DESIRED, observed(undefined))[0]?.detail ?? '', /create/);
    assert.equal(diffWslConfig(DESIRED, observed(withMode(undefined)))[0]?.action, '+');
  });

  test('nothing without `wsl:` in the config, on Linux, or when WSL was not observed', () => {
    assert.deepEqual(diffWslConfig({ ...DESIRED, wsl: undefined }, observed(undefined)), []);
    assert.deepEqual(diffWslConfig(DESIRED, { ...observed(undefined), platform: 'linux' }), []);
    assert.deepEqual(diffWslConfig(DESIRED, emptyHost('windows')), []);
  });
});
