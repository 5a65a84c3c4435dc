// The softmax_xent family (./softmax_xent.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { softmax_xent } from './softmax_xent.js';

await runFamily(t, softmax_xent);
