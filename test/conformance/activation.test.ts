// The activation family (./activation.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { activation } from './activation.js';

await runFamily(t, activation);
