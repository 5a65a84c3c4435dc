// The optim family (./optim.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { optim } from './optim.js';

await runFamily(t, optim);
