// Kernel suite: each real layer shape on each of our backends (kernels called directly, the way ops
// dispatches them), and the forward convolutions on the tfjs peers with the same data.
import type { Backend, Buf, Conv2dParams } from '../../src/ts/core/backend.js';
import { conv2dParams } from '../../src/ts/core/shape.js';
import { CONV_KERNELS, convFamily } from '../../src/ts/core/dispatch.js';
import { Rng } from '../../src/ts/core/random.js';
import { measure, gflops } from '../timing.js';
import type { TimingOptions } from '../timing.js';
import { loadTfjs, useTfjsBackend, maxRelDiff } from '../peers.js';
import type { KernelCase, ConvCase } from '../shapes.js';
import type { BenchResult, Runtime } from '../types.js';

function randomData(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.uniform() * 2 - 1;
  return a;
}

export function caseMacs(c: KernelCase): number {
  if (c.kind !== 'conv') return 0;
  const p = conv2dParams(c.x, c.w, c.opts);
  return p.n * p.outH * p.outW * p.outC * p.kH * p.kW * (p.inC / p.groups);
}

/** Bytes moved by a memory-bound kernel (inputs read + output written), for a GB/s figure. */
function movedBytes(c: KernelCase): number {
  const prod = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);
  if (c.kind === 'concat') return 2 * 4 * c.nhw[0] * c.nhw[1] * c.nhw[2] * c.channels.reduce((a, b) => a + b, 0);
  if (c.kind === 'adaptivePool') return 4 * (prod(c.x) + c.x[0] * c.out[0] * c.out[1] * c.x[3]);
  if (c.kind === 'activation') return 4 * prod(c.x) * (c.direction === 'forward' ? 2 : 4);
  return 0;
}

interface Prepared { run: () => void; output: () => Float32Array; dispose: () => void; kernel: string; }

function prepareOurs(b: Backend, c: KernelCase): Prepared {
  const bufs: Buf[] = [];
  const alloc = (n: number, seed: number | null): Buf => {
    const buf = b.alloc(n);
    bufs.push(buf);
    if (seed !== null) b.write(buf, randomData(n, seed)); else b.fill(buf, 0);
    return buf;
  };
  const dispose = (): void => { for (const x of bufs) b.free(x); };
  if (c.kind === 'concat') {
    const rows = c.nhw[0] * c.nhw[1] * c.nhw[2];
    const ins = c.channels.map((ch, i) => alloc(rows * ch, i + 1));
    const y = alloc(rows * c.channels.reduce((s, v) => s + v, 0), null);
    const p = { rows, channels: c.channels };
    return { run: () => b.concat(p, ins, y), output: () => Float32Array.from(b.read(y)), dispose, kernel: 'concat' };
  }
  if (c.kind === 'adaptivePool') {
    const [n, inH, inW, ch] = c.x;
    const p = { n, inH, inW, c: ch, outH: c.out[0], outW: c.out[1] };
    const nx = n * inH * inW * ch, ny = n * p.outH * p.outW * ch;
    if (c.direction === 'forward') {
      const x = alloc(nx, 1), y = alloc(ny, null);
      return { run: () => b.adaptiveAvgPool2d(p, x, y), output: () => Float32Array.from(b.read(y)), dispose, kernel: 'adaptiveAvgPool2d' };
    }
    const dy = alloc(ny, 4), dx = alloc(nx, null);
    return { run: () => b.adaptiveAvgPool2dBackward(p, dy, dx), output: () => Float32Array.from(b.read(dx)), dispose, kernel: 'adaptiveAvgPool2dBackward' };
  }
  if (c.kind === 'activation') {
    const n = c.x.reduce((a, v) => a * v, 1);
    const x = alloc(n, 1), y = alloc(n, null);
    if (c.direction === 'forward') {
      return { run: () => b.activation(c.act, n, x, y), output: () => Float32Array.from(b.read(y)), dispose, kernel: 'activation' };
    }
    b.activation(c.act, n, x, y);
    const dy = alloc(n, 4), dx = alloc(n, null);
    return { run: () => b.activationBackward(c.act, n, x, y, dy, dx), output: () => Float32Array.from(b.read(dx)), dispose, kernel: 'activationBackward' };
  }
  const p: Conv2dParams = conv2dParams(c.x, c.w, c.opts);
  const K = CONV_KERNELS[convFamily(p)], k = K.forward;
  const xs = p.n * p.inH * p.inW * p.inC, ws = c.w.reduce((s, v) => s * v, 1), ys = p.n * p.outH * p.outW * p.outC;
  const x = alloc(xs, 1), w = alloc(ws, 2), bias = alloc(p.outC, 3);
  if (c.direction === 'forward') {
    const y = alloc(ys, null);
    return { run: () => b[k](p, x, w, bias, y), output: () => Float32Array.from(b.read(y)), dispose, kernel: k };
  }
  const dy = alloc(ys, 4);
  if (c.direction === 'backwardData') {
    const dx = alloc(xs, null);
    const kn = K.backwardData;
    return { run: () => b[kn](p, dy, w, dx), output: () => Float32Array.from(b.read(dx)), dispose, kernel: kn };
  }
  const dw = alloc(ws, null), db = alloc(p.outC, null);
  const kn = K.backwardFilter;
  return { run: () => b[kn](p, x, dy, dw, db), output: () => Float32Array.from(b.read(dw)), dispose, kernel: kn };
}

export async function kernelSuite(cases: readonly KernelCase[], runtimes: Runtime[], timing: TimingOptions,
  peers: ('tfjs-wasm' | 'tfjs-cpu')[], log: (s: string) => void): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const c of cases) {
    const macs = caseMacs(c);
    const direction = c.kind === 'conv' ? c.direction : c.kind === 'concat' ? 'forward' : c.direction === 'forward' ? 'forward' : 'backwardData';
    // Reference output from the first backend (js when present) to check the others agree.
    let ref: Float32Array | null = null;
    for (const rt of runtimes) {
      const base: BenchResult = { suite: 'kernels', case: c.name, from: c.from, runtime: rt.name, threads: rt.threads, macs, direction };
      let prep: Prepared | null = null;
      try {
        prep = prepareOurs(rt.backend, c);
        prep.run();
        const o = prep.output();
        if (ref) base.maxRelDiff = maxRelDiff(o, ref); else ref = o;
        const t = await measure(prep.run, timing);
        out.push({ ...base, kernel: prep.kernel, timing: t, gflops: macs ? gflops(macs, t.median) : undefined, gbps: movedBytes(c) ? movedBytes(c) / (t.median * 1e6) : undefined });
        log(`  ${c.name} [${rt.name}] ${t.median.toFixed(3)} ms`);
      } catch (e) {
        out.push({ ...base, error: (e as Error).message });
        log(`  ${c.name} [${rt.name}] error: ${(e as Error).message}`);
      } finally {
        prep?.dispose();
      }
    }
    if (c.kind === 'conv' && c.direction === 'forward') {
      for (const peer of peers) out.push(await tfjsConv(peer, c, macs, ref, timing, log));
    } else if (c.kind === 'conv') {
      for (const peer of peers) {
        out.push({ suite: 'kernels', case: c.name, from: c.from, runtime: peer, threads: 1, macs, direction,
          error: peer === 'tfjs-wasm' ? 'not supported: tfjs-backend-wasm has no Conv2DBackpropInput/Filter kernels (tfjs #8474)' : 'skipped: tfjs-cpu filter gradients take tens of seconds per layer' });
      }
    }
  }
  return out;
}

// dataSync outside tf.tidy: reading back inside a tidy scope made tfjs-backend-wasm 100x slower here.
function readBack(y: { dataSync(): Float32Array; dispose(): void }): Float32Array {
  const d = y.dataSync();
  y.dispose();
  return d;
}

async function tfjsConv(peer: 'tfjs-wasm' | 'tfjs-cpu', c: ConvCase, macs: number, ref: Float32Array | null,
  timing: TimingOptions, log: (s: string) => void): Promise<BenchResult> {
  const base: BenchResult = { suite: 'kernels', case: c.name, from: c.from, runtime: peer, threads: 1, macs, direction: 'forward' };
  if (peer === 'tfjs-cpu' && macs > 6e7) return { ...base, error: 'skipped: over 60M MACs on tfjs-cpu (~0.6 GFLOP/s) would dominate the run' };
  try {
    const tf = await loadTfjs();
    await useTfjsBackend(tf, peer === 'tfjs-wasm' ? 'wasm' : 'cpu');
    const p = conv2dParams(c.x, c.w, c.opts);
    const xs = p.n * p.inH * p.inW * p.inC, ws = c.w.reduce((s, v) => s * v, 1);
    const xd = randomData(xs, 1), wd = randomData(ws, 2), bd = randomData(p.outC, 3);
    const x = tf.tensor4d(xd, c.x);
    const bias = tf.tensor1d(bd);
    const bottom = Math.max(0, (p.outH - 1) * p.strideH + (p.kH - 1) * p.dilationH + 1 - p.inH - p.padTop);
    const right = Math.max(0, (p.outW - 1) * p.strideW + (p.kW - 1) * p.dilationW + 1 - p.inW - p.padLeft);
    const pad = [[0, 0], [p.padTop, bottom], [p.padLeft, right], [0, 0]];
    let filter: { dispose(): void };
    let fn: () => unknown;
    if (p.groups === p.inC && p.groups > 1) {
      const mult = p.outC / p.inC;
      filter = tf.tidy(() => tf.reshape(tf.transpose(tf.tensor4d(wd, c.w), [1, 2, 0, 3]), [p.kH, p.kW, p.inC, mult]));
      fn = () => readBack(tf.fused.depthwiseConv2d({ x, filter, strides: [p.strideH, p.strideW], pad, bias }));
    } else {
      filter = tf.tidy(() => tf.transpose(tf.tensor4d(wd, c.w), [1, 2, 3, 0]));
      fn = () => readBack(tf.fused.conv2d({ x, filter, strides: [p.strideH, p.strideW], pad, bias }));
    }
    try {
      const y = fn() as Float32Array;
      const diff = ref ? maxRelDiff(y, ref) : undefined;
      const t = await measure(fn, timing);
      log(`  ${c.name} [${peer}] ${t.median.toFixed(3)} ms`);
      return { ...base, timing: t, gflops: gflops(macs, t.median), maxRelDiff: diff };
    } finally {
      x.dispose(); bias.dispose(); filter.dispose();
    }
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
}
