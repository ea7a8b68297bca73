/** The loader's error lines for a config text (file "sy.yaml"), for tests that assert on the wording. */
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

export function configProblems(text: string, platform: NodeJS.Platform = process.platform): string[] {
  try {
    parseConfig(text, 'sy.yaml', platform);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  assert.fail('expected a ConfigError');
}
