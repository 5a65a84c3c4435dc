// The memory plan: after the first training step, forward + backward + update allocate nothing
// (backend.allocated() constant), and a shape change re-plans (frees the old tensors) without leaking.
import t from 'tap';
import { useFloat32 } from './gradcheck.js';
import * as ops from '../../src/ts/core/ops.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import {
  BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU, Residual, Sequential,
  SqueezeExcite, manualSeed,
} from '../../src/ts/nn/index.js';

const backend = await useFloat32();
manualSeed(42);

function smallNet(): Sequential {
  return Sequential.named([
    ['conv1', new Conv2d(3, 8, 3, { stride: 1, padding: 1, bias: false })],
    ['bn1', new BatchNorm2d(8)],
    ['relu', new ReLU()],
    ['pool', new MaxPool2d(3, { stride: 2, padding: 1 })],
    ['block', new Residual([
      ['conv1', new Conv2d(8, 8, 3, { padding: 1, bias: false })], ['bn1', new BatchNorm2d(8)], ['relu', new ReLU()],
      ['conv2', new Conv2d(8, 12, 3, { stride: 2, padding: 1, bias: false })], ['bn2', new BatchNorm2d(12)],
    ], { shortcut: ['downsample', Sequential.named([['0', new Conv2d(8, 12, 1, { stride: 2, bias: false })], ['1', new BatchNorm2d(12)]])],
      post: ['relu', new ReLU()], dropPath: 0.2 })],
    ['mixed', new Concat([
      [['branch1x1', new Conv2d(12, 4, 1)]],
      [['branch3x3_1', new Conv2d(12, 4, 1)], ['relu', new ReLU()], ['branch3x3_2', new Conv2d(4, 6, 3, { padding: 1 })]],
      [['branch_pool', new MaxPool2d(3, { stride: 1, padding: 1 })]],
    ])],
    ['se', new SqueezeExcite(22, 6)],
    ['avgpool', new GlobalAvgPool2d()],
    ['flatten', new Flatten()],
    ['dropout', new Dropout(0.2)],
    ['fc', new Linear(22, 5)],
  ]);
}

t.test('20 training steps allocate nothing after the first', async (t) => {
  const net = smallNet();
  const n = 4;
  const x = Tensor.randn([n, 9, 9, 3], 1);
  const labels = Tensor.from([0, 1, 2, 3], [n]);
  const probs = new Tensor(backend, [n, 5]);
  const loss = new Tensor(backend, [n]);
  const dlogits = new Tensor(backend, [n, 5]);
  const velocity = new Map<string, Tensor>();
  const counts: number[] = [];
  const losses: number[] = [];
  for (let step = 1; step <= 20; step++) {
    const ctx = { training: true, seed: step };
    const logits = net.forward(x, ctx);
    ops.softmaxCrossEntropy(logits, labels, 0, { probs, loss });
    losses.push([...loss.data()].reduce((a, b) => a + b, 0) / n);
    ops.softmaxCrossEntropyBackward(probs, labels, 0, 1 / n, dlogits);
    net.backward(dlogits);
    for (const [name, p] of net.namedParameters()) {
      let v = velocity.get(name);
      if (!v) { v = Tensor.zeros(p.value.shape, backend); velocity.set(name, v); }
      ops.sgdUpdate(p.value, p.gradTensor(), v, { lr: 0.1, momentum: 0.9 });
    }
    counts.push(backend.allocated());
  }
  t.ok(counts[0] > 0, `first step allocated ${counts[0]} scalars`);
  t.same(counts.slice(1), new Array(19).fill(counts[1]), 'allocated() constant from step 2 on');
  t.equal(counts[1], counts[0], 'and equal to after step 1 (everything planned in the first step)');
  t.ok(losses.every(Number.isFinite), 'finite losses');
  t.ok(losses[19] < losses[0] * 0.5, `loss falls on a fixed batch (${losses[0].toFixed(3)} -> ${losses[19].toFixed(3)})`);

  // Eval forwards reuse the same output tensors too.
  net.eval();
  const before = backend.allocated();
  net.forward(x, { training: false });
  net.forward(x, { training: false });
  t.equal(backend.allocated(), before, 'inference forwards allocate nothing more');

  // A new input shape re-plans: the old tensors are freed, so the total stays bounded.
  net.train();
  const x2 = Tensor.randn([2, 7, 7, 3], 2);
  const d2 = Tensor.randn([2, 5], 3);
  net.forward(x2, { training: true, seed: 1 });
  net.backward(d2);
  const afterReplan = backend.allocated();
  net.forward(x, { training: true, seed: 1 });
  net.backward(dlogits);
  net.forward(x2, { training: true, seed: 1 });
  net.backward(d2);
  t.equal(backend.allocated(), afterReplan, 'switching shapes back and forth does not grow memory');

  // dispose frees everything the net holds (params, grads, buffers, plans).
  const extra = x.size + labels.size + probs.size + loss.size + dlogits.size + x2.size + d2.size +
    [...velocity.values()].reduce((s, v) => s + v.size, 0);
  net.dispose();
  t.equal(backend.allocated(), extra, 'dispose() returns every scalar the net held');
  for (const v of [x, labels, probs, loss, dlogits, x2, d2, ...velocity.values()]) v.dispose();
  t.equal(backend.allocated(), 0, 'nothing leaked');
});
