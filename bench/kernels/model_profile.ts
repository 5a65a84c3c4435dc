// Model-level check of the wasm kernels: forward time of a registered model (conv-BN-activation fused
// for inference, as an inference engine runs it) and a per-kernel breakdown by layer shape.
//
//   node --import=@tapjs/typescript/import bench/kernels/model_profile.ts [--backend wasm|cpu] [--threads 1] [--grain 16384] [--models mobilenet_v2,resnet50] [--profile] [--tfjs]
//
// --tfjs replays the same traced (fused) network on tfjs-backend-wasm (1 thread in Node) and times it
// interleaved with ours.
//
// Times are wall-clock and process CPU time (user + system); on a shared, overloaded machine the CPU time
// of a 1-thread run is the meaningful one. The cross-library model comparison is `convnets bench`.
import { createBackend, setBackend } from '../../src/ts/core/registry.js';
import { KERNEL_NAMES } from '../../src/ts/core/backend.js';
import type { Backend } from '../../src/ts/core/backend.js';
import { createModel } from '../../src/architectures/index.js';
import { fuseForInference } from '../../src/ts/nn/fuse.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { loadTfjs, replayTfjs, traceForward, useTfjsBackend } from '../peers.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const threads = Number(arg('threads', '1'));
const models = arg('models', 'mobilenet_v2,resnet50').split(',');
const reps = Number(arg('reps', '7'));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

const grain = process.argv.includes('--grain') ? Number(arg('grain', '16384')) : undefined;
const backendName = arg('backend', 'wasm');
const b = await createBackend(backendName, grain === undefined ? { threads } : { threads, grain });
setBackend(b);
for (const name of models) {
  const m = createModel(name);
  const fused = fuseForInference(m);
  const size = (m as unknown as { defaultInputSize?: number }).defaultInputSize ?? 224;
  const x = Tensor.randn([1, size, size, 3], 1, 1, 0, b);
  for (let i = 0; i < 2; i++) m.forward(x, { training: false });
  let peer: (() => void) | null = null;
  let peerDispose: (() => void) | null = null;
  if (process.argv.includes('--tfjs')) {
    const tf = await loadTfjs();
    await useTfjsBackend(tf, 'wasm');
    const net = replayTfjs(tf, traceForward(m, x));
    const tx = tf.tensor4d(x.toFloat32(), [1, size, size, 3]);
    peer = () => { const y = net.run(tx); y.dataSync(); y.dispose(); };
    peerDispose = () => { tx.dispose(); net.dispose(); };
    peer(); peer();
  }
  const wall: number[] = [], cpu: number[] = [], pwall: number[] = [], pcpu: number[] = [];
  const timed = (f: () => void, w: number[], c: number[]) => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    f();
    w.push(performance.now() - t0);
    const d = process.cpuUsage(c0);
    c.push((d.user + d.system) / 1000);
  };
  for (let i = 0; i < reps; i++) {
    timed(() => m.forward(x, { training: false }).toFloat32(), wall, cpu);
    if (peer) timed(peer, pwall, pcpu);
  }
  console.log(`${name} ${size}x${size} b1, ${backendName} ${threads} thread(s), ${fused} fused convs: wall median ${median(wall).toFixed(1)} ms ` +
    `(min ${Math.min(...wall).toFixed(1)}), CPU median ${median(cpu).toFixed(1)} ms`);
  if (peer) {
    console.log(`  tfjs-backend-wasm (1 thread) same network: wall median ${median(pwall).toFixed(1)} ms (min ${Math.min(...pwall).toFixed(1)}), ` +
      `CPU median ${median(pcpu).toFixed(1)} ms; speed-up ${(median(pwall) / median(wall)).toFixed(2)}x wall, ${(median(pcpu) / median(cpu)).toFixed(2)}x CPU`);
    peerDispose?.();
  }
  if (process.argv.includes('--profile')) {
    const agg = new Map<string, number>();
    const rec = b as unknown as Record<string, (...a: unknown[]) => unknown>;
    const orig = new Map<string, (...a: unknown[]) => unknown>();
    for (const k of KERNEL_NAMES as readonly string[]) {
      const f = rec[k];
      orig.set(k, f);
      rec[k] = (...a: unknown[]) => {
        const c0 = process.cpuUsage();
        const r = f.apply(b, a);
        const c = process.cpuUsage(c0);
        const p = a[0] as Record<string, unknown>;
        const key = p && typeof p === 'object' && 'kH' in p
          ? `${k} ${p.kH}x${p.kW} s${p.strideH} ${p.inH}x${p.inW}x${p.inC}->${p.outC}${p.activation ? ' +' + p.activation : ''}` : k;
        agg.set(key, (agg.get(key) ?? 0) + (c.user + c.system) / 1000);
        return r;
      };
    }
    for (let i = 0; i < 3; i++) m.forward(x, { training: false });
    for (const [k, f] of orig) rec[k] = f;
    const rows = [...agg.entries()].sort((p, q) => q[1] - p[1]);
    const total = rows.reduce((s, r) => s + r[1], 0) / 3;
    console.log(`  per-forward CPU ms by kernel and shape (sum ${total.toFixed(1)}):`);
    for (const [k, v] of rows.slice(0, 20)) console.log(`  ${(v / 3).toFixed(2).padStart(7)}  ${k}`);
  }
  m.dispose?.();
}
(b as Backend).dispose();
