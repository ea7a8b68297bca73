/**
 * The config's JSON Schema for editors (VS Code's YAML extension reads the `# yaml-language-server:
 * $schema=…` line), generated from the zod schema the loader uses, so the two cannot disagree. It
 * describes the file as written (`io: 'input'`): keys with a default are optional, durations may be
 * a number or a string. Checks zod does in code (address syntax, cross-field rules) stay with the loader.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** The file shipped in the package root, which the example config points at. */
export const SCHEMA_FILE = 'switchyard.schema.json';

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'switchyard.yaml',
    description:
      'switchyard config: switches, DHCP, DNS, WSL range, forwarding (see switchyard.example.yaml)',
  };
}

export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}
