// The dense family (./dense.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { dense } from './dense.js';

await runFamily(t, dense);
