// The batchnorm family (./batchnorm.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { batchnorm } from './batchnorm.js';

await runFamily(t, batchnorm);
