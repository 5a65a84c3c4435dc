// The concat family (./concat.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { concat } from './concat.js';

await runFamily(t, concat);
