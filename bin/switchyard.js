#!/usr/bin/env node
// The bundled CLI when the build made one (scripts/bundle.mjs: one file to load, a faster start), else the
// module tree tsc wrote.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/src/cli/main.bundle.mjs', import.meta.url);
await import(existsSync(bundle) ? bundle.href : '../dist/src/cli/main.js');
