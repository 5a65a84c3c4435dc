// The whole-step memory planner (nn/memory.ts): planned steps give the very same losses and gradients
// as unplanned ones (js float32, bit for bit), allocate one arena and nothing after, hold less than one
// tensor per request, and recomputation (checkpoint segments) changes no bit of the gradients.
import t from 'tap';
import type { Test } from 'tap';
import { useFloat32 } from './gradcheck.js';
import * as ops from '../../src/ts/core/ops.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import type { Backend } from '../../src/ts/core/backend.js';
import {
  BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, MemoryPlanner, ReLU, Residual,
  Sequential, SqueezeExcite, assignOffsets, manualSeed, setRecompute, DenseBlock,
} from '../../src/ts/nn/index.js';
import type { Module } from '../../src/ts/nn/index.js';

const backend = await useFloat32();
/** `npx tap test/nn/memory_planner.test.ts`: the arena of smallNet's training step at [4, 12, 12, 3], in scalars. */
const PLANNED_PEAK = 28816;

function block(c: number, salt: string): Residual {
  void salt;
  return new Residual([
    ['conv1', new Conv2d(c, c, 3, { padding: 1, bias: false })], ['bn1', new BatchNorm2d(c)], ['relu', new ReLU()],
    ['conv2', new Conv2d(c, c, 3, { padding: 1, bias: false })], ['bn2', new BatchNorm2d(c)],
  ], { post: ['relu', new ReLU()], dropPath: 0.1 });
}

/** A fixed small model touching every container and in-place path. */
export function smallNet(): Sequential {
  manualSeed(7);
  return Sequential.named([
    ['conv1', new Conv2d(3, 8, 3, { padding: 1, bias: false })], ['bn1', new BatchNorm2d(8)], ['relu', new ReLU()],
    ['pool', new MaxPool2d(3, { stride: 2, padding: 1 })],
    ['layer1', Sequential.named([['0', block(8, 'a')], ['1', block(8, 'b')], ['2', block(8, 'c')]])],
    ['down', new Residual([
      ['conv1', new Conv2d(8, 12, 3, { stride: 2, padding: 1, bias: false })], ['bn1', new BatchNorm2d(12)],
    ], { shortcut: ['downsample', Sequential.named([['0', new Conv2d(8, 12, 1, { stride: 2, bias: false })], ['1', new BatchNorm2d(12)]])],
      post: ['relu', new ReLU()] })],
    ['mixed', new Concat([
      [['b1', new Conv2d(12, 4, 1)]],
      [['b2', new Conv2d(12, 4, 1)], ['relu', new ReLU()], ['b3', new Conv2d(4, 6, 3, { padding: 1 })]],
      [['pool', new MaxPool2d(3, { stride: 1, padding: 1 })]],
    ])],
    ['se', new SqueezeExcite(22, 6)],
    ['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()], ['dropout', new Dropout(0.2)], ['fc', new Linear(22, 5)],
  ]);
}

interface Run { losses: number[]; grads: Float32Array[]; allocated: number[]; }

/** `steps` SGD steps on a fixed batch; planned through `planner` when given. */
function train(net: Module, be: Backend, steps: number, planner: MemoryPlanner | null): Run {
  const n = 4;
  const x = Tensor.randn([n, 12, 12, 3], 1, 1, 0, be);
  const labels = Tensor.from([0, 1, 2, 3], [n], be);
  const probs = new Tensor(be, [n, 5]), loss = new Tensor(be, [n]), dlogits = new Tensor(be, [n, 5]);
  const velocity = new Map<string, Tensor>();
  const out: Run = { losses: [], grads: [], allocated: [] };
  for (let s = 1; s <= steps; s++) {
    const body = (): void => {
      const logits = net.forward(x, { training: true, seed: s, noInputGrad: x });
      ops.softmaxCrossEntropy(logits, labels, 0, { probs, loss });
      ops.softmaxCrossEntropyBackward(probs, labels, 0, 1 / n, dlogits);
      net.backward(dlogits);
    };
    if (planner) planner.run(`train ${x.shape}`, be, body); else body();
    out.losses.push([...loss.data()].reduce((a, b) => a + b, 0));
    if (s === steps) out.grads = [...net.namedParameters()].map(([, p]) => p.gradTensor().toFloat32());
    for (const [name, p] of net.namedParameters()) {
      let v = velocity.get(name);
      if (!v) { v = Tensor.zeros(p.value.shape, be); velocity.set(name, v); }
      ops.sgdUpdate(p.value, p.gradTensor(), v, { lr: 0.05, momentum: 0.9 });
    }
    out.allocated.push(be.allocated());
  }
  for (const v of [x, labels, probs, loss, dlogits, ...velocity.values()]) v.dispose();
  return out;
}

function sameBits(t: Test, a: Run, b: Run, what: string): void {
  t.same(a.losses, b.losses, `${what}: the same losses, bit for bit`);
  t.equal(a.grads.length, b.grads.length);
  let diff = 0;
  a.grads.forEach((g, i) => { for (let k = 0; k < g.length; k++) if (!Object.is(g[k], b.grads[i][k])) diff++; });
  t.equal(diff, 0, `${what}: every gradient element identical after the last step`);
}

t.test('planned steps: same bits as unplanned, one arena, nothing allocated after the first step', async (t) => {
  // The reference: unplanned, and with a tracer installed, which turns the in-place paths off (the
  // behaviour before the planner).
  const ref = smallNet();
  const prev = ops.setTracer({ record: () => undefined });
  const a = train(ref, backend, 4, null);
  ops.setTracer(prev);
  ref.dispose();
  const net = smallNet();
  const planner = new MemoryPlanner();
  const b = train(net, backend, 4, planner);
  sameBits(t, a, b, 'planned');
  t.same(b.allocated.slice(1), [b.allocated[0], b.allocated[0], b.allocated[0]], 'allocated() constant from the first step');
  const s = planner.schedule(`js:train 4,12,12,3`);
  t.ok(s, 'the step was planned');
  t.ok(s!.peak < s!.unplanned / 2, `arena ${s!.peak} scalars < half of one buffer per tensor (${s!.unplanned})`);
  t.ok(s!.peak >= s!.liveBound, `arena ${s!.peak} >= live bound ${s!.liveBound}`);
  // The planned peak of this fixed model: a number that may only go down as the planner improves.
  t.equal(s!.peak, PLANNED_PEAK, 'planned peak of the fixed small model');
  planner.dispose();
  net.dispose();
});

t.test('recomputation changes no bit of losses and gradients and lowers the peak', async (t) => {
  const ref = smallNet();
  const pa = new MemoryPlanner();
  const a = train(ref, backend, 3, pa);
  const peak0 = pa.schedule('js:train 4,12,12,3')!.peak;
  ref.dispose(); pa.dispose();
  const net = smallNet();
  t.equal(setRecompute(net, 1), 1, 'one stage (layer1)');
  const pb = new MemoryPlanner();
  const b = train(net, backend, 3, pb);
  sameBits(t, a, b, 'recomputed');
  const peak1 = pb.schedule('js:train 4,12,12,3')!.peak;
  t.ok(peak1 < peak0, `peak with recomputation ${peak1} < ${peak0}`);
  // Running statistics move once per step, as without recomputation.
  pb.dispose(); net.dispose();
});

t.test('assignOffsets: overlapping lifetimes never share storage, disjoint ones do', async (t) => {
  const e = (start: number, end: number, size: number) => ({ key: `${start}`, shape: [size], size, start, end, offset: -1 });
  const es = [e(0, 3, 32), e(1, 2, 16), e(4, 6, 32), e(5, 7, 16)];
  const peak = assignOffsets(es);
  t.equal(peak, 48, 'two 32+16 phases share one 48-scalar arena');
  for (const a of es) for (const b of es) {
    if (a !== b && a.start <= b.end && b.start <= a.end) t.ok(a.offset + a.size <= b.offset || b.offset + b.size <= a.offset, 'no overlap');
  }
});


t.test('DenseBlock (memory-efficient or not) = a chain of Concat layers, bit for bit, with a smaller arena', async (t) => {
  const branch = (inC: number): [string, Module][] => [
    ['norm1', new BatchNorm2d(inC)], ['relu1', new ReLU()], ['conv1', new Conv2d(inC, 8, 1, { bias: false })],
    ['norm2', new BatchNorm2d(8)], ['relu2', new ReLU()], ['conv2', new Conv2d(8, 4, 3, { padding: 1, bias: false })],
  ];
  const chain = (): Sequential => { manualSeed(3); return Sequential.named([0, 1, 2, 3].map((i) => [`denselayer${i + 1}`, new Concat([[], branch(6 + 4 * i)])])); };
  const block = (efficient: boolean): DenseBlock => {
    manualSeed(3);
    return new DenseBlock([0, 1, 2, 3].map((i) => [`denselayer${i + 1}`, Sequential.named(branch(6 + 4 * i))] as [string, Sequential]), { memoryEfficient: efficient });
  };
  const x = Tensor.randn([2, 5, 5, 6], 4), dy = Tensor.randn([2, 5, 5, 22], 5);
  const run = (m: Module, planner: MemoryPlanner | null): { y: number[]; dx: number[]; g: number[][]; names: string[] } => {
    let y: number[] = [], dx: number[] = [];
    const body = (): void => { y = [...m.forward(x, { training: true, seed: 1 }).data()]; dx = [...m.backward(dy).data()]; };
    if (planner) planner.run('dense', backend, body); else body();
    return { y, dx, g: [...m.namedParameters()].map(([, p]) => [...p.gradTensor().data()]), names: [...m.namedParameters()].map(([n]) => n) };
  };
  const ref = run(chain(), null);
  t.ok(ref.names.includes('denselayer3.norm1.weight'), 'torchvision names');
  const peaks: number[] = [];
  for (const efficient of [false, true]) {
    const p = new MemoryPlanner();
    const m = block(efficient);
    run(m, p);
    const r = run(m, p);
    t.same(r.names, ref.names, 'same parameter names');
    t.same(r.y, ref.y, `efficient ${efficient}: same output`);
    t.same(r.dx, ref.dx, `efficient ${efficient}: same input gradient`);
    t.same(r.g, ref.g, `efficient ${efficient}: same parameter gradients`);
    peaks.push(p.schedule('js:dense')!.peak);
    p.dispose(); m.dispose();
  }
  t.ok(peaks[1] < peaks[0], `memory-efficient arena ${peaks[1]} < ${peaks[0]} scalars`);
});

t.test('a backend without views: the planner falls back to one buffer per tensor, same bits, no arena', async (t) => {
  const ref = smallNet();
  const a = train(ref, backend, 2, new MemoryPlanner());
  ref.dispose();
  const { JsBackend } = await import('../../src/ts/backends/js/index.js');
  const be = new JsBackend();
  (be as unknown as { view: unknown }).view = () => { throw new ConvnetsError('view: not in this build'); };
  const { setBackend } = await import('../../src/ts/core/registry.js');
  setBackend(be);
  const net = smallNet();
  const p = new MemoryPlanner();
  const b = train(net, be, 2, p);
  setBackend(backend);
  sameBits(t, a, b, 'without views');
  t.equal(p.allocated(), 0, 'no arena held');
  t.equal(b.allocated[1], b.allocated[0], 'nothing allocated after the first step');
  p.dispose(); net.dispose();
  t.equal(be.allocated(), 0, 'everything freed');
});
