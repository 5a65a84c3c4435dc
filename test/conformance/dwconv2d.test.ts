// The dwconv2d family (./dwconv2d.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { dwconv2d } from './dwconv2d.js';

await runFamily(t, dwconv2d);
