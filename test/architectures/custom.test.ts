// Custom macro designs (chapter Q9): every block type builds and trains a step, descriptions are
// validated with errors naming the field, and validate() reports against constraints.
import t from 'tap';
import { BLOCK_TYPES, buildCustomModel, formatValidation, parseMacroSpec, validate } from '../../src/architectures/index.js';
import type { MacroSpec } from '../../src/architectures/index.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { manualSeed } from '../../src/ts/nn/init.js';
import '../../src/ts/backends/js/index.js';

await initBackend('js');

const base = (stages: MacroSpec['stages']): MacroSpec => ({
  name: 'tiny', inputSize: 16, numClasses: 3, stem: { channels: 8, stride: 1 }, stages,
});

t.test('every block type builds, runs forward/backward with nonzero gradients', async (t) => {
  for (const block of BLOCK_TYPES) {
    manualSeed(4);
    const m = buildCustomModel(base([
      { block, channels: 16, blocks: 2, stride: 1 },
      { block, channels: 32, blocks: 1, stride: 2, ...(block === 'dense' ? { growth: 8 } : {}) },
    ]));
    const x = Tensor.randn([2, 16, 16, 3], 1);
    const y = m.forward(x, { training: true, seed: 1 });
    t.same(y.shape, [2, 3], `${block}: output shape`);
    t.ok(y.toFloat32().every(Number.isFinite), `${block}: finite`);
    m.backward(Tensor.randn([2, 3], 2));
    const zero = [...m.namedParameters()].filter(([, p]) => !p.grad!.toFloat32().some((v) => v !== 0)).map(([n]) => n);
    t.same(zero, [], `${block}: every parameter has a gradient`);
    m.dispose(); x.dispose();
  }
});

t.test('names and head options', async (t) => {
  const m = buildCustomModel({
    name: 'net', inputSize: 32, numClasses: 10, inputChannels: 1,
    stem: { channels: 16, kernel: 3, stride: 2, pool: true, activation: 'relu6' },
    stages: [{ block: 'mbconv', channels: 24, blocks: 2, stride: 2, expand: 4, kernel: 5, se: 0.25 }],
    head: { lastConv: 64, hidden: [32], dropout: 0.2, activation: 'hardswish' },
  });
  const names = [...m.namedParameters()].map(([n]) => n);
  for (const n of ['stem.0.weight', 'stage1.0.block.0.0.weight', 'stage1.1.block.2.fc1.weight', 'head_conv.0.weight', 'classifier.0.weight', 'classifier.3.bias']) {
    t.ok(names.includes(n), n);
  }
  t.same(m.outputShape([2, 32, 32, 1]), [2, 10]);
  t.equal(m.name, 'net');
  t.equal(m.inputChannels, 1);
});

t.test('bad descriptions name the field, expectation and value', async (t) => {
  const ok = base([{ block: 'basic', channels: 16, blocks: 1 }]);
  t.throws(() => parseMacroSpec('{"stem":'), /custom model: the description is not valid JSON/);
  t.throws(() => parseMacroSpec([]), /custom model: description must be an object, got \[\]/);
  t.throws(() => parseMacroSpec({ ...ok, stages: [] }), /custom model: stages must be a non-empty list/);
  t.throws(() => parseMacroSpec({ ...ok, stages: [{ block: 'resnet', channels: 16, blocks: 1 }] }),
    /stages\[0\]\.block must be one of conv, basic, .*inception, got "resnet"/);
  t.throws(() => parseMacroSpec({ ...ok, stages: [{ block: 'basic', channels: -3, blocks: 1 }] }), /stages\[0\]\.channels must be an integer in \[1, 16384\], got -3/);
  t.throws(() => parseMacroSpec({ ...ok, stages: [{ block: 'basic', channels: 16, blocks: 1, stride: 3 }] }), /stages\[0\]\.stride must be 1 or 2, got 3/);
  t.throws(() => parseMacroSpec({ ...ok, stages: [{ block: 'bottleneck', channels: 18, blocks: 1 }] }), /multiple of 4/);
  t.throws(() => parseMacroSpec({ ...ok, stages: [{ block: 'basic', channels: 16, blocks: 1, expand: 4 }] }), /stages\[0\]\.expand does not apply to block 'basic'/);
  t.throws(() => parseMacroSpec({ ...ok, stem: { channels: 8, kernel: 4 } }), /stem\.kernel must be odd/);
  t.throws(() => parseMacroSpec({ ...ok, stem: { channels: 8, activation: 'swish' } }), /stem\.activation must be one of relu, .*got "swish"/);
  t.throws(() => parseMacroSpec({ ...ok, extra: 1 }), /description\.extra is not a known field/);
  t.throws(() => parseMacroSpec({ ...ok, head: { hidden: 5 } }), /head\.hidden must be a list/);
  t.throws(() => buildCustomModel({ ...ok, inputSize: 2, stages: Array(2).fill({ block: 'dense', channels: 8, blocks: 1, stride: 2, growth: 4 }) }),
    /inputSize 2 is too small for this design \(avgPool2d: kernel height/);
  t.same(parseMacroSpec(JSON.stringify(ok)).stages[0].stride, 1, 'JSON text accepted, defaults filled');
});

t.test('validate reports params, size, MACs and latency against constraints', async (t) => {
  manualSeed(1);
  const m = buildCustomModel(base([{ block: 'basic', channels: 16, blocks: 1 }]));
  const r = validate(m, { maxParams: 100_000, maxSizeMB: 0.001, maxLatencyMs: 60_000 }, { iterations: 2 });
  t.equal(r.params, m.paramCount());
  t.equal(r.sizeMB, (r.params * 4) / 2 ** 20);
  // stem 3x3x3x8 + block 2 x (3x3x8x16 or 16x16) + 1x1 downsample 8x16, at 16x16, + fc 16x3
  t.equal(r.macs, 16 * 16 * (8 * 27 + 16 * 72 + 16 * 144 + 16 * 8) + 48);
  t.ok(r.latencyMs > 0 && Number.isFinite(r.latencyMs));
  t.equal(r.backend, 'js');
  t.same(r.checks.map((c) => [c.name, c.ok]), [['params', true], ['size', false], ['latency', true]]);
  t.equal(r.ok, false);
  const text = formatValidation(r);
  t.match(text, /size .* MB .*OVER/);
  t.match(text, /misses: size/);
  t.throws(() => validate(m, { maxParams: -1 }), /constraints\.maxParams must be a positive number/);
  t.ok(m.training, 'training mode restored');
  m.dispose();
});
