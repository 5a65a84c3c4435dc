// `npm run bench` (node dist/bench/run.js): kernels x backends x real layer shapes, model inference,
// training steps and the default training job, with the peers in the same run. Options (args win over env):
//   --suites kernels,models,train,defaultjob (BENCH_SUITES)  --threads 1,2 (BENCH_THREADS)
//   --backends js,wasm,cpu,cuda     (BENCH_BACKENDS; 'native' = cuda)
//   --peers tfjs-wasm,tfjs-cpu,ort-node,ort-web,torch (BENCH_PEERS, 'none')
//   --models mobilenet_v2,resnet50  (BENCH_MODELS)     --train-batches 8,32 (BENCH_TRAIN_BATCHES)
//   --job-steps 40                  (BENCH_JOB_STEPS)  --quick              (BENCH_QUICK=1)
//   --out bench/results             (BENCH_OUT)
// Writes <out>/bench-<time>.json, <out>/latest.md and <out>/latest-<suite>.svg; prints the Markdown.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { createBackend, backendAvailability, registeredBackends } from '../src/ts/core/registry.js';
import { quickTiming } from './timing.js';
import { KERNEL_CASES } from './shapes.js';
import { kernelSuite } from './suites/kernels.js';
import { modelSuite } from './suites/models.js';
import { trainSuite, trainSteps } from './suites/train.js';
import { defaultJobSuite } from './suites/defaultjob.js';
import { runTorchPeer } from './torch.js';
import { markdown, charts } from './report.js';
import { parseOptions } from './options.js';
import type { BenchOptions } from './options.js';
import type { BenchResult, Runtime } from './types.js';

/** Which SIMD build the wasm backend will run (its module is loaded by the registry's table too). */
async function wasmSimdBuild(): Promise<string> {
  try {
    const m = await import('../src/ts/backends/wasm/index.js');
    // The runner owns its process, as the CLI does: fused multiply-add where V8 has it behind a flag.
    return m.enableRelaxedSimd() ? 'relaxed SIMD (fused multiply-add)' : 'SIMD128 (CONVNETS_WASM_RELAXED=0 or no relaxed SIMD in this runtime)';
  } catch {
    return 'unavailable'; // the reason is reported with the backends below
  }
}

/** Our runtimes: wasm and cpu at each thread count, the others once. */
async function makeRuntimes(o: BenchOptions): Promise<{ runtimes: Runtime[]; unavailable: string[] }> {
  const runtimes: Runtime[] = [];
  const unavailable: string[] = [];
  for (const name of o.backends) {
    if (!registeredBackends().includes(name)) { unavailable.push(`${name}: not registered`); continue; }
    const why = await backendAvailability(name);
    if (why) { unavailable.push(`${name}: ${why}`); continue; }
    const threaded = name === 'wasm' || name === 'cpu';
    for (const t of threaded ? o.threads : [1]) {
      try {
        const backend = await createBackend(name, { threads: t });
        runtimes.push({ name: threaded ? `convnets-${name}-${t}t` : `convnets-${name}`, backendName: name, threads: t, backend });
      } catch (e) { unavailable.push(`${name} (${t} threads): ${(e as Error).message}`); }
    }
  }
  return { runtimes, unavailable };
}

async function main(o: BenchOptions): Promise<void> {
  const timing = quickTiming(o.quick);
  // On a shared machine the load says how far wall-clock times (and multi-thread ones most) can be trusted.
  const loadStart = os.loadavg().map((v) => v.toFixed(2)).join(' ');
  const log = (s: string): void => { process.stderr.write(s + '\n'); };
  const wasmSimd = await wasmSimdBuild();
  const { runtimes, unavailable } = await makeRuntimes(o);
  log(`runtimes: ${runtimes.map((r) => r.name).join(', ')}${unavailable.length ? `; unavailable: ${unavailable.join('; ')}` : ''}`);
  const results: BenchResult[] = [];
  const torchInfo = o.peers.includes('torch') ? await runTorchPeer('info', [], 1) : null;

  if (o.suites.includes('kernels')) {
    log('kernels');
    const cases = o.quick ? KERNEL_CASES.filter((c) => c.quick) : KERNEL_CASES;
    const tfPeers = o.peers.filter((p): p is 'tfjs-wasm' | 'tfjs-cpu' => p === 'tfjs-wasm' || p === 'tfjs-cpu');
    // js is the reference (first), but plain loops on the big cases dominate a quick run.
    results.push(...await kernelSuite(cases, runtimes, timing, tfPeers, log));
  }
  if (o.suites.includes('models')) {
    log('models');
    results.push(...await modelSuite(runtimes, { models: o.models, threads: o.threads, peers: o.peers, timing, quick: o.quick, log }));
  }
  if (o.suites.includes('train')) {
    log('train');
    // Quick mode trains MobileNetV2 at batch 8 only (a ResNet-50 batch-8 step is ~200 GFLOP), unless asked.
    const models = o.quick && !o.modelsGiven ? o.models.filter((m) => m !== 'resnet50') : o.models;
    results.push(...await trainSuite(runtimes, { models, batches: o.trainBatches, threads: o.threads, peers: o.peers, ...trainSteps(timing), log }));
  }
  if (o.suites.includes('defaultjob')) {
    log('defaultjob');
    results.push(...await defaultJobSuite(runtimes, { threads: o.threads, torch: o.peers.includes('torch'), steps: o.jobSteps, warmup: Math.min(5, o.jobSteps - 2), log }));
  }

  const meta = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${os.platform()} ${os.arch()}, node ${process.version}`,
    mode: o.quick ? 'quick (3+ samples, 0.5 s per case; 3 training steps)' : 'full (5+ samples, 2 s per case; 5 training steps)',
    command: `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    runtimes: runtimes.map((r) => r.name).join(', ') + (unavailable.length ? ` (unavailable: ${unavailable.join('; ')})` : ''),
    'wasm build': wasmSimd,
    'load average (1, 5, 15 min)': `${loadStart} at the start, ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} at the end, ${os.availableParallelism()} cores`,
    ...(torchInfo ? { 'PyTorch CPU': torchInfo.error ?? [torchInfo.note, torchInfo.warning ? `WARNING: ${torchInfo.warning}` : ''].filter(Boolean).join('; ') } : {}),
  };
  mkdirSync(o.out, { recursive: true });
  const stamp = meta.date.replace(/[:.]/g, '-');
  writeFileSync(join(o.out, `bench-${stamp}.json`), JSON.stringify({ meta, results }, null, 1));
  const md = markdown(results, meta);
  writeFileSync(join(o.out, 'latest.md'), md);
  for (const [suite, svg] of Object.entries(charts(results))) writeFileSync(join(o.out, `latest-${suite}.svg`), svg);
  process.stdout.write(md);
  for (const r of runtimes) r.backend.dispose();
}

const argv = process.argv.slice(2);
const parsed = parseOptions(argv, process.env);
if (parsed.help) process.stdout.write(parsed.help);
else if (parsed.error) {
  process.stderr.write(`bench: ${parsed.error}\n\n${parsed.usage}`);
  process.exitCode = 1;
} else {
  main(parsed.options!).catch((e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 3;
  });
}
