#!/usr/bin/env node
// Long-mode fuzzing: `npm run fuzz -- --minutes N [--targets safetensors,idx] [--jobs 1] [--seed S] [--keep-going]`.
// Runs each reader's fuzz target (test/fuzz/targets/) in its own Node process for N minutes, at most
// `jobs` at a time, and prints one line per target: cases, accepted/rejected, distinct rejection
// messages and kinds, crashes, hangs, slowest case, peak RSS; then the failures, if any (exit 1).
// Replay one case: node --import @tapjs/typescript/import test/fuzz/run-target.ts <target> --seed S --start I --cases 1
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ALL = ['safetensors', 'checkpoint', 'idx', 'cifar10', 'custom', 'image'];
const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(`--${k}`); return i >= 0 ? args[i + 1] : d; };
const minutes = Number(opt('minutes', '1'));
const jobs = Math.max(1, Number(opt('jobs', '1')));
const seed = opt('seed', String(Date.now() % 1e9));
const targets = opt('targets', ALL.join(',')).split(',').filter(Boolean);
// --keep-going: count every failure of the run instead of stopping at the first memory overrun.
const extra = args.includes('--keep-going') ? ['--keep-going'] : [];
if (!(minutes > 0)) { console.error('fuzz: --minutes must be a positive number'); process.exit(2); }
for (const t of targets) if (!ALL.includes(t)) { console.error(`fuzz: unknown target '${t}' (${ALL.join(', ')})`); process.exit(2); }

const root = fileURLToPath(new URL('..', import.meta.url));
function run(target) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', 'test/fuzz/run-target.ts', target, '--minutes', String(minutes), '--seed', seed, ...extra], {
      cwd: root, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: 'tsconfig.test.json' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(line)); } catch { resolve({ target, crashed: true, code, signal, output: out.slice(-2000) }); }
    });
  });
}

const queue = [...targets];
const reports = [];
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  while (queue.length) {
    const r = await run(queue.shift());
    reports.push(r);
    if (r.crashed) console.log(`${r.target}: the fuzz process itself died (exit ${r.code}, signal ${r.signal})\n${r.output}`);
    else console.log(`${r.target}: ${r.cases} cases in ${r.seconds} s (${r.accepted} accepted, ${r.rejected} rejected), ` +
      `${r.distinctMessages} distinct rejection messages (${r.distinctKinds} kinds), ${r.crashes} crashes, ${r.hangs} hangs, ` +
      `${r.failures.length} failures, slowest case ${r.slowestMs} ms, longest message ${r.longestMessage} chars, peak RSS ${r.peakRssMB} MB (baseline ${r.baseRssMB} MB), seed ${r.seed}`);
    // Failures at once, with what replays them.
    for (const f of r.failures ?? []) console.log(`  ${r.target} case ${f.index} (${f.kind}, ${f.label}): ${f.detail.split('\n')[0]} [replay: --seed ${r.seed} --start ${f.index} --cases 1]`);
  }
}));
process.exitCode = reports.some((r) => r.crashed || r.failures.length) ? 1 : 0;
