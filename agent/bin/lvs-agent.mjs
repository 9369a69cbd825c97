#!/usr/bin/env node
// lvs-agent: the TypeScript CLI (../cli.ts) run through tsx, no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
await main(process.argv);
