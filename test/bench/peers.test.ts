// Peers run exactly our network: a tiny model with every op kind the replay handles (conv + BN + ReLU,
// depthwise, squeeze-excite, residual add, max pool, concat, uneven adaptive pool, global pool, linear) traced on js and
// replayed on tfjs-cpu / tfjs-wasm and, through the ONNX exporter, onnxruntime-node.
import t from 'tap';
import { initBackend } from '../../src/ts/core/registry.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import {
  Conv2d, BatchNorm2d, ReLU, ReLU6, Hardswish, Sequential, Residual, Concat, MaxPool2d, GlobalAvgPool2d, Flatten, Linear, SqueezeExcite, manualSeed,
} from '../../src/ts/nn/index.js';
import type { Module } from '../../src/ts/nn/module.js';
import { traceForward, replayTfjs, loadTfjs, useTfjsBackend, maxRelDiff, exportOnnxBytes, ortSession, nhwcToNchw, tfjsTrainAttempt, importPeer } from '../../bench/peers.js';
import { traceMacs } from '../../bench/models.js';
import { fuseForInference } from '../../src/ts/nn/fuse.js';
import { AdaptiveAvgPool2d } from '../../src/ts/nn/pool.js';

function tiny(): Module {
  const m = Sequential.named([
    ['conv1', new Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false })], ['bn1', new BatchNorm2d(8)], ['relu', new ReLU()],
    ['pool', new MaxPool2d(3, { stride: 2, padding: 1 })],
    ['block', new Residual([
      ['dw', new Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false })], ['bn', new BatchNorm2d(8)], ['act', new ReLU6()],
      ['se', new SqueezeExcite(8, 4)],
      ['pw', new Conv2d(8, 8, 1)], ['hs', new Hardswish()],
    ])],
    ['mix', new Concat([[['a', new Conv2d(8, 4, 1)]], [['b', new Conv2d(8, 6, [1, 3], { padding: [0, 1] })]]])],
    // 4x4 -> 3x3: uneven windows, computed on the host and replayed as a pooling matrix.
    ['adaptive', new AdaptiveAvgPool2d(3)],
    ['gap', new GlobalAvgPool2d()], ['flatten', new Flatten()], ['fc', new Linear(10, 5)],
  ]);
  // Non-trivial BN statistics so folding is exercised.
  for (const [name, b] of m.namedBuffers()) b.set(Array.from({ length: b.size }, (_, i) => (name.endsWith('running_var') ? 0.5 + 0.1 * i : 0.05 * i - 0.1)));
  return m;
}

t.test('traced network replays on tfjs and onnxruntime with the same outputs', async (t) => {
  await initBackend('js');
  manualSeed(7);
  const model = tiny();
  const x = Tensor.uniform([2, 15, 15, 3], 3, -1, 1);
  try {
    const trPlain = traceForward(model, x);
    const plain = trPlain.output.toFloat32();
    // Inference fusion (BN folded, epilogues fused, hardswish among them) is what the benchmarks trace.
    t.ok(fuseForInference(model) > 0);
    const tr = traceForward(model, x);
    const ref = tr.output.toFloat32();
    t.ok(maxRelDiff(ref, plain) < 1e-5, 'fused model computes the same');
    t.ok(tr.records.some((r) => (r.params as { activation?: string }).activation === 'hardswish'), 'a fused hardswish epilogue is in the trace');
    t.equal(ref.length, 10);
    t.ok(traceMacs(tr) > 0);
    t.ok(tr.records.some((r) => r.op === 'dwconv2d') && tr.records.some((r) => r.op === 'concat') && tr.records.some((r) => r.op === 'channelScale'));
    t.ok(tr.records.some((r) => r.op === 'adaptiveAvgPool2d'), 'the host adaptive pool is in the trace');
    const tf = await loadTfjs();
    for (const b of ['cpu', 'wasm'] as const) {
      await useTfjsBackend(tf, b);
      const net = replayTfjs(tf, tr);
      try {
        const y = net.predict(x.toFloat32());
        t.ok(maxRelDiff(y, ref) < 1e-5, `tfjs-${b}: max rel diff ${maxRelDiff(y, ref)}`);
        t.ok(net.steps <= tr.records.length);
      } finally { net.dispose(); }
      // The unfused trace: the replay folds BN and fuses ReLU-family activations itself.
      const np = replayTfjs(tf, trPlain);
      try {
        t.ok(maxRelDiff(np.predict(x.toFloat32()), plain) < 1e-5, `tfjs-${b} (unfused trace)`);
        t.ok(np.steps < trPlain.records.length, 'BN folded / activations fused by the replay');
      } finally { np.dispose(); }
    }
    const bytes = exportOnnxBytes(model, [2, 15, 15, 3]);
    const sess = await ortSession('ort-node', bytes, 1, [2, 3, 15, 15]);
    try {
      const y = await sess.run(nhwcToNchw(x.toFloat32(), [2, 15, 15, 3]));
      t.ok(maxRelDiff(y, ref) < 1e-5, `ort-node: max rel diff ${maxRelDiff(y, ref)}`);
    } finally { await sess.dispose(); }
  } finally { model.dispose(); x.dispose(); }
});

t.test('tfjs training: wasm reports its missing gradient kernel, cpu trains', async (t) => {
  await initBackend('js');
  manualSeed(2);
  const model = Sequential.named([['conv', new Conv2d(3, 4, 3, { padding: 1 })], ['relu', new ReLU()], ['gap', new GlobalAvgPool2d()], ['flatten', new Flatten()], ['fc', new Linear(4, 3)]]);
  const input = Tensor.uniform([2, 6, 6, 3], 1, -1, 1);
  try {
    const built = { model, input, inputShape: [2, 6, 6, 3] };
    const w = await tfjsTrainAttempt(built, 'wasm', { minSamples: 1, maxTime: 0.01 });
    t.match(w.error, /Conv2DBackpropFilter|not registered/);
    const c = await tfjsTrainAttempt(built, 'cpu', { minSamples: 2, maxTime: 0.01 });
    t.equal(c.error, undefined);
    t.ok(c.timing!.median > 0);
  } finally { model.dispose(); input.dispose(); }
});

t.test('nhwcToNchw', async (t) => {
  const x = Float32Array.from({ length: 12 }, (_, i) => i); // [1, 2, 2, 3]
  t.same([...nhwcToNchw(x, [1, 2, 2, 3])], [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
  t.equal(maxRelDiff([1, 2], [1, 2, 3]), Infinity);
});

t.test('a missing peer package is "not installed", any other load failure says why', async (t) => {
  await t.rejects(importPeer('convnets-no-such-peer', () => import('convnets-no-such-peer' as string)),
    /convnets-no-such-peer is not installed \(an optional peer of convnets\/bench: npm install convnets-no-such-peer\)/);
  await t.rejects(importPeer('broken-peer', () => Promise.reject(new Error('bad ELF header'))), /cannot load broken-peer: bad ELF header/);
  t.equal(await importPeer('ok', async () => 42), 42);
});

t.test('convnets bench without the peer packages: one "not installed" line per peer, ours still timed', async (t) => {
  const { execFile } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  // No python either: the torch peer is "not installed" too.
  const env: NodeJS.ProcessEnv = { ...process.env, CONVNETS_TEST_UNRESOLVABLE: '^(@tensorflow/|onnxruntime-|benchmark$)', BENCH_TORCH_PYTHON: '/nonexistent/python3' };
  const hook = fileURLToPath(new URL('../helpers/unresolvable.mjs', import.meta.url));
  const cli = fileURLToPath(new URL('../helpers/cli.ts', import.meta.url));
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [...process.execArgv, '--import', hook, cli, 'bench', '--backend', 'js', '--model', 'plain4', '--input', '12', '--quick', '--json'],
      { env, timeout: 120_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
  const j = JSON.parse(out.trim().split('\n').at(-1)!) as { median_ms: number; peers: { runtime: string; median_ms: number | null; error: string | null }[] };
  t.ok(j.median_ms > 0, 'ours is timed (plain loop: benchmark.js is missing too)');
  t.same(j.peers.map((p) => p.runtime), ['tfjs-wasm', 'tfjs-cpu', 'ort-node-1t', 'ort-web-1t', 'torch-1t']);
  for (const p of j.peers) {
    t.equal(p.median_ms, null, `${p.runtime} not timed`);
    if (p.runtime === 'torch-1t') t.match(p.error, /^PyTorch is not installed: \/nonexistent\/python3 not found \(Debian: apt-get install -y python3-torch python3-torchvision libopenblas0-pthread/);
    else t.match(p.error, /(@tensorflow\/tfjs-core|onnxruntime-node|onnxruntime-web) is not installed \(an optional peer of convnets\/bench: npm install /, p.runtime);
  }
});
