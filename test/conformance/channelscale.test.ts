// The channelscale family (./channelscale.ts) on every backend: see runFamily in ./lib/run.ts.
import t from 'tap';
import { runFamily } from './lib/run.js';
import { channelscale } from './channelscale.js';

await runFamily(t, channelscale);
