import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  commandNames,
  decodeVerbatimString,
  nodesOfType,
  parsePowerShell,
} from '../test/support/ps-parse.js';
import { pwshParse } from '../test/support/pwsh.js';
import { pwshMissing } from '../test/windows-sim/runner.js';
import { InternalError } from './errors.js';
import {
  psArray,
  psComment,
  psHashtable,
  psString,
  psStringProblem,
  psValue,
  SINGLE_QUOTES,
} from './ps-quote.js';

/** Values a config file could carry that would break out of a badly quoted literal. */
const HOSTILE: readonly string[] = [
  '',
  ' ',
  "'",
  "''",
  "'''",
  "it's",
  '\u2018',
  '\u2019',
  '\u201a',
  '\u201b',
  "'\u2019\u2018\u201a\u201b'",
  "x'; Remove-Item -Recurse C:\\; '",
  'x\u2019; Stop-Computer -Force; \u2018',
  'x\u2019\u2019; Stop-Computer; \u2018',
  '$(Stop-Computer)',
  '$env:USERPROFILE $null ${x}',
  '@(1) @{a=1}',
  '; Stop-Computer',
  '| Out-File C:\\x & calc',
  '`n`r`0 `$ backtick at end `',
  'line1\nline2',
  'line1\r\nline2\r\n',
  'cr only\rhere',
  '# not a comment',
  '<# not a block comment',
  '#> and <# again',
  "@'\nnot a here-string\n'@",
  '@"\n$(nope)\n"@',
  '"double" and \u201csmart double\u201d \u201e',
  '-- --% -Name',
  '} { ) ( ] [',
  'NEL\u0085 LS\u2028 PS\u2029 NBSP\u00a0',
  'RTL \u202e override',
  'emoji \ud83d\ude00 CJK \u4e2d\u6587 \u00e9',
  '\\\\server\\share\\',
  'tab\there',
];

async function assertOneLiteral(value: string): Promise<void> {
  const literal = psString(value);
  // PowerShell's own rule (tokenizer.cs ScanStringLiteral): the literal spans exactly the text we wrote
  // and reads back as the value.
  assert.deepEqual(decodeVerbatimString(literal), { value, length: literal.length }, JSON.stringify(value));
  // The grammar agrees: one string literal, no errors, no command.
  const script = `$x = ${literal}\n`;
  assert.deepEqual((await parsePowerShell(script)).errors, [], JSON.stringify(value));
  assert.deepEqual(await nodesOfType(script, 'string_literal'), [literal], JSON.stringify(value));
  assert.deepEqual(await commandNames(script), [], JSON.stringify(value));
  // As a command argument it stays an argument.
  const call = `Write-Output ${literal}\n`;
  assert.deepEqual((await parsePowerShell(call)).errors, [], JSON.stringify(value));
  assert.deepEqual(await commandNames(call), ['Write-Output'], JSON.stringify(value));
}

test('psString: every hostile string is exactly one verbatim literal whose value is the input', async () => {
  for (const value of HOSTILE) await assertOneLiteral(value);
});

test('psString: doubles all five single-quote characters PowerShell knows, nothing else', () => {
  assert.equal(psString("it's"), "'it''s'");
  for (const q of SINGLE_QUOTES) assert.equal(psString(`a${q}b`), `'a${q}${q}b'`);
  assert.equal(psString('$(x) `n # <#'), "'$(x) `n # <#'");
  assert.equal(psString('\u201c"\u201d'), "'\u201c\"\u201d'");
});

test('psString: refuses NUL and lone surrogates', () => {
  assert.throws(() => psString('a\0b'), InternalError);
  assert.throws(() => psString('\ud800'), InternalError);
  assert.throws(() => psString('x\udc00'), InternalError);
  assert.equal(psStringProblem('a\0'), 'contains a NUL character');
  assert.equal(psStringProblem('\ud83d\ude00'), undefined);
});

test('psString: random strings full of quotes and PowerShell syntax round-trip', async () => {
  const tricky = fc.constantFrom(
    ...SINGLE_QUOTES,
    '"',
    '\u201c',
    '$',
    '(',
    ')',
    '`',
    '#',
    '<',
    '>',
    ';',
    '|',
    '&',
    '@',
    '{',
    '}',
    '\n',
    '\r',
    ' ',
    'a',
    '\u00e9',
    '\ud83d\ude00',
  );
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string({ unit: tricky, maxLength: 24 }),
        fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => psStringProblem(s) === undefined),
      ),
      async (value) => {
        await assertOneLiteral(value);
      },
    ),
    { numRuns: 300 },
  );
});

test('psArray: @() keeps empty and one-element arrays arrays; elements stay literals', async () => {
  assert.equal(psArray([]), '@()');
  assert.equal(psArray(['a']), "@('a')");
  const script = `$x = ${psArray(HOSTILE.slice(2, 20))}\n`;
  assert.deepEqual((await parsePowerShell(script)).errors, []);
  assert.equal((await nodesOfType(script, 'string_literal')).length, 18);
  assert.deepEqual(await commandNames(script), []);
});

test('psHashtable: ordered, quoted keys and values, nested data; parses cleanly', async () => {
  const text = psHashtable({
    name: "web'1",
    "key'; Stop-Computer; '": '$(x)',
    count: 3,
    ratio: -0.5,
    on: true,
    off: false,
    none: null,
    list: ['a', 1, [true]],
    nested: { a: '\u2019' },
  });
  assert.equal(
    text,
    "[ordered]@{ 'name' = 'web''1'; 'key''; Stop-Computer; ''' = '$(x)'; 'count' = 3; 'ratio' = -0.5; " +
      "'on' = $true; 'off' = $false; 'none' = $null; 'list' = @('a', 1, @($true)); " +
      "'nested' = [ordered]@{ 'a' = '\u2019\u2019' } }",
  );
  const script = `$x = ${text}\n`;
  assert.deepEqual((await parsePowerShell(script)).errors, []);
  assert.deepEqual(await commandNames(script), []);
  assert.equal(psHashtable({}), '[ordered]@{}');
});

test('psHashtable: keys that differ only in case collide (PowerShell keys are case-insensitive)', () => {
  assert.throws(() => psHashtable({ Name: 'a', name: 'b' }), /case-insensitive/);
});

test('psValue: numbers as PowerShell literals; non-finite numbers refused', async () => {
  assert.equal(psValue(12), '12');
  assert.equal(psValue(-0), '0');
  assert.equal(psValue(1e21), '1e+21');
  assert.deepEqual((await parsePowerShell(`$x = ${psValue([1e21, -3, 0.25])}\n`)).errors, []);
  assert.throws(() => psValue(Number.NaN), InternalError);
  assert.throws(() => psValue(Number.POSITIVE_INFINITY), InternalError);
});

test(
  'psComment: a value with line breaks stays one comment, by PowerShell own parser',
  { skip: pwshMissing() },
  () => {
    const values = ['a\rWrite-Output x', 'a\nRemove-Item C:\\', 'a\r\nexit 9', "a\u2019\n'$(x)'\r\r\n;b"];
    const parsed = pwshParse(values.map((v) => `${psComment(v)}\nWrite-Output 'after'\n`));
    values.forEach((v, i) => {
      assert.deepEqual(
        parsed[i],
        { errors: 0, statements: 1, comments: [psComment(v)], words: ['Write-Output', 'after'] },
        JSON.stringify(v),
      );
    });
    assert.equal(psComment('+ nat lab: NAT 10.0.0.0/24\r\nx\ny'), '# + nat lab: NAT 10.0.0.0/24 x y');
  },
);
