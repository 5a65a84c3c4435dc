// The end-to-end check: every registered architecture, seeded random weights with non-trivial BN
// statistics, exported to ONNX and run by onnxruntime-node, must agree with our forward pass.
import t from 'tap';
import '../../src/ts/backends/js/index.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { Rng } from '../../src/ts/core/random.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { manualSeed } from '../../src/ts/nn/index.js';
import { createModel, listModels } from '../../src/architectures/index.js';
import type { ConvNet } from '../../src/architectures/index.js';
import { exportOnnx } from '../../src/ts/io/onnx.js';
import { maxRelError, nhwcToNchw, runOrt } from './ort-util.js';

// The wasm backend when it is built and registered (much faster), else the js reference.
let backendName = 'js';
try {
  await import('../../src/ts/backends/wasm/index.js' as string);
  await initBackend('wasm');
  backendName = 'wasm';
} catch {
  await initBackend('js');
}

/** VGG's standard head (7x7 adaptive pool, then a 25088-wide Linear: ~400 MB) is too big for a sweep at tiny inputs: the small-input head. */
const OPTIONS: Record<string, object> = Object.fromEntries(
  ['vgg11', 'vgg13', 'vgg16', 'vgg19'].flatMap((v) => [[v, { smallInput: true }], [`${v}_bn`, { smallInput: true }]]));

/** BN statistics made non-trivial: random means, variances in [0.5, 2], gamma, beta. */
function perturbBatchNorm(model: ConvNet, seed: number): void {
  const r = new Rng(seed);
  for (const [name, m] of model.namedModules()) {
    if (m.typeName !== 'BatchNorm2d') continue;
    const set = (t: Tensor | undefined, f: () => number) => t?.set(Array.from({ length: t.size }, f));
    set(m.buffers.get('running_mean'), () => 0.2 * (r.uniform() - 0.5));
    set(m.buffers.get('running_var'), () => 0.5 + 1.5 * r.uniform());
    set(m.params.get('weight')?.value, () => 0.5 + r.uniform());
    set(m.params.get('bias')?.value, () => 0.2 * (r.uniform() - 0.5));
    void name;
  }
}

// CONVNETS_ONNX_MODELS=a,b restricts the sweep (for quick local runs); CI runs every model.
const only = process.env.CONVNETS_ONNX_MODELS?.split(',').filter(Boolean);
const timings: string[] = [];
const started = Date.now();
for (const [i, name] of listModels().entries()) {
  if (only && !only.includes(name)) continue;
  t.test(`${name}: onnxruntime agrees with our forward`, async (t) => {
    const t0 = Date.now();
    manualSeed(1000 + i);
    const model = createModel(name, { numClasses: 10, ...(OPTIONS[name] ?? {}) });
    try {
      perturbBatchNorm(model, 2000 + i);
      model.eval();
      const size = model.minInputSize;
      const c = model.inputChannels;
      const bytes = exportOnnx(model, { inputSize: size });
      const x = Tensor.uniform([2, size, size, c], 3000 + i, -1, 1);
      const ours = model.forward(x, { training: false }).toFloat32();
      const res = await runOrt(bytes, nhwcToNchw(x.toFloat32(), 2, size, size, c), [2, c, size, size]);
      x.dispose();
      t.same([...res.dims], [2, 10], 'logits shape');
      const err = maxRelError(res.data, ours);
      t.ok(err <= 1e-4, `max relative error ${err.toExponential(2)} at ${size}x${size} (${(bytes.length / 1e6).toFixed(1)} MB)`);
      t.ok(ours.every(Number.isFinite), 'finite outputs');
      timings.push(`${name}@${size}: ${Date.now() - t0} ms`);
    } finally {
      model.dispose();
    }
  });
}
t.teardown(() => console.error(`# onnx sweep on ${backendName}: ${Date.now() - started} ms\n# ${timings.join('\n# ')}`));
