// The pool family (./pool.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { pool } from './pool.js';

await runFamily(t, pool);
