// Peak RSS and step time of training steps, one case per process (peak RSS is per process):
//   node dist/bench/train-memory.js <model> [--batch 8] [--size 224] [--backend wasm|cpu|cuda] [--threads 1]
//     [--steps 3] [--warmup 1] [--recompute k|stage]
// Prints one JSON line: median step ms (after the warm-up steps; the first plans memory), every timed
// step, peak RSS (MB), and the planner's arena when there is one; a failure is {"error": ...} (exit 3).
// The train suite of `npm run bench` runs it per case; the peer is `bench/torch_peer.py train` (same
// step: forward, cross-entropy, backward, SGD momentum update). Runs against any checkout's dist/ (the
// planner is loaded when present, so the same script measures the code before it).
import { createModel } from '../src/architectures/index.js';
import { initBackend } from '../src/ts/core/registry.js';
import { Tensor } from '../src/ts/core/tensor.js';
import { manualSeed } from '../src/ts/nn/init.js';
import { CrossEntropyLoss } from '../src/ts/train/losses.js';
import { SGD } from '../src/ts/train/optim.js';
import '../src/ts/backends/js/index.js';
import '../src/ts/backends/wasm/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

const name = process.argv[2];
if (!name || name.startsWith('--')) throw new Error('usage: train-memory <model> [--batch 8] [--size 224] [--backend wasm] [--threads 1] [--steps 3] [--warmup 1] [--recompute k]');
const batch = Number(arg('batch', '8')), size = Number(arg('size', '224')), steps = Number(arg('steps', '3'));
const threads = Number(arg('threads', '1')), warmup = Number(arg('warmup', '1'));
for (const [k, v] of [['batch', batch], ['size', size], ['steps', steps], ['threads', threads], ['warmup', warmup]] as const) {
  if (!Number.isInteger(v) || v < (k === 'warmup' ? 0 : 1)) throw new Error(`train-memory: --${k} must be an integer >= ${k === 'warmup' ? 0 : 1}, got ${arg(k, '')}`);
}
// A case that fails (a kernel the backend lacks, out of memory) is a JSON row for the bench, exit 3.
process.on('uncaughtException', (e) => {
  console.log(JSON.stringify({ model: name, batch, backend: arg('backend', 'wasm'), threads, error: e.message, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  process.exit(3);
});
const be = await initBackend(arg('backend', 'wasm'), { threads });
manualSeed(0);
const model = createModel(name, { numClasses: 10 });
const recompute = arg('recompute', '');
// Loaded by a computed specifier: checkouts before the planner have neither module.
const load = async (p: string): Promise<Record<string, unknown> | null> => { try { return await import(p) as Record<string, unknown>; } catch { return null; } };
const memory = await load('../src/ts/nn/memory.js');
const rec = await load('../src/ts/nn/recompute.js');
if (recompute) (rec!.setRecompute as (m: unknown, s: unknown) => number)(model, recompute === 'stage' ? true : Number(recompute));
type Planner = { run<T>(k: string, b: unknown, f: () => T): T; schedule(k: string): { peak: number } | null; dispose(): void };
const planner = memory ? new (memory.MemoryPlanner as new () => Planner)() : null;

const x = Tensor.randn([batch, size, size, model.inputChannels], 1, 1, 0, be);
const labels = Tensor.from(Array.from({ length: batch }, (_, i) => i % 10), [batch], be);
const loss = new CrossEntropyLoss();
const opt = new SGD(model.namedParameters(), { lr: 0.01, momentum: 0.9 });
const times: number[] = [], cpu: number[] = [];
for (let s = 0; s < warmup + steps; s++) {
  const t0 = performance.now(), c0 = process.cpuUsage();
  const body = (): number => {
    const logits = model.forward(x, { training: true, seed: s, noInputGrad: x });
    const l = loss.forward(logits.reshape([batch, logits.size / batch]), labels);
    model.backward(loss.backward().reshape(logits.shape));
    return l;
  };
  const l = planner ? planner.run('train', be, body) : body();
  opt.step();
  if (!Number.isFinite(l)) throw new Error(`loss ${l}`);
  if (s >= warmup) {
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
}
const sorted = [...times].sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
const arena = planner?.schedule(`${be.name}:train`)?.peak;
console.log(JSON.stringify({
  model: name, batch, size, backend: be.name, threads, recompute: recompute || null,
  medianMs: Math.round(sorted[sorted.length >> 1]), stepMs: times.map((t) => Math.round(t * 10) / 10), cpuMedianMs: Math.round(cpu[cpu.length >> 1]),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), arenaMB: arena ? Math.round(arena * 4 / 2 ** 20) : null,
}));
be.dispose();
