// Every nn module's backward against central finite differences (float64 js reference), on small
// awkward shapes, including containers, frozen BN, dropout and drop-path with fixed seeds.
import t from 'tap';
import { gradCheck, useFloat64 } from './gradcheck.js';
import {
  AvgPool2d, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Hardsigmoid, Hardswish, Identity, Linear,
  MaxPool2d, ReLU, ReLU6, Residual, Sequential, SiLU, Sigmoid, SqueezeExcite, manualSeed,
} from '../../src/ts/nn/index.js';
import { Tensor } from '../../src/ts/core/tensor.js';

await useFloat64();
manualSeed(3);

t.test('Conv2d general / strided / dilated / grouped / depthwise / pointwise', async (t) => {
  gradCheck(t, 'conv 3x3 s2 p1 bias', new Conv2d(3, 4, 3, { stride: 2, padding: 1 }), [2, 5, 6, 3]);
  gradCheck(t, 'conv 1x3 dilation 2 no bias', new Conv2d(2, 3, [1, 3], { dilation: 2, padding: [0, 2], bias: false }), [1, 4, 7, 2]);
  gradCheck(t, 'conv groups 2', new Conv2d(4, 6, 3, { groups: 2, padding: 1 }), [1, 4, 5, 4]);
  gradCheck(t, 'depthwise mult 2 s2', new Conv2d(3, 6, 3, { groups: 3, stride: 2, padding: 1 }), [2, 5, 5, 3]);
  gradCheck(t, 'pointwise', new Conv2d(5, 3, 1), [2, 3, 3, 5]);
  gradCheck(t, 'same padding s2', new Conv2d(2, 2, 5, { stride: 2, padding: 'same' }), [1, 7, 6, 2]);
});

t.test('BatchNorm2d training, eval and frozen', async (t) => {
  const bn = new BatchNorm2d(3);
  bn.weight.value.set([1.5, 0.5, -1]);
  bn.bias.value.set([0.1, -0.2, 0.3]);
  gradCheck(t, 'bn training', bn, [2, 3, 4, 3]);
  const fz = new BatchNorm2d(3, { eps: 1e-3 });
  fz.runningMean.set([0.5, -0.5, 0.1]);
  fz.runningVar.set([2, 0.5, 1.5]);
  fz.frozen = true;
  gradCheck(t, 'bn frozen (in training)', fz, [2, 3, 2, 3]);
  // Frozen BN must neither use nor update batch statistics.
  t.same([...fz.runningMean.data()], [0.5, -0.5, 0.1], 'frozen BN leaves running mean alone');
  const ev = new BatchNorm2d(2).eval();
  gradCheck(t, 'bn eval mode', ev, [1, 2, 3, 2]);
});

t.test('BatchNorm2d running statistics follow torch (momentum 0.1, unbiased variance)', async (t) => {
  const bn = new BatchNorm2d(2, { momentum: 0.25 });
  // Channel 0: 1, 3, 5, 7 (mean 4, unbiased var 20/3); channel 1: all 2 (mean 2, var 0).
  const x = Tensor.from([1, 2, 3, 2, 5, 2, 7, 2], [1, 2, 2, 2]);
  const y = bn.forward(x, { training: true }).data();
  const rm = bn.runningMean.data(), rv = bn.runningVar.data();
  t.ok(Math.abs(rm[0] - 0.25 * 4) < 1e-12 && Math.abs(rm[1] - 0.25 * 2) < 1e-12, 'running_mean = 0.75 * 0 + 0.25 * mean');
  t.ok(Math.abs(rv[0] - (0.75 + 0.25 * 20 / 3)) < 1e-12 && Math.abs(rv[1] - 0.75) < 1e-12, 'running_var uses the unbiased batch variance');
  t.ok(Math.abs(y[0] - (1 - 4) / Math.sqrt(5 + 1e-5)) < 1e-9, 'normalised with the biased variance (5), as torch');
  const e = bn.forward(x, { training: false }).data();
  t.ok(Math.abs(e[0] - (1 - rm[0]) / Math.sqrt(rv[0] + 1e-5)) < 1e-9, 'inference uses the running statistics');
  bn.eval();
  bn.forward(x, { training: true });
  t.equal(bn.runningMean.data()[0], rm[0], 'a module in eval mode does not update running stats even in a training context');
});

t.test('activations', async (t) => {
  for (const [n, m] of [['relu', new ReLU()], ['relu6', new ReLU6()], ['silu', new SiLU()], ['sigmoid', new Sigmoid()],
    ['hardswish', new Hardswish()], ['hardsigmoid', new Hardsigmoid()]] as const) {
    gradCheck(t, n, m, [2, 3, 2, 3]);
  }
});

t.test('pools, flatten, linear', async (t) => {
  gradCheck(t, 'maxpool 3 s2 p1 ceil', new MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), [2, 6, 7, 2]);
  gradCheck(t, 'avgpool 3 s2 ceil no-pad-count', new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [1, 6, 7, 2]);
  gradCheck(t, 'avgpool 2', new AvgPool2d(2), [2, 4, 5, 3]);
  gradCheck(t, 'global avg pool', new GlobalAvgPool2d(), [2, 3, 5, 4]);
  gradCheck(t, 'flatten + linear', new Sequential(new Flatten(), new Linear(2 * 3 * 4, 5)), [3, 2, 3, 4]);
  gradCheck(t, 'linear no bias', new Linear(6, 4, { bias: false }), [3, 6]);
});

t.test('Residual with projection shortcut and post activation', async (t) => {
  const r = new Residual([
    ['conv1', new Conv2d(3, 4, 3, { stride: 2, padding: 1, bias: false })], ['bn1', new BatchNorm2d(4)], ['relu', new ReLU()],
    ['conv2', new Conv2d(4, 4, 3, { padding: 1, bias: false })], ['bn2', new BatchNorm2d(4)],
  ], { shortcut: ['downsample', Sequential.named([['0', new Conv2d(3, 4, 1, { stride: 2, bias: false })], ['1', new BatchNorm2d(4)]])], post: ['relu', new ReLU()] });
  const names = [...r.namedParameters()].map(([n]) => n);
  t.ok(names.includes('downsample.0.weight') && names.includes('bn2.bias'), 'torchvision names');
  t.ok([...r.children.keys()].includes('relu_1'), 'a second stateless "relu" is renamed, not lost');
  gradCheck(t, 'residual projection', r, [2, 5, 5, 3], { samples: 20 });
  const id = new Residual([['conv', new Conv2d(2, 2, 3, { padding: 1 })]]);
  gradCheck(t, 'residual identity', id, [1, 3, 4, 2]);
});

t.test('Concat of three branches (one empty = identity)', async (t) => {
  const c = new Concat([
    [['b1', new Conv2d(3, 2, 1)]],
    [['b2a', new Conv2d(3, 2, 1)], ['b2r', new ReLU()], ['b2b', new Conv2d(2, 3, 3, { padding: 1 })]],
    [],
  ]);
  t.same(c.outputShape([2, 4, 3, 3]), [2, 4, 3, 8], 'channels add up');
  gradCheck(t, 'concat 3 branches', c, [2, 4, 3, 3], { samples: 20 });
});

t.test('SqueezeExcite (relu/sigmoid and silu/hardsigmoid)', async (t) => {
  const se = new SqueezeExcite(4, 2);
  t.same([...se.namedParameters()].map(([n]) => n), ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'], 'torchvision names');
  gradCheck(t, 'se relu/sigmoid', se, [2, 3, 3, 4]);
  gradCheck(t, 'se silu/hardsigmoid', new SqueezeExcite(3, 2, { activation: 'silu', gate: 'hardsigmoid' }), [2, 2, 3, 3]);
});

t.test('Dropout with a fixed seed', async (t) => {
  const d = new Dropout(0.4);
  gradCheck(t, 'dropout', d, [2, 3, 3, 2], { ctx: { training: true, seed: 11 } });
  const x = Tensor.randn([2, 3, 3, 2], 5);
  const a = [...d.forward(x, { training: true, seed: 11 }).data()];
  const b = [...d.forward(x, { training: true, seed: 11 }).data()];
  const c = [...d.forward(x, { training: true, seed: 12 }).data()];
  t.same(a, b, 'same seed, same mask');
  t.not(JSON.stringify(a), JSON.stringify(c), 'another seed, another mask');
  const zeros = a.filter((v) => v === 0).length;
  t.ok(zeros > 0 && zeros < a.length, `some but not all dropped (${zeros}/${a.length})`);
  const xs = x.data();
  t.ok(a.every((v, i) => v === 0 || Math.abs(v - xs[i] / 0.6) < 1e-12), 'kept elements scaled by 1/(1-p)');
  t.equal(d.forward(x, { training: false }), x, 'identity in inference');
  d.eval();
  t.equal(d.forward(x, { training: true, seed: 11 }), x, 'identity when the module is in eval mode');
});

t.test('Residual drop-path (stochastic depth per sample)', async (t) => {
  const r = new Residual([['conv', new Conv2d(2, 2, 3, { padding: 1 })]], { dropPath: 0.5 });
  gradCheck(t, 'drop-path', r, [6, 3, 3, 2], { ctx: { training: true, seed: 3 } });
  // With 6 samples and p 0.5 some sample keeps its branch and some loses it (for this seed).
  const x = Tensor.randn([6, 3, 3, 2], 9);
  const y = r.forward(x, { training: true, seed: 3 }).data();
  const xs = x.data();
  const per = 18;
  let dropped = 0;
  for (let i = 0; i < 6; i++) {
    let same = true;
    for (let j = 0; j < per; j++) if (Math.abs(y[i * per + j] - xs[i * per + j]) > 1e-12) same = false;
    if (same) dropped++;
  }
  t.ok(dropped > 0 && dropped < 6, `whole samples dropped (${dropped}/6)`);
  // The sum may live in the conv's output (in place), so read it before running the conv alone.
  const e = r.forward(x, { training: false }).data();
  const main = (r.children.get('conv') as Conv2d).forward(x, { training: false }).data();
  t.ok([...e].every((v, i) => Math.abs(v - (main[i] + xs[i])) < 1e-12), 'inference: plain residual sum');
});

t.test('Identity and Sequential plumbing', async (t) => {
  const s = new Sequential(new Conv2d(2, 3, 3), new Identity(), new ReLU());
  t.same([...s.children.keys()], ['0', '1', '2']);
  gradCheck(t, 'sequential', s, [1, 4, 4, 2]);
});

t.test('noInputGrad: the first conv skips dL/dx of the batch, weight gradients unchanged', async (t) => {
  const net = new Sequential(new Conv2d(3, 4, 3, { stride: 2, padding: 1 }), new ReLU(), new Conv2d(4, 2, 3, { padding: 1 }));
  const x = Tensor.randn([2, 7, 6, 3], 11);
  const grads = (ctxInput: Tensor | undefined): { dx: number[]; g: number[][] } => {
    for (const [, p] of net.namedParameters()) { p.grad?.dispose(); p.grad = null; }
    const y = net.forward(x, { training: true, noInputGrad: ctxInput });
    const dx = net.backward(Tensor.randn(y.shape, 12));
    return { dx: [...dx.data()], g: [...net.namedParameters()].map(([, p]) => [...p.grad!.data()]) };
  };
  const full = grads(undefined), skipped = grads(x), other = grads(Tensor.zeros([1]));
  t.same(skipped.g, full.g, 'every parameter gradient is the same with the input gradient skipped');
  t.ok(skipped.dx.every((v) => Number.isNaN(v)), 'the skipped dx is NaN, never a plausible gradient');
  t.same(other.dx, full.dx, 'another tensor as noInputGrad changes nothing');
  t.ok(full.dx.every((v) => Number.isFinite(v)) && full.dx.some((v) => v !== 0));
});
