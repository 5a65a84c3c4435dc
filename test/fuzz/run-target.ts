// Long-mode fuzzing of one target: node --import @tapjs/typescript/import test/fuzz/run-target.ts
// <target> --minutes N [--seed S] [--start I --cases C]. Prints progress lines and a final JSON
// report; exits 1 on any crash, invalid result, hang, memory overrun or unbounded message.
// Usually started through `npm run fuzz -- --minutes N` (scripts/fuzz.mjs).
import { fuzz } from './harness.js';
import { TARGETS } from './targets/index.js';

const args = process.argv.slice(2);
const name = args[0];
const opt = (k: string, d: number): number => { const i = args.indexOf(`--${k}`); return i >= 0 ? Number(args[i + 1]) : d; };
if (name === undefined) {
  // Run without arguments (as `tap test/fuzz` does): nothing to fuzz, not a failure.
  console.log(`# usage: run-target.ts <${Object.keys(TARGETS).join('|')}> --minutes N [--seed S] [--start I --cases C]`);
  process.exit(0);
}
const target = TARGETS[name];
if (!target) {
  console.error(`unknown fuzz target '${name}' (${Object.keys(TARGETS).join(', ')})`);
  process.exit(2);
}
const minutes = opt('minutes', 1);
const r = await fuzz(target, {
  seconds: minutes * 60, seed: opt('seed', Date.now() % 1e9), start: opt('start', 0), cases: opt('cases', Infinity),
  maxCaseMs: opt('max-case-ms', 5000), maxRssGrowthMB: opt('max-rss-growth-mb', 1024), progressSeconds: 60,
  keepGoing: args.includes('--keep-going'),
  onProgress: (p) => console.error(`[${p.target}] ${p.seconds} s: ${p.cases} cases, ${p.rejected} rejected, ${p.distinctKinds} kinds, ${p.failures.length} failures, peak RSS ${p.peakRssMB} MB`),
});
console.log(JSON.stringify(r));
process.exitCode = r.failures.length ? 1 : 0;
