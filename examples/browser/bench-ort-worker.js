// onnxruntime-web (its wasm build) on the bench page: the ONNX file prepare.mjs exported from our
// model with the same seeded weights (input NCHW [1, 3, H, W]: our NHWC input transposed).
import * as ort from '/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';
import { serve } from './bench-common.js';

serve(async ({ size, threads, input, onnx }) => {
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = threads;
  const res = await fetch(onnx);
  if (!res.ok) throw new Error(`${onnx}: HTTP ${res.status} (export it with: node examples/browser/prepare.mjs onnx)`);
  const session = await ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const nchw = new Float32Array(3 * size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) nchw[(c * size + y) * size + x] = input[(y * size + x) * 3 + c];
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', nchw, [1, 3, size, size]) };
  const run = async () => (await session.run(feeds))[session.outputNames[0]].data;
  return { run, info: { threads: ort.env.wasm.numThreads } };
});
