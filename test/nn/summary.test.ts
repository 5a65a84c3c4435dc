// Summary numbers on tiny hand-computable models.
import t from 'tap';
import { useFloat32 } from './gradcheck.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import {
  BatchNorm2d, Concat, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Residual, Sequential, SqueezeExcite, summary, formatSummary,
} from '../../src/ts/nn/index.js';

await useFloat32();

t.test('three stacked 3x3 convs: params, MACs, receptive field 7, memory', async (t) => {
  const m = Sequential.named([
    ['c1', new Conv2d(3, 4, 3, { padding: 1 })], // 4*27 + 4 = 112 params; 8*8*4*27 = 6912 MACs
    ['c2', new Conv2d(4, 4, 3, { bias: false })], // 144 params; 6*6*4*36 = 5184 MACs
    ['c3', new Conv2d(4, 2, 3, { padding: 1, bias: false })], // 72 params; 6*6*2*36 = 2592 MACs
    ['bn', new BatchNorm2d(2)], // 4 params, 4 buffers
    ['flatten', new Flatten()],
    ['fc', new Linear(72, 3)], // 219 params, 216 MACs
  ]);
  const s = summary(m, [2, 8, 8, 3]);
  t.same(s.layers.map((l) => l.name), ['c1', 'c2', 'c3', 'bn', 'flatten', 'fc']);
  t.same(s.layers.map((l) => l.params), [112, 144, 72, 4, 0, 219]);
  t.same(s.layers.map((l) => l.macs), [6912, 5184, 2592, 0, 0, 216]);
  t.same(s.layers[1].outputShape, [2, 6, 6, 4], 'shapes carry the batch');
  t.equal(s.params, 112 + 144 + 72 + 4 + 219);
  t.equal(s.buffers, 4);
  t.equal(s.macs, 6912 + 5184 + 2592 + 216, 'MACs per image (batch does not multiply)');
  t.equal(s.receptiveField, 7, 'three 3x3 convs see 7x7');
  t.same(s.outputShape, [2, 3]);
  // Inference peak: c1's input (192) + output (256) per image; x batch 2 x 4 bytes.
  t.equal(s.activationBytes.inference, (192 + 256) * 2 * 4);
  // Training: input + every output (flatten is a view): 192 + 256 + 144 + 72 + 72 + 3.
  t.equal(s.activationBytes.training, (192 + 256 + 144 + 72 + 72 + 3) * 2 * 4);
  m.freeze();
  t.equal(summary(m, [1, 8, 8, 3]).trainableParams, 0, 'frozen params are not trainable');
  t.match(formatSummary(s, 'tiny'), /params: 551/);
});

t.test('receptive field through strides, pools, dilation, residual and concat', async (t) => {
  const strided = new Sequential(new Conv2d(1, 1, 3, { stride: 2 }), new Conv2d(1, 1, 3));
  t.equal(summary(strided, [1, 11, 11, 1]).receptiveField, 7, '3x3 s2 then 3x3: 3 + 2*2');
  const pooled = new Sequential(new MaxPool2d(2), new Conv2d(1, 1, 3), new Conv2d(1, 1, 3, { dilation: 2, padding: 2 }));
  t.equal(summary(pooled, [1, 12, 12, 1]).receptiveField, 2 + 2 * 2 + 4 * 2, 'pool 2, conv 3, dilated conv 3');
  const asym = new Sequential(new Conv2d(1, 1, [1, 7], { padding: [0, 3] }), new Conv2d(1, 1, [3, 1], { padding: [1, 0] }));
  t.same(summary(asym, [1, 8, 8, 1]).receptiveFieldHW, [3, 7], 'per-axis for 1x7 / 3x1');
  const res = new Residual([['a', new Conv2d(1, 1, 3, { padding: 1 })], ['b', new Conv2d(1, 1, 3, { padding: 1 })]],
    { shortcut: ['down', new Conv2d(1, 1, 1)] });
  t.equal(summary(res, [1, 6, 6, 1]).receptiveField, 5, 'residual: the deeper main path');
  const cat = new Concat([[['x', new Conv2d(1, 1, 1)]], [['y', new Conv2d(1, 1, 5, { padding: 2 })]], []]);
  t.equal(summary(cat, [1, 6, 6, 1]).receptiveField, 5, 'concat: the widest branch');
});

t.test('inference live set keeps skip tensors alive', async (t) => {
  // x 32 elems; main conv 32; identity skip: x + main out + sum = 96 at the add.
  const res = new Residual([['conv', new Conv2d(2, 2, 3, { padding: 1 })]], { post: new ReLU() });
  const s = summary(res, [1, 4, 4, 2], { batch: 3 });
  t.equal(s.activationBytes.inference, 96 * 3 * 4);
  t.same(s.layers.map((l) => l.type), ['Conv2d', 'Add', 'ReLU']);
  // Concat: input 16 (1x4x4x1) kept while branch 1 (16) and branch 2 (conv 16) run; output 48 with the identity branch.
  const cat = new Concat([[['a', new Conv2d(1, 1, 1)]], [['b', new Conv2d(1, 1, 3, { padding: 1 })]], []]);
  t.equal(summary(cat, [1, 4, 4, 1]).activationBytes.inference, (16 + 16 + 16 + 48) * 4);
});

t.test('squeeze-excite counts its 1x1 convs as MACs and keeps the input alive', async (t) => {
  const se = new SqueezeExcite(8, 2);
  const s = summary(se, [1, 5, 5, 8]);
  t.equal(s.params, 8 * 2 + 2 + 2 * 8 + 8);
  t.equal(s.macs, 8 * 2 + 2 * 8, 'fc1 + fc2 on a 1x1 map');
  t.same(s.layers.map((l) => l.name), ['avgpool', 'fc1', 'activation', 'fc2', 'scale_activation', 'scale']);
  t.equal(s.activationBytes.inference, (200 + 8 + 200) * 4, 'input + gate + output at the scale');
  t.equal(s.receptiveField, 1, 'a gate is not a window');
});

t.test('bad input shape is a clear error', async (t) => {
  t.throws(() => summary(new ReLU(), [3, 4] as unknown as number[]), /summary: input shape must be \[n, h, w, c\]/);
  t.throws(() => summary(new Conv2d(3, 4, 3), [1, 8, 8, 5]), /conv2d: filter shape .* expects 3 input channels/);
  t.throws(() => summary(new BatchNorm2d(3), [1, 2, 2, 4]), /BatchNorm2d: .* has 4 channels, expected 3/);
  const deep = Sequential.named([['features', Sequential.named([['0', new Conv2d(3, 4, 3)], ['pool', new MaxPool2d(2)], ['1', new Conv2d(4, 4, 3)]])]]);
  t.throws(() => summary(deep, [1, 6, 6, 3]), /kernel height .* \(at layer 'features\.1'\)/, 'names the layer that cannot fit');
  t.throws(() => deep.forward(Tensor.zeros([1, 6, 6, 3]), { training: false }), /\(at layer 'features\.1'\)/, 'forward errors carry the dotted path');
  const res = Sequential.named([['block', new Residual([['conv', new Conv2d(2, 3, 1)]])]]);
  t.throws(() => res.forward(Tensor.zeros([1, 2, 2, 2]), { training: false }), /Residual: main path gives \[1, 2, 2, 3\] but the shortcut gives \[1, 2, 2, 2\].*\(at layer 'block'\)/);
});
