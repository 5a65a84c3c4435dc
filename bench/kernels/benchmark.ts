// Kernel benchmark: the wasm backend's conv / depthwise / pointwise / dense kernels on real layer shapes
// (ResNet-50 3x3 stages, MobileNetV2 depthwise + pointwise, EfficientNet 5x5 depthwise, Inception 1x7)
// against @tensorflow/tfjs-backend-wasm (XNNPACK) at one thread, plus this machine's WASM SIMD peak
// measured with our own register-only multiply-add loop. Runs are interleaved (ours, theirs, ours, ...)
// and medians reported, so load from other processes hits both sides alike. With --cpu, times are the
// process's CPU time (user + system) per run instead of wall time: on a shared, overloaded machine this
// excludes the time the process was not scheduled (meaningful for 1 thread only).
//
//   node --import=@tapjs/typescript/import bench/kernels/benchmark.ts [--threads 1,2] [--reps 9] [--filter r50] [--backward] [--batch 8]
//   node dist/bench/kernels/benchmark.js ...   (after npm run build)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmBackend } from '../../src/ts/backends/wasm/index.js';
import { conv2dParams } from '../../src/ts/core/shape.js';
import { CONV_KERNELS, convFamily } from '../../src/ts/core/dispatch.js';
import type { Conv2dOptions } from '../../src/ts/core/shape.js';
import type { Buf, Conv2dParams } from '../../src/ts/core/backend.js';

interface Layer { name: string; x: number[]; w: number[]; opts: Conv2dOptions; dense?: boolean }
const LAYERS: Layer[] = [
  { name: 'resnet50 3x3 56x56 64', x: [1, 56, 56, 64], w: [64, 3, 3, 64], opts: { padding: 1 } },
  { name: 'resnet50 3x3 28x28 128', x: [1, 28, 28, 128], w: [128, 3, 3, 128], opts: { padding: 1 } },
  { name: 'resnet50 3x3 14x14 256', x: [1, 14, 14, 256], w: [256, 3, 3, 256], opts: { padding: 1 } },
  { name: 'resnet50 3x3 7x7 512', x: [1, 7, 7, 512], w: [512, 3, 3, 512], opts: { padding: 1 } },
  { name: 'resnet50 stem 7x7 s2', x: [1, 224, 224, 3], w: [64, 7, 7, 3], opts: { stride: 2, padding: 3 } },
  { name: 'resnet50 1x1 56x56 64->256', x: [1, 56, 56, 64], w: [256, 1, 1, 64], opts: {} },
  { name: 'mobilenetv2 dw3x3 s1 112x112 32', x: [1, 112, 112, 32], w: [32, 3, 3, 1], opts: { padding: 1, groups: 32 } },
  { name: 'mobilenetv2 dw3x3 s2 112x112 96', x: [1, 112, 112, 96], w: [96, 3, 3, 1], opts: { stride: 2, padding: 1, groups: 96 } },
  { name: 'mobilenetv2 dw3x3 s1 14x14 384', x: [1, 14, 14, 384], w: [384, 3, 3, 1], opts: { padding: 1, groups: 384 } },
  { name: 'mobilenetv2 1x1 56x56 24->144', x: [1, 56, 56, 24], w: [144, 1, 1, 24], opts: {} },
  { name: 'mobilenetv2 1x1 14x14 384->64', x: [1, 14, 14, 384], w: [64, 1, 1, 384], opts: {} },
  { name: 'efficientnet dw5x5 s2 56x56 144', x: [1, 56, 56, 144], w: [144, 5, 5, 1], opts: { stride: 2, padding: 2, groups: 144 } },
  { name: 'efficientnet dw5x5 s1 14x14 672', x: [1, 14, 14, 672], w: [672, 5, 5, 1], opts: { padding: 2, groups: 672 } },
  { name: 'inception 1x7 17x17 128->128', x: [1, 17, 17, 128], w: [128, 1, 7, 128], opts: { padding: [0, 3] } },
  { name: 'inception 7x1 17x17 128->192', x: [1, 17, 17, 128], w: [192, 7, 1, 128], opts: { padding: [3, 0] } },
  { name: 'dense 1x2048->1000', x: [1, 1, 1, 2048], w: [1000, 1, 1, 2048], opts: {}, dense: true },
  { name: 'dense 32x1280->1000', x: [32, 1, 1, 1280], w: [1000, 1, 1, 1280], opts: {}, dense: true },
];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const THREADS = arg('threads', '1').split(',').map(Number);
const REPS = Number(arg('reps', '9'));
const FILTER = arg('filter', '');
/** Batch of the conv layers (training steps run at 8 and more; the dense cases keep theirs). */
const BATCH = Number(arg('batch', '1'));
const BACKWARD = process.argv.includes('--backward');
const NO_TFJS = process.argv.includes('--no-tfjs');
const CPU = process.argv.includes('--cpu');
/** Time of one call in ms: wall clock, or process CPU time with --cpu. */
function timeIt(f: () => void): number {
  if (CPU) { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; }
  const t0 = performance.now(); f(); return performance.now() - t0;
}

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Our own SIMD peak: 12 independent f32x4 multiply-add chains (assembly/peak.ts), GFLOP/s. */
function simdPeak(): number {
  let dir = dirname(fileURLToPath(import.meta.url));
  let path = '';
  for (let i = 0; i < 6 && !path; i++) {
    try { readFileSync(join(dir, 'build', 'convnets.wasm')); path = join(dir, 'build', 'convnets.wasm'); } catch { dir = dirname(dir); }
  }
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), { env: { memory } });
  const peak = inst.exports.simdPeak as (n: number) => number;
  peak(1e6);
  const rates: number[] = [];
  for (let r = 0; r < 7; r++) {
    const n = 5e6;
    rates.push((n * 96) / (timeIt(() => peak(n)) * 1e6));
  }
  return median(rates);
}

async function loadTfjs(): Promise<typeof import('@tensorflow/tfjs-core') | null> {
  if (NO_TFJS) return null;
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  } catch (e) {
    console.log(`(tfjs-backend-wasm unavailable: ${(e as Error).message})`);
    return null;
  }
}

const tf = await loadTfjs();
console.log(`WASM SIMD peak (mul+add, 1 core, ${CPU ? 'per CPU-second' : 'wall clock, now'}): ${simdPeak().toFixed(1)} GFLOP/s`);

for (const threads of THREADS) {
  const b = await WasmBackend.create({ threads });
  console.log(`\nwasm backend: ${threads} thread(s), relaxed SIMD ${b.relaxedSimd}; tfjs-backend-wasm: 1 thread (Node); times: ${CPU ? 'CPU' : 'wall'} ms, median of ${REPS}`);
  console.log('layer'.padEnd(36) + 'ours ms  GFLOP/s | tfjs ms  GFLOP/s | speed-up' + (BACKWARD ? ' | bwdData ms GF/s | bwdFilter ms GF/s' : ''));
  for (const L of LAYERS) {
    if (FILTER && !L.name.includes(FILTER)) continue;
    const xs = L.dense ? L.x : [L.x[0] * BATCH, ...L.x.slice(1)];
    const p: Conv2dParams = conv2dParams(xs, L.w, L.opts);
    const kind = convFamily(p), K = CONV_KERNELS[kind];
    const flops = 2 * p.n * p.outH * p.outW * p.outC * p.kH * p.kW * (p.inC / p.groups);
    const nx = prod(xs), nw = prod(L.w), ny = p.n * p.outH * p.outW * p.outC;
    const xd = Float32Array.from({ length: nx }, (_, i) => Math.sin(i) * 0.5);
    const wd = Float32Array.from({ length: nw }, (_, i) => Math.cos(i) * 0.1);
    const x = b.alloc(nx), w = b.alloc(nw), y = b.alloc(ny), dx = b.alloc(nx), dw = b.alloc(nw), bias = b.alloc(p.outC);
    b.write(x, xd); b.write(w, wd); b.fill(bias, 0.1);
    const fwd = L.dense ? () => b.dense({ n: p.n, inF: p.inC, outF: p.outC }, x, w, bias, y)
      : () => b[K.forward](p, x, w, bias, y);
    // tfjs: NHWC input; filter HWIO (conv), [kh, kw, in, mult] (depthwise), matMul for dense.
    let theirs: (() => void) | null = null;
    const disposeT: { dispose(): void }[] = [];
    if (tf) {
      const tx = tf.tensor4d(xd, xs as [number, number, number, number]);
      disposeT.push(tx);
      if (L.dense) {
        const a = tf.reshape(tx, [p.n, p.inC]) as import('@tensorflow/tfjs-core').Tensor2D;
        const wt = tf.tensor2d(wd, [p.outC, p.inC]);
        const bt = tf.fill([p.outC], 0.1);
        disposeT.push(a, wt, bt);
        theirs = () => { const r = tf.add(tf.matMul(a, wt, false, true), bt); r.dataSync(); r.dispose(); };
      } else {
        const [o, kh, kw, ci] = L.w;
        const hwio = new Float32Array(nw);
        for (let oo = 0; oo < o; oo++) for (let a = 0; a < kh; a++) for (let c = 0; c < kw; c++) for (let i = 0; i < ci; i++) {
          hwio[((a * kw + c) * ci + i) * o + oo] = wd[((oo * kh + a) * kw + c) * ci + i];
        }
        const pad = L.opts.padding ?? 0;
        const padArg: 'valid' | number | [[number, number], [number, number], [number, number], [number, number]] =
          typeof pad === 'number' ? pad : Array.isArray(pad) && pad.length === 2 ? [[0, 0], [pad[0], pad[0]], [pad[1], pad[1]], [0, 0]] : 'valid';
        const stride = (L.opts.stride ?? 1) as number;
        const bt = tf.fill([p.outC], 0.1);
        disposeT.push(bt);
        if (kind === 'dwconv2d') {
          const fw = tf.tensor4d(hwio, [kh, kw, p.inC, 1]);
          disposeT.push(fw);
          theirs = () => { const r = tf.add(tf.depthwiseConv2d(tx, fw, stride, padArg as number), bt); r.dataSync(); r.dispose(); };
        } else {
          const fw = tf.tensor4d(hwio, [kh, kw, ci, o]);
          disposeT.push(fw);
          theirs = () => { const r = tf.add(tf.conv2d(tx, fw, stride, padArg as number), bt); r.dataSync(); r.dispose(); };
        }
      }
    }
    const ours: number[] = [], tft: number[] = [];
    for (let r = 0; r < 2; r++) { fwd(); theirs?.(); }
    for (let r = 0; r < REPS; r++) {
      ours.push(timeIt(fwd));
      if (theirs) tft.push(timeIt(theirs));
    }
    const mo = median(ours), mt = theirs ? median(tft) : NaN;
    let line = L.name.padEnd(36) + `${mo.toFixed(2).padStart(7)} ${(flops / mo / 1e6).toFixed(1).padStart(7)} | ` +
      (theirs ? `${mt.toFixed(2).padStart(7)} ${(flops / mt / 1e6).toFixed(1).padStart(7)} | ${(mt / mo).toFixed(2).padStart(6)}x` : '      -       - |      -');
    if (BACKWARD) {
      const bd: number[] = [], bf: number[] = [];
      const runBd = L.dense ? () => b.denseBackwardData({ n: p.n, inF: p.inC, outF: p.outC }, y, w, dx)
        : () => b[K.backwardData](p, y, w, dx);
      const runBf = L.dense ? () => b.denseBackwardFilter({ n: p.n, inF: p.inC, outF: p.outC }, x, y, dw, bias)
        : () => b[K.backwardFilter](p, x, y, dw, bias);
      runBd(); runBf();
      for (let r = 0; r < REPS; r++) {
        bd.push(timeIt(runBd));
        bf.push(timeIt(runBf));
      }
      const md = median(bd), mf = median(bf);
      line += ` | ${md.toFixed(2).padStart(7)} ${(flops / md / 1e6).toFixed(1).padStart(5)} | ${mf.toFixed(2).padStart(7)} ${(flops / mf / 1e6).toFixed(1).padStart(5)}`;
    }
    console.log(line);
    for (const t of disposeT) t.dispose();
    for (const q of [x, w, y, dx, dw, bias] as Buf[]) b.free(q);
  }
  b.dispose();
}
