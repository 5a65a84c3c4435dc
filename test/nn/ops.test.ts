// core/ops: error paths (clear ConvnetsErrors naming the op), kernel choice, out-tensor handling,
// and the tracer records every forward op with what an exporter needs.
import t from 'tap';
import { useFloat32, gradCheck } from './gradcheck.js';
import * as ops from '../../src/ts/core/ops.js';
import type { TraceRecord } from '../../src/ts/core/ops.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { createBackend } from '../../src/ts/core/registry.js';
import { Module } from '../../src/ts/nn/module.js';
import type { ForwardContext } from '../../src/ts/nn/module.js';
import type { Shape } from '../../src/ts/core/shape.js';
import {
  BatchNorm2d, Concat, Conv2d, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU, Residual, Sequential, SqueezeExcite, manualSeed,
} from '../../src/ts/nn/index.js';

const be = await useFloat32();
manualSeed(1);

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): boolean =>
  a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol * Math.max(1, Math.abs(b[i])));

t.test('error paths name the op, the argument and what was expected', async (t) => {
  const x = Tensor.randn([1, 5, 5, 3], 1);
  const w = Tensor.randn([4, 3, 3, 2], 2);
  t.throws(() => ops.conv2d(x, w, null), ConvnetsError);
  t.throws(() => ops.conv2d(x, w, null), /conv2d: filter shape \[4, 3, 3, 2\] expects 2 input channels per group, but input \[1, 5, 5, 3\]/);
  const w3 = Tensor.randn([4, 3, 3, 3], 2);
  t.throws(() => ops.conv2d(x, w3, Tensor.zeros([5])), /conv2d: bias must have shape \[4\], got \[5\]/);
  t.throws(() => ops.conv2d(x, w3, null, { padding: 1 }, Tensor.zeros([1, 3, 3, 4])), /conv2d: out must have shape \[1, 5, 5, 4\], got \[1, 3, 3, 4\]/);
  t.throws(() => ops.conv2d(x, w3, null, { activation: 'tanh' as never }), /conv2d: activation must be one of/);
  t.throws(() => ops.conv2d(Tensor.randn([1, 2, 2, 3], 3), w3, null), /kernel height .* larger than the padded input/);
  t.throws(() => ops.add(x, Tensor.zeros([1, 5, 5, 4])), /add: a \[1, 5, 5, 3\] and b \[1, 5, 5, 4\] must have the same shape/);
  t.throws(() => ops.concat([x, Tensor.zeros([1, 4, 5, 2])]), /concat: input 1 has shape \[1, 4, 5, 2\]/);
  t.throws(() => ops.dense(Tensor.zeros([2, 7]), Tensor.zeros([3, 6]), null), /dense: input \[2, 7\] has 7 features per sample, weight \[3, 6\] expects 6/);
  t.throws(() => ops.batchNormInference(x, Tensor.zeros([4]), Tensor.zeros([3]), Tensor.zeros([3]), Tensor.zeros([3])),
    /batchNormInference: gamma must hold 3 elements \(one per channel\)/);
  t.throws(() => ops.channelScale(x, Tensor.zeros([1, 1, 1, 4])), /channelScale: scale must hold 3 elements/);
  t.throws(() => ops.split(x, [1, 1]), /split: channels \[1,1\] must be positive and sum to the input's 3 channels/);
  t.throws(() => ops.dropout(x, 1, 0), /dropoutMask: rate must be in \[0, 1\)/);
  t.throws(() => ops.softmaxCrossEntropy(Tensor.zeros([2, 3]), Tensor.from([0, 3], [2])), /label of sample 1 must be an integer class index in \[0, 2\], got 3/);
  t.throws(() => ops.maxPool2d(x, { kernel: 3, padding: 2 }), /padding must be at most half the kernel/);
  t.throws(() => ops.reshape(x, [2, 30]), /reshape: cannot view/);
  t.throws(() => ops.conv2d(null as unknown as Tensor, w3, null), /conv2d: input must be a Tensor, got null/);
  const d = Tensor.zeros([1]); d.dispose();
  t.throws(() => ops.scale(2, d), /scale: x \[1\] was disposed/);
  t.throws(() => ops.axpy(NaN, x, x), /axpy: alpha must be a finite number/);
  const c3 = (v: number): Tensor => Tensor.full([3], v);
  t.throws(() => ops.batchNorm(x, c3(1), c3(0), c3(0), c3(1), { training: true }), /batchNorm: training mode needs saveMean and saveInvStd/);
  t.throws(() => ops.batchNormInference(x, c3(1), c3(0), c3(0), c3(1), { eps: 0 }), /batchNormInference: eps must be positive/);
  const bi = ops.batchNorm(x, c3(2), c3(1), c3(0), c3(4), { training: false, eps: 1e-9 });
  t.ok(close(bi.data(), Array.from(x.data(), (v) => v + 1)), 'batchNorm inference: 2 * x / sqrt(4) + 1');
  t.same([...ops.fill(Tensor.zeros([2]), 3).data()], [3, 3], 'fill');
  t.throws(() => ops.batchNormTrain(Tensor.zeros([1, 1, 1, 3]), c3(1), c3(0), c3(0), c3(1), c3(0), c3(0)),
    /batchNormTrain: batch statistics need more than 1 value per channel, input \[1, 1, 1, 3\] has 1/);
  const sq = Tensor.randn([1, 4, 4, 2], 4);
  t.throws(() => ops.conv2d(sq, Tensor.randn([2, 3, 3, 2], 5), null, { padding: 1 }, sq), /conv2d: out must not share storage with an input/);
  t.throws(() => ops.maxPool2d(sq, { kernel: 3, stride: 1, padding: 1 }, sq), /maxPool2d: out must not share storage/);
  t.equal(ops.add(sq, sq, sq), sq, 'elementwise ops may write in place');
});

t.test('tensors of different backends never mix', async (t) => {
  const other = await createBackend('js', { dtype: 'float32' });
  const x = Tensor.randn([1, 4, 4, 2], 1);
  const w = Tensor.randn([3, 3, 3, 2], 2, 1, 0, other);
  t.throws(() => ops.conv2d(x, w, null), /conv2d: tensor \[3, 3, 3, 2\] belongs to another instance of backend 'js', but the op runs on 'js'; copy it explicitly/);
  t.throws(() => ops.add(x, Tensor.zeros([1, 4, 4, 2], other)), /add: .* belongs to another instance of backend/);
  t.throws(() => ops.activation('relu', x, Tensor.zeros([1, 4, 4, 2], other)), /activation: .* belongs to another instance of backend/);
  const y = ops.conv2d(x, w.to(be), null);
  t.equal(y.backend, be, 'after an explicit copy it runs');
});

t.test('kernel choice and fused activation', async (t) => {
  const recs: TraceRecord[] = [];
  ops.setTracer({ record: (r) => recs.push(r) });
  try {
    const x = Tensor.randn([2, 5, 5, 4], 1);
    ops.conv2d(x, Tensor.randn([6, 1, 1, 4], 2), null);
    ops.conv2d(x, Tensor.randn([8, 3, 3, 1], 3), null, { groups: 4, padding: 1 });
    ops.conv2d(x, Tensor.randn([3, 1, 1, 4], 4), null, { stride: 2 });
    ops.conv2d(x, Tensor.randn([4, 3, 3, 2], 5), null, { groups: 2 });
    t.same(recs.map((r) => r.op), ['pwconv2d', 'dwconv2d', 'conv2d', 'conv2d'], 'pointwise / depthwise / strided 1x1 and grouped are general');
  } finally {
    ops.setTracer(null);
  }
  const x = Tensor.randn([1, 6, 5, 3], 7);
  const w = Tensor.randn([4, 3, 3, 3], 8);
  const b = Tensor.randn([4], 9);
  const fused = ops.conv2d(x, w, b, { stride: 2, padding: 1, activation: 'hardswish' });
  const plain = ops.activation('hardswish', ops.conv2d(x, w, b, { stride: 2, padding: 1 }));
  t.ok(close(fused.data(), plain.data()), 'fused epilogue = conv then activation');
  const out = Tensor.zeros(fused.shape);
  t.equal(ops.conv2d(x, w, b, { stride: 2, padding: 1 }, out), out, 'writes into the given out');
});

t.test('the tracer sees every forward op of a model, in order, with weights and params', async (t) => {
  const net = Sequential.named([
    ['conv', new Conv2d(3, 4, 3, { padding: 1, bias: false })],
    ['bn', new BatchNorm2d(4, { eps: 1e-3 })],
    ['relu', new ReLU()],
    ['pool', new MaxPool2d(2)],
    ['res', new Residual([['c', new Conv2d(4, 4, 1)]])],
    ['cat', new Concat([[['a', new Conv2d(4, 2, 1)]], []])],
    ['se', new SqueezeExcite(6, 2)],
    ['gap', new GlobalAvgPool2d()],
    ['flatten', new Flatten()],
    ['fc', new Linear(6, 3)],
  ]).eval();
  const recs: TraceRecord[] = [];
  const prev = ops.setTracer({ record: (r) => recs.push(r) });
  t.equal(prev, null);
  const x = Tensor.randn([2, 6, 6, 3], 1);
  const y = net.forward(x, { training: false });
  ops.setTracer(null);
  t.same(recs.map((r) => r.op), ['conv2d', 'batchNormInference', 'activation', 'maxPool2d', 'pwconv2d', 'add', 'pwconv2d', 'concat',
    'globalAvgPool', 'pwconv2d', 'activation', 'pwconv2d', 'activation', 'channelScale', 'globalAvgPool', 'reshape', 'dense']);
  t.equal(recs[0].inputs[0], x, 'the first op reads the model input');
  t.equal(recs[recs.length - 1].output, y, 'the last op writes the model output');
  // Every op input is the model input or an earlier op's output: the graph closes.
  const known = new Set<Tensor>([x]);
  for (const r of recs) {
    t.ok(r.inputs.every((i) => known.has(i)), `${r.op}: inputs come from earlier records`);
    known.add(r.output);
  }
  const conv = recs[0];
  t.equal(conv.weights.w, (net.get('conv') as Conv2d).weight.value);
  t.equal(conv.weights.bias, null);
  t.match(conv.params, { kH: 3, padTop: 1, inC: 3, outC: 4 });
  const bn = recs[1];
  t.same(Object.keys(bn.weights).sort(), ['beta', 'gamma', 'mean', 'variance']);
  t.match(bn.params, { eps: 1e-3, c: 4 });
  t.same((recs[5].inputs.length), 2, 'add has both inputs');
  t.equal(recs[7].inputs[1], recs[5].output, 'the identity concat branch is the residual output');
  t.same((recs[2].params as { kind: string }).kind, 'relu');
  t.same(recs[15].attrs, { shape: [2, 6] }, 'reshape carries the new shape');
  // No tracer: nothing recorded and no cost.
  net.forward(x, { training: false });
  t.equal(recs.length, 17);
});

t.test('the gradient checker itself catches a wrong backward', async (t) => {
  class Wrong extends Module {
    forward(x: Tensor, _c: ForwardContext): Tensor { return ops.scale(2, x); }
    backward(dy: Tensor): Tensor { return ops.scale(3, dy); }
    outputShape(s: Shape): number[] { return [...s]; }
  }
  const f64 = await createBackend('js', { dtype: 'float64' });
  const { setBackend } = await import('../../src/ts/core/registry.js');
  setBackend(f64);
  let failures = 0;
  const stub = { equal: (a: unknown, b: unknown) => { if (a !== b) failures++; }, ok: () => {} } as unknown as typeof t;
  gradCheck(stub, 'wrong', new Wrong(), [1, 2, 2, 1]);
  t.equal(failures, 1, 'a backward off by 3/2 is reported');
  setBackend(be);
});
