// Options of `npm run bench` (bench/run.ts): arguments win over environment variables; every value is
// checked before anything runs, so a typo is a usage error naming the flag, not a half-run benchmark.
import { registeredBackends, resolveBackendName } from '../src/ts/core/registry.js';
import { ALL_PEERS } from './models.js';
import type { PeerName } from './models.js';
import { MODEL_CASES } from './shapes.js';
import { SUITES } from './types.js';
import type { BenchSuite } from './types.js';

export interface BenchOptions {
  suites: BenchSuite[];
  /** Thread counts of wasm, cpu and the threaded peers (onnxruntime, torch). */
  threads: number[];
  /** Resolved names ('native' -> 'cuda'), without repeats. */
  backends: string[];
  peers: PeerName[];
  models: string[];
  /** --models / BENCH_MODELS given (quick mode then trains them all). */
  modelsGiven: boolean;
  trainBatches: number[];
  /** Steps of each default-job run (the first few untimed). */
  jobSteps: number;
  quick: boolean;
  out: string;
}

export const USAGE = `Usage: node dist/bench/run.js [options]   (npm run bench -- [options])

Times kernels on real layer shapes, model inference, training steps and the default training job on
every available backend, with the peers (tfjs, onnxruntime, PyTorch CPU) measured in the same run.
Writes <out>/bench-<time>.json, <out>/latest.md and <out>/latest-<suite>.svg, and prints the Markdown.
Options win over the env.

  --suites <list>         ${SUITES.join(',')} (BENCH_SUITES; default all)
  --backends <list>       js,wasm,cpu,cuda ('native' = cuda) (BENCH_BACKENDS; default all available)
  --threads <list>        thread counts of wasm, cpu, onnxruntime and torch, e.g. 1,2 (BENCH_THREADS)
  --peers <list>          ${ALL_PEERS.join(',')} or none (BENCH_PEERS)
  --models <list>         model names (BENCH_MODELS; default ${MODEL_CASES.join(',')})
  --train-batches <list>  training-step batches (BENCH_TRAIN_BATCHES; default 8,32, quick 8)
  --job-steps <n>         steps of each default-job run, 5 of them warm-up (BENCH_JOB_STEPS; default 40, quick 20)
  --out <dir>             output folder (BENCH_OUT; default bench/results)
  --quick                 fewer samples (BENCH_QUICK=1)
  -h, --help              this text

PyTorch: BENCH_TORCH_PYTHON (default /usr/bin/python3), BENCH_TORCH_SCRIPT (default bench/torch_peer.py).
Exit codes: 0 done, 1 usage error, 3 a run that failed.
`;

const VALUED: Record<string, string> = {
  '--suites': 'BENCH_SUITES', '--backends': 'BENCH_BACKENDS', '--threads': 'BENCH_THREADS', '--peers': 'BENCH_PEERS',
  '--models': 'BENCH_MODELS', '--train-batches': 'BENCH_TRAIN_BATCHES', '--job-steps': 'BENCH_JOB_STEPS', '--out': 'BENCH_OUT',
};

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

function ints(flag: string, s: string, min: number, max: number): number[] {
  const v = list(s);
  if (!v.length) throw new Error(`${flag}: give at least one number`);
  return v.map((x) => {
    const n = Number(x);
    if (!/^\d+$/.test(x) || n < min || n > max) throw new Error(`${flag}: '${x}' is not an integer in [${min}, ${max}]`);
    return n;
  });
}

function known<T extends string>(flag: string, values: string[], allowed: readonly string[]): T[] {
  for (const v of values) if (!allowed.includes(v)) throw new Error(`${flag}: unknown '${v}' (known: ${allowed.join(', ')})`);
  return [...new Set(values)] as T[];
}

export interface Parsed { options?: BenchOptions; help?: string; error?: string; usage: string; }

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Parsed {
  if (argv.includes('--help') || argv.includes('-h')) return { help: USAGE, usage: USAGE };
  const given = new Map<string, string>();
  let quick = env.BENCH_QUICK === '1';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') { quick = true; continue; }
    if (!(a in VALUED)) return { error: `unknown argument '${a}'`, usage: USAGE };
    if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) return { error: `${a} needs a value`, usage: USAGE };
    given.set(a, argv[++i]);
  }
  const get = (flag: string, dflt: string): string => given.get(flag) ?? env[VALUED[flag]] ?? dflt;
  try {
    const backendNames = list(get('--backends', 'js,wasm,cpu,cuda')).map(resolveBackendName);
    const peersArg = get('--peers', ALL_PEERS.join(','));
    const options: BenchOptions = {
      suites: known<BenchSuite>('--suites', list(get('--suites', SUITES.join(','))), SUITES),
      threads: [...new Set(ints('--threads', get('--threads', '1,2'), 1, 256))],
      backends: known<string>('--backends', backendNames, registeredBackends()),
      peers: peersArg === 'none' ? [] : known<PeerName>('--peers', list(peersArg), ALL_PEERS),
      models: list(get('--models', MODEL_CASES.join(','))),
      modelsGiven: given.has('--models') || env.BENCH_MODELS !== undefined,
      trainBatches: [...new Set(ints('--train-batches', get('--train-batches', quick ? '8' : '8,32'), 1, 4096))],
      jobSteps: ints('--job-steps', get('--job-steps', quick ? '20' : '40'), 8, 100_000)[0],
      quick,
      out: get('--out', 'bench/results'),
    };
    if (!options.models.length) throw new Error('--models: give at least one model');
    return { options, usage: USAGE };
  } catch (e) {
    return { error: (e as Error).message, usage: USAGE };
  }
}
