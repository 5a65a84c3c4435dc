// The library's composite blocks against central finite differences (float64 js reference): the
// wiring of Flat-named blocks, pre-activation shortcuts, inverted residuals with SE, dense layers,
// GoogLeNet inception, the adaptive pool and the aux tap.
import t from 'tap';
import { gradCheck, useFloat64 } from '../nn/gradcheck.js';
import {
  AdaptiveAvgPool2d, AuxTap, DenseLayer, DepthwiseSeparable, Fire, GoogLeNetInception, InvertedResidual, Linear,
  PreActBlock, PreActBottleneck, Sequential, Flatten, BasicBlock, Bottleneck,
} from '../../src/architectures/index.js';
import { manualSeed } from '../../src/ts/nn/init.js';

await useFloat64();
manualSeed(9);

t.test('residual families', async (t) => {
  gradCheck(t, 'BasicBlock stride 2 projection', BasicBlock(3, 4, 2), [2, 5, 5, 3]);
  gradCheck(t, 'Bottleneck grouped', Bottleneck(4, 4, 1, { groups: 2, baseWidth: 64 }), [2, 3, 3, 4]);
  gradCheck(t, 'PreActBottleneck conv shortcut on the pre-activation', PreActBottleneck(4, 2, 2, true), [2, 4, 4, 4]);
  gradCheck(t, 'PreActBottleneck max-pool shortcut', PreActBottleneck(8, 2, 2, false), [2, 4, 4, 8]);
  gradCheck(t, 'PreActBlock projection', PreActBlock(3, 4, 2), [2, 4, 4, 3]);
});

t.test('mobile families', async (t) => {
  gradCheck(t, 'InvertedResidual v3 + SE (residual)', InvertedResidual({ inC: 4, outC: 4, expandC: 8, kernel: 3, stride: 1,
    act: 'hardswish', se: { squeezeC: 2, act: 'relu', gate: 'hardsigmoid' }, layout: 'v3' }), [2, 4, 4, 4]);
  gradCheck(t, 'InvertedResidual v2 stride 2', InvertedResidual({ inC: 3, outC: 5, expandC: 6, kernel: 3, stride: 2,
    act: 'relu6', layout: 'v2' }), [2, 5, 5, 3]);
  gradCheck(t, 'DepthwiseSeparable', DepthwiseSeparable(3, 4, 2), [2, 5, 5, 3]);
});

t.test('concat families', async (t) => {
  // Zero-initialised biases put ReLU inputs exactly at the kink wherever the squeeze output is all zero.
  const fire = Fire(4, 2, 3, 3);
  for (const [n, p] of fire.namedParameters()) if (n.endsWith('bias')) p.value.set(Array.from({ length: p.value.size }, (_, i) => 0.1 + 0.05 * i));
  gradCheck(t, 'Fire (flat names over squeeze + concat)', fire, [2, 4, 4, 4]);
  gradCheck(t, 'DenseLayer', DenseLayer(3, 2, 2), [2, 4, 4, 3]);
  gradCheck(t, 'GoogLeNet inception', GoogLeNetInception(3, 2, 2, 3, 1, 2, 2), [2, 4, 4, 3]);
});

t.test('adaptive pool and aux tap', async (t) => {
  gradCheck(t, 'AdaptiveAvgPool2d 5x5 -> 3x3 (host path)', new AdaptiveAvgPool2d(3), [2, 5, 5, 2]);
  gradCheck(t, 'AdaptiveAvgPool2d 6x6 -> 3x3 (avg pool path)', new AdaptiveAvgPool2d(3), [1, 6, 6, 2]);
  // An aux tap with no aux gradient is the identity on the trunk (aux loss weight 0).
  const tap = new AuxTap(Sequential.named([['flatten', new Flatten()], ['fc', new Linear(8, 2)]]));
  gradCheck(t, 'AuxTap passes the trunk gradient', new Sequential(tap, new Flatten(), new Linear(8, 3)), [2, 2, 2, 2]);
});
