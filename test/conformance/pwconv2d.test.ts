// The pwconv2d family (./pwconv2d.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { pwconv2d } from './pwconv2d.js';

await runFamily(t, pwconv2d);
