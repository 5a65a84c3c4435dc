// Inference fusion (conv-BN-activation folded into one conv with an epilogue): same outputs, fewer ops,
// undone by training.
import t from 'tap';
import { useFloat32 } from './gradcheck.js';
import * as ops from '../../src/ts/core/ops.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import {
  BatchNorm2d, Conv2d, Flatten, GlobalAvgPool2d, Linear, ReLU6, Residual, Sequential, SiLU, fuseForInference, unfuse, manualSeed,
} from '../../src/ts/nn/index.js';
import { createModel } from '../../src/architectures/index.js';

const be = await useFloat32();
manualSeed(5);

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // Relative to the largest reference value (logits of a fresh net are small).
  let scale = 1e-30, d = 0;
  for (let i = 0; i < a.length; i++) { scale = Math.max(scale, Math.abs(b[i])); d = Math.max(d, Math.abs(a[i] - b[i])); }
  return d / scale;
}

function randomiseBn(m: { namedModules(): Generator<[string, unknown]> }): void {
  let s = 10;
  for (const [, x] of m.namedModules()) {
    if (x instanceof BatchNorm2d) {
      const c = x.numFeatures;
      x.weight.value.set(Tensor.uniform([c], s++, 0.5, 1.5).data());
      x.bias.value.set(Tensor.uniform([c], s++, -0.5, 0.5).data());
      x.runningMean.set(Tensor.uniform([c], s++, -0.3, 0.3).data());
      x.runningVar.set(Tensor.uniform([c], s++, 0.5, 2).data());
    }
  }
}

t.test('a small net: fused output equals unfused, with fewer traced ops', async (t) => {
  const net = Sequential.named([
    ['c1', new Conv2d(3, 6, 3, { stride: 2, padding: 1, bias: false })], ['bn1', new BatchNorm2d(6)], ['a1', new ReLU6()],
    ['res', new Residual([['c', new Conv2d(6, 6, 3, { padding: 1 })], ['bn', new BatchNorm2d(6, { eps: 1e-3 })], ['act', new SiLU()]])],
    ['c2', new Conv2d(6, 4, 1)], ['a2', new SiLU()],
    ['gap', new GlobalAvgPool2d()], ['flat', new Flatten()], ['fc', new Linear(4, 3)],
  ]);
  randomiseBn(net);
  net.eval();
  const x = Tensor.randn([2, 9, 7, 3], 1);
  let n0 = 0;
  ops.setTracer({ record: () => { n0++; } });
  const y0 = net.forward(x, { training: false }).toFloat32();
  ops.setTracer(null);
  const allocated = be.allocated();
  t.equal(fuseForInference(net), 3, 'three convs fused');
  let n1 = 0;
  ops.setTracer({ record: () => { n1++; } });
  const y1 = net.forward(x, { training: false }).toFloat32();
  ops.setTracer(null);
  t.ok(maxRel(y1, y0) < 1e-5, `same output (max rel diff ${maxRel(y1, y0)})`);
  t.equal(n0 - n1, 5, 'two BN and three activation ops gone');
  // A training forward undoes the fusion (and the folded copies are freed).
  net.train();
  net.forward(x, { training: true, seed: 1 });
  net.eval();
  const stillFused = [...net.namedModules()].some(([, m]) => m instanceof Conv2d && m.fused);
  t.notOk(stillFused, 'training forward unfuses');
  t.ok(maxRel(net.forward(x, { training: false }).toFloat32(), y0) > 0, 'running stats moved in training, outputs differ');
  const before = be.allocated();
  fuseForInference(net);
  t.ok(be.allocated() > before, 'folded weights allocated');
  unfuse(net);
  t.equal(be.allocated(), before, 'unfuse frees the folded weights');
  void allocated;
});

t.test('registry models keep their outputs when fused', async (t) => {
  for (const [name, size] of [['mobilenet_v3_small', 64], ['resnet18', 32]] as const) {
    manualSeed(1);
    const m = createModel(name, { numClasses: 10 });
    randomiseBn(m);
    m.eval();
    const x = Tensor.uniform([1, size, size, 3], 3, -1, 1);
    const y0 = m.forward(x, { training: false }).toFloat32();
    const k = fuseForInference(m);
    const y1 = m.forward(x, { training: false }).toFloat32();
    t.ok(k > 10, `${name}: ${k} convs fused`);
    t.ok(maxRel(y1, y0) < 1e-4, `${name}: same logits (max rel diff ${maxRel(y1, y0).toExponential(2)})`);
    m.dispose();
    x.dispose();
  }
});
