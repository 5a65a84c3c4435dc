// The globalpool family (./globalpool.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { globalpool } from './globalpool.js';

await runFamily(t, globalpool);
