// torchvision state dicts: layouts (OIHW, NCHW flatten order) checked against an independent NCHW
// computation, round trips through files, and strict-mode reporting.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { Rng } from '../../src/ts/core/random.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, manualSeed } from '../../src/ts/nn/index.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../src/ts/io/safetensors.js';
import {
  LAYOUT_KEY, loadSafetensorsWeights, loadStateDict, saveSafetensorsWeights, stateDictEntries,
} from '../../src/ts/io/torchvision.js';
import type { StateTensor } from '../../src/ts/io/torchvision.js';

await initBackend('js');

/** A VGG-shaped miniature: features (conv, BN, relu, pool, conv) -> flatten -> classifier (Linear on h*w > 1). */
function miniVgg(seed: number): Sequential {
  manualSeed(seed);
  return Sequential.named([
    ['features', Sequential.named([
      ['0', new Conv2d(3, 4, 3, { padding: 1 })], ['1', new BatchNorm2d(4)], ['2', new ReLU()],
      ['3', new MaxPool2d(2)], ['4', new Conv2d(4, 6, 3, { padding: 1, bias: false })],
    ])],
    ['flatten', new Flatten()],
    ['classifier', Sequential.named([['0', new Linear(6 * 3 * 3, 5)], ['1', new ReLU()], ['2', new Linear(5, 4)]])],
  ]);
}

function randomize(m: Sequential, seed: number): void {
  const r = new Rng(seed);
  for (const [name, p] of m.namedParameters()) p.value.set(Array.from({ length: p.value.size }, () => (name.endsWith('running_var') ? 0.5 : -0.5) + r.uniform()));
  for (const [name, b] of m.namedBuffers()) b.set(Array.from({ length: b.size }, () => (name.endsWith('running_var') ? 0.5 + 1.5 * r.uniform() : r.uniform() - 0.5)));
}

function forward(m: Sequential, x: Tensor): Float32Array {
  m.eval();
  return m.forward(x, { training: false }).toFloat32();
}

t.test('a state dict written in torchvision layout round-trips into a fresh model: identical outputs', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-tv-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const a = miniVgg(1); randomize(a, 5);
  const x = Tensor.uniform([2, 6, 6, 3], 9, -1, 1);
  const ya = forward(a, x);
  const file = path.join(dir, 'mini.safetensors');
  saveSafetensorsWeights(a, file);
  const dec = readSafetensorsFile(file);
  t.same(dec.tensors.get('features.0.weight')!.shape, [4, 3, 3, 3], 'conv stored OIHW');
  t.same(dec.tensors.get('features.4.weight')!.shape, [6, 4, 3, 3]);
  t.equal(dec.metadata[LAYOUT_KEY], 'torchvision');
  t.ok(dec.tensors.has('features.1.running_var'), 'BN buffers saved');
  const b = miniVgg(2);
  t.not(forward(b, x)[0], ya[0], 'fresh model differs before loading');
  const rep = loadSafetensorsWeights(b, file);
  t.equal(rep.layout, 'torchvision');
  t.same([...forward(b, x)], [...ya], 'identical outputs after loading');
  // Our own layout round-trips too (metadata marks it).
  const file2 = path.join(dir, 'ours.safetensors');
  saveSafetensorsWeights(a, file2, 'convnets');
  const c = miniVgg(3);
  t.equal(loadSafetensorsWeights(c, file2).layout, 'convnets');
  t.same([...forward(c, x)], [...ya]);
});

t.test('torchvision layout means OIHW filters and (c, h, w) flatten order: independent NCHW reference', async (t) => {
  // A model conv(3->2, 3x3, pad 1) -> relu -> flatten -> linear(2*4*4 -> 3), weights drawn in torch layout.
  manualSeed(4);
  const m = Sequential.named([['0', new Conv2d(3, 2, 3, { padding: 1 })], ['1', new ReLU()], ['2', new Flatten()], ['3', new Linear(32, 3)]]);
  const r = new Rng(77);
  const draw = (n: number) => Float32Array.from({ length: n }, () => r.uniform() - 0.5);
  const W = draw(2 * 3 * 3 * 3); const B = draw(2); const L = draw(3 * 32); const LB = draw(3);
  const sd = new Map<string, StateTensor>([
    ['0.weight', { shape: [2, 3, 3, 3], data: W }], ['0.bias', { shape: [2], data: B }],
    ['3.weight', { shape: [3, 32], data: L }], ['3.bias', { shape: [3], data: LB }],
  ]);
  loadStateDict(m, sd, { layout: 'torchvision' });
  const H = 4; const xNchw = draw(3 * H * H);
  // NCHW reference in plain loops.
  const conv = new Float32Array(2 * H * H);
  for (let o = 0; o < 2; o++) for (let y = 0; y < H; y++) for (let x = 0; x < H; x++) {
    let s = B[o];
    for (let c = 0; c < 3; c++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const iy = y + ky - 1; const ix = x + kx - 1;
      if (iy >= 0 && iy < H && ix >= 0 && ix < H) s += W[((o * 3 + c) * 3 + ky) * 3 + kx] * xNchw[(c * H + iy) * H + ix];
    }
    conv[(o * H + y) * H + x] = Math.max(0, s);
  }
  const ref = Array.from({ length: 3 }, (_, o) => LB[o] + conv.reduce((s, v, i) => s + v * L[o * 32 + i], 0));
  const xNhwc = new Float32Array(3 * H * H);
  for (let c = 0; c < 3; c++) for (let i = 0; i < H * H; i++) xNhwc[i * 3 + c] = xNchw[c * H * H + i];
  const out = forward(m, Tensor.from(xNhwc, [1, H, H, 3]));
  for (let o = 0; o < 3; o++) t.ok(Math.abs(out[o] - ref[o]) < 1e-5, `logit ${o}: ${out[o]} vs NCHW reference ${ref[o]}`);
  // And the export puts it back exactly.
  const back = new Map(stateDictEntries(m).map((e) => [e.name, e]));
  t.same([...back.get('0.weight')!.data], [...W]);
  t.same([...back.get('3.weight')!.data], [...L]);
});

t.test('strict mode reports missing, unexpected and mismatched keys in one error; model untouched', async (t) => {
  const m = miniVgg(1);
  const entries = stateDictEntries(m);
  const before = [...m.namedParameters()].map(([, p]) => p.value.toFloat32());
  const sd = new Map<string, StateTensor>(entries.map((e) => [e.name, e]));
  sd.delete('classifier.2.bias');
  sd.set('features.1.num_batches_tracked', { shape: [], data: Float32Array.of(3) });
  sd.set('AuxLogits.fc.weight', { shape: [2, 2], data: new Float32Array(4) });
  sd.set('fc.weight', { shape: [1], data: Float32Array.of(0) });
  sd.set('features.0.bias', { shape: [5], data: new Float32Array(5) });
  sd.set('features.0.weight', { shape: [4, 3, 3, 3], data: new Float32Array(108).fill(42) });
  try {
    loadStateDict(m, sd, { source: 'w.safetensors' });
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof ConvnetsError);
    const msg = (e as Error).message;
    t.match(msg, /w\.safetensors/);
    t.match(msg, /shape mismatch \(1\): features\.0\.bias: file \[5\], model expects \[4\]/);
    t.match(msg, /missing \(1\): classifier\.2\.bias/);
    t.match(msg, /unexpected \(1\): fc\.weight/);
    t.notMatch(msg, /num_batches_tracked/, 'num_batches_tracked ignored');
  }
  const after = [...m.namedParameters()].map(([, p]) => p.value.toFloat32());
  t.same(after, before, 'a failed load changes nothing');
  // Non-strict: missing/unexpected tolerated, mismatches still fatal.
  sd.set('features.0.bias', { shape: [4], data: new Float32Array(4) });
  const rep = loadStateDict(m, sd, { strict: false });
  t.same(rep.missing, ['classifier.2.bias']);
  t.same(rep.unexpected, ['fc.weight']);
  t.same(rep.ignored, ['features.1.num_batches_tracked', 'AuxLogits.fc.weight'], 'BN counters and aux heads skipped');
  t.equal([...m.namedParameters()].find(([n]) => n === 'features.0.weight')![1].value.toFloat32()[0], 42);
});

t.test('layout detection from shapes when the file has no marker (a file written by Python)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-tv-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const a = miniVgg(1); randomize(a, 6);
  const x = Tensor.uniform([1, 6, 6, 3], 2, -1, 1);
  const ya = forward(a, x);
  const file = path.join(dir, 'py.safetensors');
  writeSafetensorsFile(file, stateDictEntries(a, 'torchvision'), { format: 'pt' });
  const b = miniVgg(2);
  t.equal(loadSafetensorsWeights(b, file).layout, 'torchvision', 'features.4 (6x4x3x3) fits only OIHW');
  t.same([...forward(b, x)], [...ya]);
});

t.test('one model per family: conv filters permuted, only VGG\'s classifier.0 re-ordered (storage-free build)', async (t) => {
  const { createModel } = await import('../../src/architectures/index.js');
  const { layoutPlan } = await import('../../src/ts/io/torchvision.js');
  // A family sample (building all 39 storage-free still takes ~20 s of CPU).
  for (const name of ['vgg11_bn', 'resnet18', 'resnet50_v2', 'densenet121', 'googlenet', 'inception_v3', 'mobilenet_v1',
    'mobilenet_v3_small', 'squeezenet1_1', 'efficientnet_b0']) {
    const m = createModel(name, { init: 'none' });
    const plan = layoutPlan(m);
    const flat = plan.filter((p) => p.flatten);
    if (name.startsWith('vgg')) t.same(flat, [{ name: 'classifier.0.weight', kind: 'linear', flatten: [7, 7, 512] }], name);
    else t.same(flat, [], `${name}: no Linear reads a flattened feature map`);
    const convs = plan.filter((p) => p.kind === 'conv').length;
    const fourD = [...m.namedParameters()].filter(([, p]) => p.value.shape.length === 4).length;
    t.equal(convs, fourD, `${name}: every 4-D filter is permuted`);
  }
});
