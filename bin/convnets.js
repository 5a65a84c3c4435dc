#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/src/ts/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('convnets: dist/ is missing; run `npm ci` (or `npm run build`) in the package first');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
