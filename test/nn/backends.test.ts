// The nn modules on every other available backend (wasm, native) against the js float64 reference:
// one training forward + backward of a small net covering every module family gives the same output,
// input gradient and parameter gradients; and the memory plan holds there too. Backends that cannot
// run here are skipped with the reason.
import t from 'tap';
import type { Backend } from '../../src/ts/core/backend.js';
import { backendAvailability, createBackend, setBackend } from '../../src/ts/core/registry.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import '../../src/ts/backends/js/index.js';
import {
  BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Hardswish, Linear, MaxPool2d, AvgPool2d, ReLU, Residual,
  Sequential, SiLU, SqueezeExcite, manualSeed,
} from '../../src/ts/nn/index.js';

function net(): Sequential {
  return Sequential.named([
    ['conv1', new Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false })], ['bn1', new BatchNorm2d(8)], ['act1', new Hardswish()],
    ['dw', new Conv2d(8, 8, 3, { groups: 8, padding: 1 })], ['pool', new MaxPool2d(3, { stride: 1, padding: 1 })],
    ['block', new Residual([['conv', new Conv2d(8, 8, 1, { bias: false })], ['bn', new BatchNorm2d(8)], ['act', new SiLU()]],
      { post: ['relu', new ReLU()], dropPath: 0.3 })],
    ['mixed', new Concat([[['b1', new Conv2d(8, 4, 1)]], [['b2', new Conv2d(8, 4, [1, 3], { padding: [0, 1] })]],
      [['b3', new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false })]]])],
    ['se', new SqueezeExcite(16, 4, { activation: 'silu', gate: 'hardsigmoid' })],
    ['gap', new GlobalAvgPool2d()], ['flatten', new Flatten()], ['drop', new Dropout(0.25)], ['fc', new Linear(16, 5)],
  ]);
}

interface Run { y: Float64Array; dx: Float64Array; grads: Map<string, Float64Array>; }

function run(b: Backend): Run {
  setBackend(b);
  manualSeed(9);
  const m = net();
  const x = Tensor.randn([3, 9, 11, 3], 1, 1, 0, b);
  const dy = Tensor.randn([3, 5], 2, 1, 0, b);
  const y = Float64Array.from(m.forward(x, { training: true, seed: 4 }).data());
  const dx = Float64Array.from(m.backward(dy).data());
  const grads = new Map<string, Float64Array>();
  for (const [n, p] of m.namedParameters()) grads.set(n, Float64Array.from(p.gradTensor().data()));
  m.dispose(); x.dispose(); dy.dispose();
  return { y, dx, grads };
}

function rel(a: Float64Array, b: Float64Array): number {
  let d = 0, s = 1e-12;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / s;
}

const ref = run(await createBackend('js', { dtype: 'float64' }));

const MODULES: Record<string, string> = { wasm: 'wasm/index.js', cpu: 'native/cpu.js', cuda: 'native/index.js' };
for (const name of ['wasm', 'cpu', 'cuda']) {
  t.test(`${name} backend`, async (t) => {
    try { await import(`../../src/ts/backends/${MODULES[name]}`); } catch (e) {
      t.skip(`${name}: backend module does not load (${(e as Error).message.split("\n")[0]})`, () => {});
      return;
    }
    const why = await backendAvailability(name);
    if (why) { t.skip(`${name} unavailable here: ${why}`, () => {}); return; }
    const b = await createBackend(name, { threads: 2 });
    try {
      const got = run(b);
      t.ok(rel(got.y, ref.y) < 1e-4, `forward matches js (rel ${rel(got.y, ref.y).toExponential(2)})`);
      t.ok(rel(got.dx, ref.dx) < 1e-3, `input gradient matches js (rel ${rel(got.dx, ref.dx).toExponential(2)})`);
      let worst = 0, worstName = '';
      for (const [n, g] of ref.grads) { const r = rel(got.grads.get(n)!, g); if (r > worst) { worst = r; worstName = n; } }
      t.ok(worst < 1e-3, `every parameter gradient matches js (worst ${worstName} ${worst.toExponential(2)})`);
      // Memory plan on this backend.
      setBackend(b);
      manualSeed(9);
      const m = net();
      const x = Tensor.randn([3, 9, 11, 3], 1, 1, 0, b);
      const dy = Tensor.randn([3, 5], 2, 1, 0, b);
      const counts: number[] = [];
      for (let s = 0; s < 4; s++) { m.forward(x, { training: true, seed: s }); m.backward(dy); counts.push(b.allocated()); }
      t.same(counts.slice(1), [counts[1], counts[1], counts[1]], `allocated() constant after the first step (${counts.join(', ')})`);
      m.dispose(); x.dispose(); dy.dispose();
    } finally {
      b.dispose();
    }
  });
}
