// The conv2d family (./conv2d.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { conv2d } from './conv2d.js';

await runFamily(t, conv2d);
