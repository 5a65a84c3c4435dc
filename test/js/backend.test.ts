// The js backend's memory accounting and its error paths: wrong buffers are ConvnetsErrors naming the
// kernel and the buffer (never an out-of-bounds read turning into NaN), bad labels name the sample.
import t from 'tap';
import type { Buf } from '../../src/ts/core/backend.js';
import { conv2dParams, pool2dParams } from '../../src/ts/core/shape.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { throwsNaming } from '../helpers/assert.js';

t.test('memory: allocated() counts live scalars; free, double free, foreign buffers', async (tt) => {
  const b = new JsBackend();
  tt.equal(b.allocated(), 0);
  const x = b.alloc(10), y = b.alloc(5);
  tt.equal(b.allocated(), 15, 'counts scalars');
  b.write(x, [1, 2, 3], 4);
  tt.same(Array.from(b.read(x)).slice(3, 8), [0, 1, 2, 3, 0], 'write at an offset');
  throwsNaming(tt, () => b.write(y, [1, 2, 3], 3), [/^write: buffer has 5 elements, expected at least 6/], 'write past the end');
  const r = b.read(x);
  r[0] = 99;
  tt.equal(b.read(x)[0], 0, 'read returns a copy');
  b.fill(y, 2.5);
  tt.same(Array.from(b.read(y)), [2.5, 2.5, 2.5, 2.5, 2.5], 'fill');
  throwsNaming(tt, () => b.copy(x, y), [/^copy: dst has 5 elements, expected 10/], 'copy between different lengths');
  b.free(x);
  tt.equal(b.allocated(), 5, 'free gives back');
  throwsNaming(tt, () => b.free(x), [/^free: buffer was already freed/], 'double free');
  throwsNaming(tt, () => b.read(x), [/^read: buffer was freed/], 'read after free');
  throwsNaming(tt, () => b.alloc(-1), [/^alloc: length must be a non-negative integer, got -1/], 'negative alloc');
  const foreign = { length: 5 } as Buf;
  throwsNaming(tt, () => b.fill(foreign, 0), [/^fill: buffer is not a js backend buffer/], 'a buffer of another backend');
  b.free(y);
  tt.equal(b.allocated(), 0);
  tt.type(new JsBackend({ dtype: 'float64' }).read(new JsBackend({ dtype: 'float64' }).alloc(1)), Float64Array, 'float64 buffers');
});

t.test('kernels check buffer lengths and name kernel and buffer', async (tt) => {
  const b = new JsBackend();
  const p = conv2dParams([1, 5, 5, 3], [4, 3, 3, 3], { padding: 1 });
  const x = b.alloc(75), w = b.alloc(108), y = b.alloc(100), short = b.alloc(107);
  b.conv2d(p, x, w, null, y);
  tt.pass('right sizes run');
  throwsNaming(tt, () => b.conv2d(p, x, short, null, y), [/^conv2d: w has 107 elements, expected 108/], 'short filter');
  throwsNaming(tt, () => b.conv2dBackwardFilter(p, x, y, w, short), [/^conv2dBackwardFilter: dbias has 107 elements, expected 4/], 'wrong dbias');
  throwsNaming(tt, () => b.dwconv2d(p, x, w, null, y), [/^dwconv2d: needs groups === inC/], 'non-depthwise params to dwconv2d');
  throwsNaming(tt, () => b.pwconv2d(p, x, w, null, y), [/^pwconv2d: needs a 1x1 kernel/], '3x3 params to pwconv2d');
  throwsNaming(tt, () => b.conv2d({ ...p, strideH: 0 }, x, w, null, y), [/^conv2d: params.strideH must be a positive integer, got 0/], 'bad params');
  const pp = pool2dParams([1, 5, 5, 3], { kernel: 2 });
  throwsNaming(tt, () => b.maxPool2d(pp, x, y), [/^maxPool2d: y has 100 elements, expected 12/], 'pool output size');
  throwsNaming(tt, () => b.avgPool2d({ ...pp, outH: 5 }, x, b.alloc(15)), [/^avgPool2d: a window would lie entirely in padding/], 'window outside input');
  throwsNaming(tt, () => b.dense({ n: 2, inF: 3, outF: 4 }, b.alloc(6), b.alloc(12), b.alloc(3), b.alloc(8)),
    [/^dense: bias has 3 elements, expected 4/], 'dense bias');
  throwsNaming(tt, () => b.add(10, x, short, b.alloc(5)), [/^add: y has 5 elements, expected at least 10/], 'add output too short');
  throwsNaming(tt, () => b.activation('swish' as 'relu', 1, x, y), [/^activation: unknown kind 'swish'/], 'unknown activation');
  throwsNaming(tt, () => b.concat({ rows: 2, channels: [1, 2] }, [b.alloc(2)], b.alloc(6)), [/^concat: 1 input buffers for 2 channel counts/], 'concat parts');
  throwsNaming(tt, () => b.dropoutMask(4, 1, 0, b.alloc(4)), [/^dropoutMask: rate must be in \[0, 1\), got 1/], 'dropout rate 1');
  const bn = { rows: 1, c: 2, eps: 1e-5, momentum: 0.1 };
  const c2 = () => b.alloc(2);
  throwsNaming(tt, () => b.batchNormTrain(bn, c2(), c2(), c2(), c2(), c2(), c2(), c2(), c2()),
    [/^batchNormTrain: training needs more than 1 value per channel \(rows = n\*h\*w = 1\)/], 'BN train on one value per channel');
  throwsNaming(tt, () => b.adamwUpdate({ length: 1, lr: 1, beta1: 0.9, beta2: 0.9, eps: 1, weightDecay: 0, step: 0 }, c2(), c2(), c2(), c2()),
    [/^adamwUpdate: params.step must be an integer >= 1/], 'AdamW step 0');
});

t.test('softmax cross-entropy validates labels and names the sample', async (tt) => {
  const b = new JsBackend();
  const p = { n: 3, classes: 4, smoothing: 0 };
  const logits = b.alloc(12), probs = b.alloc(12), loss = b.alloc(3), d = b.alloc(12);
  const labels = (v: number[]) => { const l = b.alloc(3); b.write(l, v); return l; };
  b.softmaxCrossEntropy(p, logits, labels([0, 3, 2]), probs, loss);
  tt.same(Array.from(b.read(loss)).map((v) => +v.toFixed(6)), [1, 1, 1].map(() => +Math.log(4).toFixed(6)), 'uniform logits: loss ln 4');
  throwsNaming(tt, () => b.softmaxCrossEntropy(p, logits, labels([0, 4, 2]), probs, loss),
    [/^softmaxCrossEntropy: label of sample 1 must be an integer class index in \[0, 3\], got 4/], 'label out of range');
  throwsNaming(tt, () => b.softmaxCrossEntropy(p, logits, labels([0, 1, 1.5]), probs, loss), [/label of sample 2 .* got 1\.5/], 'fractional label');
  throwsNaming(tt, () => b.softmaxCrossEntropyBackward(p, probs, labels([-1, 1, 1]), 1, d), [/^softmaxCrossEntropyBackward: label of sample 0/],
    'negative label in backward');
  throwsNaming(tt, () => b.softmaxCrossEntropy(p, logits, labels([NaN, 1, 1]), probs, loss), [/label of sample 0 .* got NaN/], 'NaN label');
});

t.test('aliasing: outputs may alias inputs for elementwise kernels', async (tt) => {
  const b = new JsBackend();
  const a = b.alloc(3), c = b.alloc(3);
  b.write(a, [1, 2, 3]); b.write(c, [10, 20, 30]);
  b.add(3, a, c, c);
  b.scale(3, 2, c, c);
  b.mul(3, c, a, a);
  b.activation('relu6', 3, a, a);
  tt.same(Array.from(b.read(a)), [6, 6, 6], 'add, scale, mul and activation in place');
});
