// The elementwise family (./elementwise.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { elementwise } from './elementwise.js';

await runFamily(t, elementwise);
