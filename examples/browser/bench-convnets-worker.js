// convnets on the bench page: the wasm backend in this worker, seeded weights (the same the ONNX
// file and the tfjs replay carry), batch 1 NHWC input from Tensor.randn.
import * as cn from '/dist/src/ts/browser.js';
import { wasmBackend } from './backend.js';
import { serve } from './bench-common.js';

serve(async ({ model, size, threads, seed }) => {
  const backend = await wasmBackend(cn, { threads });
  cn.manualSeed(seed);
  const m = cn.createModel(model);
  m.eval();
  const x = cn.Tensor.randn([1, size, size, 3], seed + 1);
  return { run: () => m.forward(x, { training: false }).toFloat32(), input: x.toFloat32(), info: backend.info() };
});
