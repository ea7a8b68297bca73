/** The editor schema: shipped, current, and accepted by a real JSON Schema validator (ajv). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { configJsonSchema, configJsonSchemaText, SCHEMA_FILE } from './json-schema.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = join(ROOT, 'switchyard.example.yaml');

function validator(): (data: unknown) => boolean {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  return ajv.compile(configJsonSchema());
}

describe('config JSON Schema', () => {
  test('the shipped file is what `switchyard schema` prints, and the package ships it', () => {
    assert.equal(readFileSync(join(ROOT, SCHEMA_FILE), 'utf8'), configJsonSchemaText());
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(pkg.files.includes(SCHEMA_FILE));
  });

  test('the example config starts with the yaml-language-server line naming the shipped schema', () => {
    const first = readFileSync(EXAMPLE, 'utf8').split('\n')[0]!;
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    assert.ok(m, first);
    assert.ok(existsSync(join(dirname(EXAMPLE), m[1]!)), `${m[1]!} exists beside the example`);
  });

  test('the example config validates', () => {
    const validate = validator();
    const data: unknown = parse(readFileSync(EXAMPLE, 'utf8'));
    assert.equal(validate(data), true, JSON.stringify((validate as { errors?: unknown }).errors));
  });

  test('a misspelt key fails, at any depth', () => {
    const validate = validator();
    for (const data of [
      { switchs: [{ name: 'a' }] },
      { switches: [{ name: 'a', dhcp: { leasetime: '1h' } }] },
      { switches: [{ name: 'a', dhcp: { rateLimit: { packet: 5 } } }] },
    ]) {
      assert.equal(validate(data), false, JSON.stringify(data));
      const errors = (validate as { errors?: { keyword: string }[] }).errors ?? [];
      assert.ok(errors.some((e) => e.keyword === 'additionalProperties' || e.keyword === 'required'));
    }
  });

  test('a wrong type fails; a minimal config passes', () => {
    const validate = validator();
    assert.equal(validate({ switches: [{ name: 'a', nat: 'yes' }] }), false);
    assert.equal(validate({ switches: [] }), false);
    assert.equal(validate({ switches: [{ name: 'a' }] }), true);
    assert.equal(validate({ switches: [{ name: 'a', dhcp: { leaseTime: 3600 } }] }), true);
  });
});
