// tfjs-backend-wasm on the bench page (bundled by prepare.mjs: tfjs ships bare-specifier ESM).
// The network is our model replayed with tfjs ops (bench/peers.ts, as `convnets bench` does in
// Node): BN folded, activations fused, same weights; tracing runs once on our wasm backend (one
// thread, not timed). tfjs' own thread pool has `threads` threads (needs cross-origin isolation).
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as cn from '../../dist/src/ts/browser.js';
import { replayTfjs, traceForward } from '../../dist/bench/peers.js';
import { serve } from './bench-common.js';

serve(async ({ model, size, threads, seed }) => {
  setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
  await tf.ready();
  const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const ours = await cn.initBackend('wasm', { threads: 1, wasm: '/build/' });
  cn.manualSeed(seed);
  const m = cn.createModel(model);
  const x = cn.Tensor.randn([1, size, size, 3], seed + 1);
  const net = replayTfjs(tf, traceForward(m, x));
  const xt = tf.tensor(x.toFloat32(), [1, size, size, 3]);
  x.dispose(); m.dispose(); ours.dispose();
  const run = () => {
    const y = net.run(xt);
    const out = y.dataSync();
    y.dispose();
    return out;
  };
  return { run, info: { threads: mt ? threads : 1, simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), multithread: mt } };
});
