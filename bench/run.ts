// `npm run bench` (node dist/bench/run.js): kernels x backends x real layer shapes, model inference
// and training steps, with the peers in the same run. Options (args win over env):
//   --suites kernels,models,train   (BENCH_SUITES)     --threads 1,2        (BENCH_THREADS)
//   --backends js,wasm,native       (BENCH_BACKENDS)   --peers tfjs-wasm,tfjs-cpu,ort-node,ort-web (BENCH_PEERS, 'none')
//   --models mobilenet_v2,resnet50  (BENCH_MODELS)     --quick              (BENCH_QUICK=1)
//   --out bench/results             (BENCH_OUT)
// Writes <out>/bench-<time>.json, <out>/latest.md and <out>/latest-<suite>.svg; prints the Markdown.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { createBackend, backendAvailability, registeredBackends } from '../src/ts/core/registry.js';
import { quickTiming } from './timing.js';
import { ALL_PEERS, buildOn, timeOurForward, timeOurTrainStep, timePeers, traceMacs } from './models.js';
import type { PeerName } from './models.js';
import { tfjsTrainAttempt } from './peers.js';
import { KERNEL_CASES, MODEL_CASES } from './shapes.js';
import { kernelSuite } from './suites/kernels.js';
import { markdown, charts } from './report.js';
import type { BenchResult, Runtime } from './types.js';

function arg(name: string, env: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] && !process.argv[i + 1].startsWith('--')) return process.argv[i + 1];
  return process.env[env] ?? dflt;
}
const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

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

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const suites = list(arg('suites', 'BENCH_SUITES', 'kernels,models,train'));
  const threads = list(arg('threads', 'BENCH_THREADS', '1,2')).map(Number);
  const wantBackends = list(arg('backends', 'BENCH_BACKENDS', 'js,wasm,native'));
  const peersArg = arg('peers', 'BENCH_PEERS', ALL_PEERS.join(','));
  const peers = (peersArg === 'none' ? [] : list(peersArg)) as PeerName[];
  const models = list(arg('models', 'BENCH_MODELS', MODEL_CASES.join(',')));
  const outDir = arg('out', 'BENCH_OUT', join('bench', 'results'));
  const timing = quickTiming(quick);
  const log = (s: string): void => { process.stderr.write(s + '\n'); };

  const wasmSimd = await wasmSimdBuild();
  const runtimes: Runtime[] = [];
  const unavailable: string[] = [];
  for (const name of wantBackends) {
    if (!registeredBackends().includes(name)) { unavailable.push(`${name}: not registered`); continue; }
    const why = await backendAvailability(name);
    if (why) { unavailable.push(`${name}: ${why}`); continue; }
    const counts = name === 'wasm' ? threads : [1];
    for (const t of counts) {
      try {
        const backend = await createBackend(name, { threads: t });
        runtimes.push({ name: name === 'wasm' ? `convnets-wasm-${t}t` : `convnets-${name}`, backendName: name, threads: t, backend });
      } catch (e) { unavailable.push(`${name} (${t} threads): ${(e as Error).message}`); }
    }
  }
  log(`runtimes: ${runtimes.map((r) => r.name).join(', ')}${unavailable.length ? `; unavailable: ${unavailable.join('; ')}` : ''}`);
  const results: BenchResult[] = [];

  if (suites.includes('kernels')) {
    log('kernels');
    const cases = quick ? KERNEL_CASES.filter((c) => c.quick) : KERNEL_CASES;
    const tfPeers = peers.filter((p): p is 'tfjs-wasm' | 'tfjs-cpu' => p === 'tfjs-wasm' || p === 'tfjs-cpu');
    // js is the reference (first), but plain loops on the big cases dominate a quick run.
    results.push(...await kernelSuite(cases, runtimes, timing, tfPeers, log));
  }

  for (const suite of ['models', 'train'] as const) {
    if (!suites.includes(suite)) continue;
    log(suite);
    // Quick mode trains MobileNetV2 only: a ResNet-50 batch-8 step is ~200 GFLOP.
    for (const model of suite === 'train' && quick && !process.argv.includes('--models') && !process.env.BENCH_MODELS ? models.filter((m) => m !== 'resnet50') : models) {
      const batch = suite === 'models' ? 1 : 8;
      const label = `${model} 224 b${batch}`;
      // Plain-loop js takes seconds per ResNet-50 forward: only MobileNetV2 inference, and only in full mode.
      const rts = runtimes.filter((r) => r.backendName !== 'js' || (!quick && suite === 'models' && model === 'mobilenet_v2'));
      let peerDone = new Set<number>();
      for (const rt of rts) {
        const base: BenchResult = { suite, case: label, runtime: rt.name, threads: rt.threads, macs: 0 };
        let built = null;
        try {
          built = await buildOn(rt.backend, model, batch);
          if (suite === 'models') {
            const r = await timeOurForward(rt.backend, built, timing);
            const macs = traceMacs(r.trace);
            results.push({ ...base, macs, timing: r.timing, gflops: (2 * macs) / (r.timing.median * 1e6) });
            log(`  ${label} [${rt.name}] ${r.timing.median.toFixed(2)} ms`);
            // Peers once per thread count (tfjs has one thread in Node: run it with the 1-thread pass).
            if (!peerDone.has(rt.threads) && peers.length) {
              peerDone.add(rt.threads);
              const ps = peers.filter((p) => p.startsWith('ort') || rt.threads === Math.min(...threads));
              for (const p of await timePeers(ps, built, r.trace, r.output, rt.threads, timing, macs, log)) {
                results.push({ suite, case: label, runtime: p.runtime, threads: p.threads, macs, timing: p.timing, gflops: p.gflops, maxRelDiff: p.maxRelDiff, error: p.error, note: p.note });
              }
            }
          } else {
            const t = await timeOurTrainStep(rt.backend, built, timing);
            results.push({ ...base, timing: t });
            log(`  ${label} train [${rt.name}] ${t.median.toFixed(1)} ms`);
            if (!peerDone.has(-1)) {
              peerDone.add(-1);
              for (const p of peers) {
                if (p === 'tfjs-wasm') results.push({ suite, case: label, runtime: p, threads: 1, macs: 0, ...(await tfjsTrainAttempt(built, 'wasm', timing)) });
                else if (p === 'tfjs-cpu') results.push({ suite, case: label, runtime: p, threads: 1, macs: 0, error: 'skipped: tfjs-cpu filter gradients take ~26 s per ResNet 3x3 layer (DESIGN.md section 6)' });
                else results.push({ suite, case: label, runtime: p, threads: rt.threads, macs: 0, error: `${p === 'ort-node' ? 'onnxruntime-node' : 'onnxruntime-web'} is inference-only (no training API in the npm package)` });
              }
            }
          }
        } catch (e) {
          results.push({ ...base, error: (e as Error).message });
          log(`  ${label} [${rt.name}] error: ${(e as Error).message}`);
        } finally {
          built?.dispose();
        }
      }
      peerDone = new Set();
    }
  }

  const meta = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${os.platform()} ${os.arch()}, node ${process.version}`,
    mode: quick ? 'quick (3+ samples, 0.5 s per case)' : 'full (5+ samples, 2 s per case)',
    command: `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    runtimes: runtimes.map((r) => r.name).join(', ') + (unavailable.length ? ` (unavailable: ${unavailable.join('; ')})` : ''),
    'wasm build': wasmSimd,
  };
  mkdirSync(outDir, { recursive: true });
  const stamp = meta.date.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify({ meta, results }, null, 1));
  const md = markdown(results, meta);
  writeFileSync(join(outDir, 'latest.md'), md);
  for (const [suite, svg] of Object.entries(charts(results))) writeFileSync(join(outDir, `latest-${suite}.svg`), svg);
  process.stdout.write(md);
  for (const r of runtimes) r.backend.dispose();
}

const HELP = `Usage: node dist/bench/run.js [options]   (npm run bench -- [options])

Times kernels on real layer shapes, model inference and training steps on every available backend,
with the peers (tfjs, onnxruntime) measured in the same run. Writes <out>/bench-<time>.json,
<out>/latest.md and <out>/latest-<suite>.svg, and prints the Markdown. Options win over the env.

  --suites <list>    kernels,models,train (BENCH_SUITES; default all three)
  --backends <list>  js,wasm,native (BENCH_BACKENDS)
  --threads <list>   wasm thread counts, e.g. 1,2 (BENCH_THREADS)
  --peers <list>     ${ALL_PEERS.join(',')} or none (BENCH_PEERS)
  --models <list>    model names (BENCH_MODELS)
  --out <dir>        output folder (BENCH_OUT; default bench/results)
  --quick            fewer samples (BENCH_QUICK=1)
  -h, --help         this text

Exit codes: 0 done, 1 usage error, 3 a run that failed.
`;
const VALUED = new Set(['--suites', '--backends', '--threads', '--peers', '--models', '--out']);

/** Flags checked before anything runs: --help prints the text above, an unknown or valueless flag is a usage error. */
function usageProblem(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') continue;
    if (!VALUED.has(a)) return `unknown argument '${a}'`;
    if (!argv[i + 1] || argv[i + 1].startsWith('--')) return `${a} needs a value`;
    i++;
  }
  return null;
}

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) process.stdout.write(HELP);
else {
  const problem = usageProblem(argv);
  if (problem) {
    process.stderr.write(`bench: ${problem}\n\n${HELP}`);
    process.exitCode = 1;
  } else {
    main().catch((e) => {
      process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 3;
    });
  }
}
