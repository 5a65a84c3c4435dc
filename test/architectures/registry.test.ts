// Registry behaviour, torchvision names, options (smallInput, inputChannels, width, aux, phi), the
// adaptive pool, aux classifiers, one SGD step lowering the loss, and the CLI summary of resnet50.
import t from 'tap';
import { Command } from 'commander';
import {
  AdaptiveAvgPool2d, ConvNet, closeMatches, compoundScale, createModel, efficientnet, kerasParamCount, listModels,
} from '../../src/architectures/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import * as ops from '../../src/ts/core/ops.js';
import { manualSeed } from '../../src/ts/nn/init.js';
import { register as registerSummary } from '../../src/ts/cli/summary.js';
import '../../src/ts/backends/js/index.js';

await initBackend('js');

const names = (m: ConvNet): Set<string> => new Set([...m.namedParameters()].map(([n]) => n));

t.test('listModels covers every DESIGN.md family', async (t) => {
  const all = listModels();
  for (const n of ['vgg11', 'vgg19_bn', 'resnet18', 'resnet152', 'resnet50_v2', 'googlenet', 'inception_v3', 'densenet201',
    'mobilenet_v1', 'mobilenet_v2', 'mobilenet_v3_large', 'mobilenet_v3_small', 'squeezenet1_0', 'squeezenet1_1',
    'efficientnet_b0', 'efficientnet_b7', 'efficientnet']) t.ok(all.includes(n), n);
  t.same(all, [...all].sort(), 'sorted');
});

t.test('unknown names and options are ConvnetsErrors with close matches', async (t) => {
  t.throws(() => createModel('resnet05'), /unknown model 'resnet05'; did you mean .*resnet50/);
  t.throws(() => createModel('ResNet-18'), /did you mean .*resnet18/);
  t.throws(() => createModel('mobilenet'), /did you mean .*mobilenet_v2/);
  t.throws(() => createModel('zzzzzzzzzzzzzzzz'), /known models: .*vgg11/);
  t.ok(closeMatches('densnet121').includes('densenet121'));
  t.throws(() => createModel('resnet18', { numClasses: 0 }), new ConvnetsError('resnet18: option numClasses must be a positive integer, got 0'));
  t.throws(() => createModel('resnet18', { dropout: 1.5 }), /dropout must be a number in \[0, 1\)/);
  t.throws(() => createModel('resnet18', { clases: 10 } as never), /unknown option 'clases'/);
  t.throws(() => createModel('googlenet', { smallInput: true }), /smallInput is not available/);
  t.throws(() => createModel('resnet18', { init: 'zeros' as never }), /init must be 'default' or 'none'/);
  t.throws(() => efficientnet({ phi: -1 }), /phi must be a number >= 0/);
});

t.test('torchvision parameter names map 1:1', async (t) => {
  const want: Record<string, string[]> = {
    resnet50: ['conv1.weight', 'bn1.weight', 'layer1.0.conv1.weight', 'layer1.0.downsample.0.weight', 'layer1.0.downsample.1.bias',
      'layer4.2.bn3.weight', 'fc.weight', 'fc.bias'],
    densenet121: ['features.conv0.weight', 'features.denseblock1.denselayer1.norm1.weight', 'features.denseblock4.denselayer16.conv2.weight',
      'features.transition1.conv.weight', 'features.norm5.bias', 'classifier.weight'],
    mobilenet_v2: ['features.0.0.weight', 'features.1.conv.0.0.weight', 'features.1.conv.1.weight', 'features.1.conv.2.weight',
      'features.2.conv.0.0.weight', 'features.2.conv.3.bias', 'features.18.1.weight', 'classifier.1.weight'],
    mobilenet_v3_large: ['features.0.0.weight', 'features.4.block.2.fc1.weight', 'features.4.block.3.0.weight', 'features.16.0.weight',
      'classifier.0.weight', 'classifier.3.bias'],
    efficientnet_b0: ['features.0.0.weight', 'features.1.0.block.0.0.weight', 'features.1.0.block.1.fc1.weight', 'features.1.0.block.2.1.weight',
      'features.2.0.block.0.0.weight', 'features.7.0.block.3.1.bias', 'features.8.0.weight', 'classifier.1.weight'],
    inception_v3: ['Conv2d_1a_3x3.conv.weight', 'Mixed_5b.branch1x1.conv.weight', 'Mixed_5b.branch_pool.bn.weight',
      'Mixed_6b.branch7x7dbl_5.conv.weight', 'Mixed_7b.branch3x3_2a.conv.weight', 'Mixed_7c.branch3x3dbl_3b.bn.bias', 'fc.weight'],
    googlenet: ['conv1.conv.weight', 'inception3a.branch1.conv.weight', 'inception3a.branch2.0.conv.weight', 'inception3a.branch2.1.bn.bias',
      'inception3a.branch4.1.conv.weight', 'inception5b.branch3.1.conv.weight', 'fc.weight'],
    squeezenet1_1: ['features.0.weight', 'features.3.squeeze.weight', 'features.3.expand1x1.weight', 'features.12.expand3x3.bias',
      'classifier.1.weight'],
    vgg16_bn: ['features.0.weight', 'features.1.weight', 'features.40.weight', 'classifier.0.weight', 'classifier.3.weight', 'classifier.6.bias'],
    resnet50_v2: ['conv1.weight', 'conv1.bias', 'layer1.0.norm1.weight', 'layer1.0.downsample.weight', 'layer1.0.conv3.bias', 'norm.weight', 'fc.weight'],
    mobilenet_v1: ['features.0.0.weight', 'features.1.0.0.weight', 'features.1.1.0.weight', 'features.13.1.1.weight', 'classifier.1.weight'],
  };
  for (const [model, list] of Object.entries(want)) {
    const m = createModel(model, { init: 'none' });
    const have = names(m);
    for (const n of list) t.ok(have.has(n), `${model}: ${n}`);
    t.notOk([...have].some((n) => /(^|\.)(identity|post|relu\d*)\./.test(n)), `${model}: no parameters under stateless helper names`);
    m.dispose();
  }
  const r = createModel('resnet50', { init: 'none' });
  const p = new Map(r.namedParameters());
  t.same(p.get('conv1.weight')!.value.shape, [64, 7, 7, 3], 'OHWI filters');
  t.same(p.get('fc.weight')!.value.shape, [1000, 2048], 'dense [out, in]');
  t.ok(new Map(r.namedBuffers()).has('layer1.0.downsample.1.running_var'), 'BN buffers named like torchvision');
});

t.test('aux classifiers: names, counts, training-only outputs and their gradients', async (t) => {
  const g = createModel('googlenet', { init: 'none', aux: true });
  const have = names(g);
  for (const n of ['aux1.conv.conv.weight', 'aux1.fc1.weight', 'aux2.fc2.bias']) t.ok(have.has(n), n);
  t.equal(g.paramCount(), 13_004_888, 'torchvision googlenet(aux_logits=True)');
  const v3 = createModel('inception_v3', { init: 'none', aux: true });
  t.ok(names(v3).has('AuxLogits.conv1.conv.weight') && names(v3).has('AuxLogits.fc.weight'));

  manualSeed(2);
  const m = createModel('googlenet', { aux: true, numClasses: 3 });
  t.equal(m.auxCount, 2);
  const x = Tensor.randn([2, 32, 32, 3], 1);
  m.forward(x, { training: false });
  t.equal(m.auxOutputs().length, 0, 'eval: aux heads do not run');
  m.forward(x, { training: true, seed: 1 });
  const aux = m.auxOutputs();
  t.same(aux.map((a) => a.shape), [[2, 3], [2, 3]], 'training: two aux logits');
  const fc1 = new Map(m.namedParameters()).get('aux1.fc1.weight')!;
  m.backward(Tensor.randn([2, 3], 2));
  t.notOk(fc1.grad!.toFloat32().some((v) => v !== 0), 'no aux gradient given: aux weight 0');
  m.setAuxGradients([Tensor.randn([2, 3], 3), Tensor.randn([2, 3], 4)]);
  m.forward(x, { training: true, seed: 1 });
  m.backward(Tensor.randn([2, 3], 2));
  t.ok(fc1.grad!.toFloat32().some((v) => v !== 0), 'aux gradient reaches the aux head');
  t.throws(() => m.setAuxGradients([null]), /1 gradients for 2 aux classifiers/);
  m.dispose(); x.dispose();
});

t.test('AdaptiveAvgPool2d matches torch windows (uneven and upsampling) with a correct backward', async (t) => {
  const cases: [number, number, number][] = [[5, 5, 3], [14, 14, 4], [1, 1, 7], [6, 4, 2]];
  for (const [h, w, out] of cases) {
    const c = 2;
    const pool = new AdaptiveAvgPool2d(out);
    const x = Tensor.randn([2, h, w, c], h * 10 + w);
    const xd = x.toFloat32();
    const y = pool.forward(x, { training: true }).toFloat32();
    const ref = new Float64Array(2 * out * out * c);
    for (let b = 0; b < 2; b++) for (let i = 0; i < out; i++) for (let j = 0; j < out; j++) {
      const h0 = Math.floor((i * h) / out), h1 = Math.ceil(((i + 1) * h) / out);
      const w0 = Math.floor((j * w) / out), w1 = Math.ceil(((j + 1) * w) / out);
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let a = h0; a < h1; a++) for (let d = w0; d < w1; d++) s += xd[((b * h + a) * w + d) * c + ch];
        ref[((b * out + i) * out + j) * c + ch] = s / ((h1 - h0) * (w1 - w0));
      }
    }
    t.ok(y.every((v, i) => Math.abs(v - ref[i]) < 1e-5), `${h}x${w} -> ${out}x${out} forward`);
    // backward: <dy, pool(x)> is linear in x, so dx[k] = d<dy, y>/dx[k]; check by one-hot probes
    const dy = Tensor.randn([2, out, out, c], 9);
    const dx = pool.backward(dy).toFloat32();
    const dyd = dy.toFloat32();
    let worst = 0;
    for (const k of [0, 3, xd.length - 1]) {
      const e = new Float64Array(xd.length); e[k] = 1;
      const yk = pool.forward(Tensor.from(e, x.shape), { training: false }).toFloat32();
      let s = 0;
      for (let i = 0; i < yk.length; i++) s += yk[i] * dyd[i];
      worst = Math.max(worst, Math.abs(s - dx[k]));
    }
    t.ok(worst < 1e-5, `${h}x${w} -> ${out}x${out} backward (max err ${worst})`);
    pool.dispose(); x.dispose(); dy.dispose();
  }
});

t.test('smallInput, inputChannels, width and efficientnet phi', async (t) => {
  const r = createModel('resnet18', { init: 'none', smallInput: true, inputChannels: 1, numClasses: 10 });
  t.same(new Map(r.namedParameters()).get('conv1.weight')!.value.shape, [64, 3, 3, 1], '3x3 stem on 1 channel');
  t.notOk(r.children.has('maxpool'), 'no stem max pool');
  t.same(r.outputShape([4, 28, 28, 1]), [4, 10]);
  t.equal(r.defaultInputSize, 32);
  const d = createModel('densenet121', { init: 'none', smallInput: true });
  t.same(d.layers([1, 32, 32, 3]).find((l) => l.name === 'features.conv0')!.outputShape, [1, 32, 32, 64]);
  const v = createModel('vgg16', { init: 'none', smallInput: true, numClasses: 10 });
  t.same(v.outputShape([2, 32, 32, 3]), [2, 10]);
  t.ok(v.paramCount() < 16e6, 'small VGG head');
  const e = createModel('efficientnet_b0', { init: 'none', smallInput: true });
  t.same(e.layers([1, 32, 32, 3]).find((l) => l.name === 'features.0.0')!.outputShape, [1, 32, 32, 32], 'stride-1 stem');
  const half = createModel('mobilenet_v1', { init: 'none', width: 0.5 });
  t.equal(kerasParamCount(half), 1_342_536, 'Keras mobilenet_0.50_224 (alpha 0.5)');
  t.equal(createModel('mobilenet_v2', { init: 'none', width: 0.5 }).paramCount(), 1_968_680, 'torchvision width_mult 0.5');
  t.throws(() => createModel('mobilenet_v2', { width: -1 }), /width must be a positive number/);

  t.same(compoundScale({ phi: 0 }), { depth: 1, width: 1, inputSize: 224 });
  const s1 = compoundScale({ phi: 1 });
  t.ok(Math.abs(s1.depth - 1.2) < 1e-12 && Math.abs(s1.width - 1.1) < 1e-12 && s1.inputSize === 258, 'phi 1: d 1.2, w 1.1, r 224*1.15');
  t.equal(createModel('efficientnet', { init: 'none' }).paramCount(), 5_288_548, 'phi 0 is B0');
  const p2 = createModel('efficientnet', { phi: 2, init: 'none' });
  t.equal(p2.defaultInputSize, Math.round(224 * 1.15 ** 2));
  t.ok(p2.paramCount() > 7_794_184, 'phi 2 is larger than B1');
});

t.test('one SGD step lowers the loss on a fixed batch', async (t) => {
  for (const [name, opts, size] of [['mobilenet_v3_small', { smallInput: true }, 32], ['squeezenet1_1', {}, 32],
    ['resnet18', { smallInput: true }, 16]] as const) {
    manualSeed(5);
    const m = createModel(name, { ...opts, numClasses: 4, dropout: 0 });
    const x = Tensor.randn([4, size, size, 3], 21);
    const labels = Tensor.from([0, 1, 2, 3], [4]);
    const loss = (): number => {
      const y = m.forward(x, { training: true, seed: 1 });
      const { probs, loss } = ops.softmaxCrossEntropy(y, labels);
      const l = loss.toFloat32().reduce((a, b) => a + b, 0) / 4;
      const dl = ops.softmaxCrossEntropyBackward(probs, labels, 0, 1 / 4);
      m.backward(dl);
      probs.dispose(); loss.dispose(); dl.dispose();
      return l;
    };
    const l0 = loss();
    const lr = name === 'squeezenet1_1' ? 0.002 : 0.05;
    for (const p of m.parameters()) ops.axpy(-lr, p.grad!, p.value);
    const l1 = loss();
    t.ok(Number.isFinite(l0) && l1 < l0, `${name}: loss ${l0.toFixed(4)} -> ${l1.toFixed(4)}`);
    m.dispose(); x.dispose(); labels.dispose();
  }
});

t.test('convnets summary resnet50 --json', async (t) => {
  const p = new Command('convnets').exitOverride();
  registerSummary(p);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]): void => { lines.push(a.map(String).join(' ')); };
  try {
    await p.parseAsync(['node', 'convnets', 'summary', 'resnet50', '--json']);
  } finally {
    console.log = log;
  }
  const s = JSON.parse(lines.join('\n')) as { params: number; macs: number };
  t.equal(s.params, 25_557_032);
  t.ok(Math.abs(s.macs - 4.089e9) / 4.089e9 < 0.01, `macs ${s.macs}`);
});
