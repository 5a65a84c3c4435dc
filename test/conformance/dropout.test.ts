// The dropout family (./dropout.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { dropout } from './dropout.js';

await runFamily(t, dropout);
