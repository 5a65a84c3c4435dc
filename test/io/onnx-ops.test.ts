// ONNX export of every traced op, checked against onnxruntime-node on awkward shapes (independent of
// nn and the architectures: a hand-made module calls core/ops directly).
import t from 'tap';
import '../../src/ts/backends/js/index.js';
import { initBackend } from '../../src/ts/core/registry.js';
import * as ops from '../../src/ts/core/ops.js';
import { ACTIVATIONS } from '../../src/ts/core/backend.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { Module, Parameter } from '../../src/ts/nn/module.js';
import type { ForwardContext } from '../../src/ts/nn/module.js';
import type { Shape } from '../../src/ts/core/shape.js';
import { decodeOnnx, exportOnnx } from '../../src/ts/io/onnx.js';
import { maxRelError, nhwcToNchw, runOrt } from './ort-util.js';

await initBackend('js');

/** A module whose forward is an arbitrary function of ops (parameters registered so they get names). */
class Graph extends Module {
  private seed = 100;
  constructor(private readonly fn: (g: Graph, x: Tensor) => Tensor, readonly inputChannels = 3) { super(); }
  p(name: string, shape: number[], lo = -0.5, hi = 0.5): Tensor {
    let par = this.params.get(name);
    if (!par) par = this.addParam(name, new Parameter(Tensor.uniform(shape, this.seed++, lo, hi)));
    return par.value;
  }
  forward(x: Tensor, _ctx: ForwardContext): Tensor { return this.fn(this, x); }
  backward(dy: Tensor): Tensor { return dy; }
  outputShape(input: Shape): number[] { return [...input]; }
}

async function check(t: Tap.Test, name: string, size: number, fn: (g: Graph, x: Tensor) => Tensor, c = 3, hw?: [number, number]): Promise<void> {
  const g = new Graph(fn, c);
  // Build the parameters with a first forward, then export (which traces a second one).
  const [h, w] = hw ?? [size, size];
  const x = Tensor.uniform([2, h, w, c], 3, -1, 1);
  const bytes = exportOnnx(g, { inputSize: size, inputChannels: c, ...(hw ? {} : {}) });
  const y = g.forward(x, { training: false });
  const ours = y.toFloat32();
  const ref = y.shape.length === 4 ? nhwcToNchw(ours, y.shape[0], y.shape[1], y.shape[2], y.shape[3]) : ours;
  const res = await runOrt(bytes, nhwcToNchw(x.toFloat32(), 2, h, w, c), [2, c, h, w]);
  const want = y.shape.length === 4 ? [y.shape[0], y.shape[3], y.shape[1], y.shape[2]] : [...y.shape];
  t.same([...res.dims], want, `${name}: output dims`);
  const err = maxRelError(res.data, ref);
  t.ok(err <= 1e-5, `${name}: onnxruntime matches (max rel err ${err.toExponential(2)})`);
}
import type { Test as TapTest } from 'tap';
declare namespace Tap { type Test = TapTest; }

t.test('conv variants: groups, dilation, stride, asymmetric same padding, fused activation', async (t) => {
  await check(t, 'conv 3x3 s2 same (asymmetric)', 9, (g, x) => ops.conv2d(x, g.p('w', [5, 3, 3, 3]), g.p('b', [5]), { stride: 2, padding: 'same' }));
  await check(t, 'conv 4x2 dilated, padding [t,b,l,r]', 11, (g, x) =>
    ops.conv2d(x, g.p('w', [4, 4, 2, 3]), null, { dilation: [2, 1], padding: [1, 2, 0, 1], activation: 'relu6' }));
  await check(t, 'grouped conv', 7, (g, x) => ops.conv2d(x, g.p('w', [6, 3, 3, 2]), g.p('b', [6]), { groups: 2, padding: 1 }), 4);
  await check(t, 'depthwise x2 multiplier', 8, (g, x) => ops.conv2d(x, g.p('w', [8, 5, 5, 1]), g.p('b', [8]), { groups: 4, padding: 2, stride: 2 }), 4);
  await check(t, 'pointwise + silu', 5, (g, x) => ops.conv2d(x, g.p('w', [7, 1, 1, 3]), g.p('b', [7]), { activation: 'silu' }));
});

t.test('batch norm and every activation', async (t) => {
  for (const kind of ACTIVATIONS) {
    await check(t, `bn + ${kind}`, 5, (g, x) => {
      const y = ops.batchNormInference(ops.conv2d(x, g.p('w', [4, 3, 3, 3], -2, 2), null, { padding: 1 }),
        g.p('gamma', [4], 0.5, 2), g.p('beta', [4], -1, 1), g.p('mean', [4], -0.5, 0.5), g.p('var', [4], 0.5, 2), { eps: 1e-3 });
      return ops.activation(kind, y);
    });
  }
});

t.test('pools: ceil mode, padding, count_include_pad', async (t) => {
  await check(t, 'maxpool 3 s2 ceil', 8, (_g, x) => ops.maxPool2d(x, { kernel: 3, stride: 2, ceilMode: true }));
  await check(t, 'maxpool 3 s2 pad1', 9, (_g, x) => ops.maxPool2d(x, { kernel: 3, stride: 2, padding: 1 }));
  await check(t, 'maxpool 3 s1 pad1 ceil (googlenet)', 7, (_g, x) => ops.maxPool2d(x, { kernel: 3, stride: 1, padding: 1, ceilMode: true }));
  await check(t, 'avgpool 3 s1 pad1 include pad', 6, (_g, x) => ops.avgPool2d(x, { kernel: 3, stride: 1, padding: 1 }));
  await check(t, 'avgpool 3 s2 pad1 exclude pad', 7, (_g, x) => ops.avgPool2d(x, { kernel: 3, stride: 2, padding: 1, countIncludePad: false }));
  await check(t, 'avgpool 2 s2 ceil', 7, (_g, x) => ops.avgPool2d(x, { kernel: 2, stride: 2, ceilMode: true }));
  await check(t, 'avgpool 3 s2 pad1 ceil include pad', 8, (_g, x) => ops.avgPool2d(x, { kernel: 3, stride: 2, padding: 1, ceilMode: true }));
  await check(t, 'avgpool 3 s2 same (asymmetric) include pad', 8, (_g, x) => ops.avgPool2d(x, { kernel: 3, stride: 2, padding: 'same' }));
  await check(t, 'avgpool 2 s2 pads [0,1,0,1] include pad', 7, (_g, x) => ops.avgPool2d(x, { kernel: 2, stride: 2, padding: [0, 1, 0, 1] }));
});

t.test('flatten in NHWC order + dense, global pool, add, concat, squeeze-excite', async (t) => {
  await check(t, 'flatten (h,w > 1) + dense', 6, (g, x) => {
    const y = ops.maxPool2d(ops.conv2d(x, g.p('w', [4, 3, 3, 3]), null, { padding: 1 }), { kernel: 2 });
    const f = ops.reshape(y, [y.shape[0], y.shape[1] * y.shape[2] * y.shape[3]]);
    return ops.dense(f, g.p('fc', [5, 36]), g.p('fcb', [5]));
  });
  await check(t, 'gap + flatten + dense', 5, (g, x) => {
    const y = ops.globalAvgPool(x);
    return ops.dense(ops.reshape(y, [y.shape[0], 3]), g.p('fc', [4, 3]), null);
  });
  await check(t, 'residual add + concat', 5, (g, x) => {
    const a = ops.conv2d(x, g.p('w1', [3, 3, 3, 3]), null, { padding: 1 });
    const s = ops.add(a, x);
    const b = ops.conv2d(x, g.p('w2', [2, 1, 1, 3]), null);
    return ops.concat([s, b, a]);
  });
  await check(t, 'squeeze-excite: [n,1,1,c] and [n,c] scales', 6, (g, x) => {
    const y = ops.conv2d(x, g.p('w', [8, 3, 3, 3]), null, { padding: 1 });
    const s = ops.globalAvgPool(y);
    const f1 = ops.activation('relu', ops.conv2d(s, g.p('fc1', [2, 1, 1, 8]), g.p('fc1b', [2])));
    const f2 = ops.activation('sigmoid', ops.conv2d(f1, g.p('fc2', [8, 1, 1, 2]), g.p('fc2b', [8])));
    const z = ops.channelScale(y, f2);
    const s2 = ops.activation('hardsigmoid', ops.reshape(ops.globalAvgPool(z), [z.shape[0], 8]));
    return ops.channelScale(z, s2);
  });
});

t.test('model structure: opset 17, named initializers in OIHW, NCHW input', async (t) => {
  const g = new Graph((m, x) => ops.conv2d(x, m.p('features.0.weight', [4, 3, 2, 3]), m.p('features.0.bias', [4])));
  g.forward(Tensor.zeros([1, 8, 8, 3]), { training: false }); // creates the (lazily made) parameters
  const info = decodeOnnx(exportOnnx(g, { inputSize: 8 }));
  t.equal(info.opset, 17);
  t.equal(info.irVersion, 8);
  t.same(info.opTypes, ['Conv']);
  t.same(info.inputs, ['input']);
  t.same(info.outputs, ['output']);
  t.same(info.initializers, [{ name: 'features.0.weight', dims: [4, 3, 3, 2] }, { name: 'features.0.bias', dims: [4] }]);
});

t.test('untraced computation is reported, not silently exported wrong', async (t) => {
  const g = new Graph((m, x) => {
    const detached = Tensor.from(x.toFloat32(), x.shape); // computed outside ops
    return ops.add(detached, x);
  });
  t.throws(() => exportOnnx(g, { inputSize: 4 }), /onnx export: op 'add' reads a tensor/);
});

t.test('adaptive average pool with uneven windows (the adaptiveAvgPool2d kernel) exports as a pooling matrix', async (t) => {
  const { AdaptiveAvgPool2d } = await import('../../src/ts/nn/pool.js');
  const pools = new Map<string, InstanceType<typeof AdaptiveAvgPool2d>>();
  const pool = (k: string, h: number, w = h): InstanceType<typeof AdaptiveAvgPool2d> => {
    if (!pools.has(k)) pools.set(k, new AdaptiveAvgPool2d(h, w));
    return pools.get(k)!;
  };
  await check(t, '5x5 -> 3x3 after a conv', 5, (g, x) => pool('a', 3).forward(ops.conv2d(x, g.p('w', [4, 3, 3, 3]), null, { padding: 1 }), { training: false }));
  await check(t, '14x14 -> 4x4 (GoogLeNet aux)', 14, (_g, x) => pool('b', 4).forward(x, { training: false }), 2);
  await check(t, '1x1 -> 7x7 (VGG head on a small input) then dense', 1, (g, x) => {
    const y = pool('c', 7).forward(x, { training: false });
    return ops.dense(ops.reshape(y, [y.shape[0], 49 * 3]), g.p('w', [5, 49 * 3]), g.p('b', [5]));
  });
});
