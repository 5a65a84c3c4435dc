// Every model lives in the registry: the digits ResNet of `convnets train`, the gradient-flow families
// (plainN / residualN / denseN, any depth), and buildModel's small-input choice.
import t from 'tap';
import {
  buildModel, countMacs, createModel, isModel, listModelPatterns, listModels, modelFamily, plainNet, registerModel,
  registerModelPattern, residualNet,
} from '../../src/architectures/index.js';
import type { ConvNet } from '../../src/architectures/index.js';
import { initBackend } from '../../src/ts/core/registry.js';

await initBackend('js');
const names = (m: { namedParameters(): Iterable<[string, unknown]> }): string[] => [...m.namedParameters()].map(([n]) => n);

t.test('resnet_digits is a registered model with its documented size', async (t) => {
  t.ok(listModels().includes('resnet_digits'));
  t.equal(modelFamily('resnet_digits'), 'resnet');
  const m = createModel('resnet_digits', { init: 'none' });
  // 144 + 32 (stem) + 4,672 + 14,528 + 57,728 (stages 16/32/64) + 650 (fc), hand-counted.
  t.equal(m.paramCount(), 77_754);
  t.equal(countMacs(m), 9_345_920, '9.35 M MACs per 28x28 image');
  t.same([m.inputChannels, m.numClasses, m.defaultInputSize], [1, 10, 28]);
  const c = createModel('resnet_digits', { init: 'none', inputChannels: 3, numClasses: 7 });
  t.same([c.inputChannels, c.numClasses], [3, 7], 'sized from the data');
  t.throws(() => createModel('resnet_digits', { numClasses: 0 }), /resnet_digits: sizes must be positive integers/);
});

t.test('gradient-flow nets: any depth by name, the same modules as their builders', async (t) => {
  t.same(listModelPatterns(), ['plainN', 'residualN (N odd)', 'denseN']);
  t.notOk(listModels().some((n) => /^(plain|residual|dense)\d+$/.test(n)), 'patterns are not listed as names');
  for (const n of ['plain4', 'plain32', 'residual9', 'dense16']) {
    t.ok(isModel(n), n);
    t.equal(modelFamily(n), 'gradflow');
  }
  t.notOk(isModel('plain'), 'a pattern needs its depth');
  t.notOk(isModel('plain9x'));
  const p = createModel('plain9', { init: 'none' });
  // conv1 (1x3x3x16 + 16) + 8 x (16x3x3x16 + 16) + fc (16x10 + 10).
  t.equal(p.paramCount(), 160 + 8 * 2320 + 170);
  t.same(names(p), names(plainNet(9)), 'the registry builds what plainNet builds');
  t.same([p.name, p.inputChannels, p.defaultInputSize, p.numClasses], ['plain9', 1, 28, 10]);
  const w = createModel('residual9', { init: 'none', width: 8, inputSize: 12, numClasses: 3 });
  t.equal(w.paramCount(), residualNet(9, { width: 8, numClasses: 3 }).paramCount(), 'width is the conv channel count');
  t.equal(w.defaultInputSize, 12);
  t.throws(() => createModel('residual8'), /residual depth must be odd/);
  t.throws(() => createModel('plain1'), /depth must be an integer in \[2, 512\]/);
  t.throws(() => createModel('plain9', { width: 0.5 }), /plain9: option width must be a positive integer/);
  t.throws(() => createModel('plainx'), /unknown model 'plainx'/);
});

t.test('registration refuses clashes between names and patterns', async (t) => {
  t.throws(() => registerModel('plain12', { family: 'x', build: () => createModel('plain12') }), /'plain12' is already registered/);
  t.throws(() => registerModelPattern({ label: 'resnetN', family: 'x', pattern: /^resnet\d+$/, build: () => createModel('resnet18') }),
    /pattern matches the registered model 'resnet\d+'/);
});

t.test('buildModel: the small-input stem below 64 px where the family has one', async (t) => {
  const stem = (m: ConvNet): readonly number[] => [...m.namedParameters()].find(([n]) => n === 'conv1.weight')![1].value.shape;
  t.same(stem(buildModel('resnet18', { init: 'none', inputSize: 28, inputChannels: 1, numClasses: 10 })), [64, 3, 3, 1], '3x3 stem at 28');
  t.same(stem(buildModel('resnet18', { init: 'none', inputSize: 224 })), [64, 7, 7, 3], 'torchvision stem at 224');
  t.same(stem(buildModel('resnet18', { init: 'none', inputSize: 28, smallInput: false })), [64, 7, 7, 3], 'an explicit smallInput wins');
  // GoogLeNet has no small-input stem: buildModel builds the torchvision one rather than failing.
  t.equal(buildModel('googlenet', { init: 'none', inputSize: 32 }).paramCount(), createModel('googlenet', { init: 'none' }).paramCount());
  t.throws(() => createModel('googlenet', { smallInput: true }), /smallInput is not available/, 'createModel itself still refuses');
  t.throws(() => buildModel('no_such_model', { inputSize: 28 }), /unknown model 'no_such_model'/);
});
