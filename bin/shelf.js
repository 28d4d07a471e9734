#!/usr/bin/env node
// The `shelf` command (package.json "bin"): runs the TypeScript CLI in trainer/cli through tsx, a dependency.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../trainer/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
