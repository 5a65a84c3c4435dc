#!/usr/bin/env node
// GPU check of the native backend, run by scripts/gpu-check.sh on a machine with an NVIDIA GPU.
// Uses the compiled JS that scripts/gpu-check-prepare.sh writes to .device/dist (no npm packages
// needed there). Subcommands:
//   doctor                      device, driver, cuDNN/cuBLAS as the addon sees them
//   conformance                 every kernel vs the js float64 reference (TF32 off); exit 1 on a failure
//   bench [--json FILE]         ResNet-50 and MobileNetV2: inference b1/b64 and a training step b64
//                               (forward + backward + SGD), fp32, images/s
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.env.CONVNETS_GPU_DIST ?? join(root, '.device', 'dist'));
const imp = (p) => import(pathToFileURL(join(dist, p)).href);

const [cmd = 'doctor', ...rest] = process.argv.slice(2);
const arg = (name, dflt) => { const i = rest.indexOf(name); return i >= 0 ? rest[i + 1] : dflt; };

// CONVNETS_GPU_CHECK_BACKEND=js runs the same plumbing on the CPU (a dry run of this script).
const backendName = process.env.CONVNETS_GPU_CHECK_BACKEND ?? 'native';
const native = await imp('src/ts/backends/native/index.js');
if (backendName === 'js') await imp('src/ts/backends/js/index.js');
const registry = await imp('src/ts/core/registry.js');

async function doctor() {
  const l = native.loadAddon();
  if (!l.addon) { console.log(`addon: ${l.error}`); return 1; }
  console.log(`addon: ${l.path}`);
  console.log('device:', JSON.stringify(l.addon.deviceInfo()));
  console.log('libraries:', JSON.stringify(l.addon.libraries()));
  const why = await registry.backendAvailability('native');
  console.log(`native backend: ${why ?? 'available'}`);
  return why ? 1 : 0;
}

/** The few tap calls the conformance harness makes, recorded. */
function miniTap(results, prefix = '') {
  const rec = (ok, msg) => results.push({ test: prefix, ok: !!ok, msg });
  return {
    test: async (name, fn) => { await fn(miniTap(results, name)); },
    ok: (c, m) => rec(c, m),
    fail: (m) => rec(false, m),
    pass: (m) => rec(true, m),
    equal: (a, b, m) => rec(a === b, `${m} (got ${a}, want ${b})`),
    comment: (m) => console.log(`# ${m}`),
  };
}

async function conformance() {
  const { runConformance } = await imp('test/conformance/index.js');
  const probe = await registry.createBackend(backendName, { tf32: false });
  const s = probe.stats ? probe.stats() : {};
  probe.dispose();
  const label = `${backendName} (cuDNN ${s.cudnn ? 'on' : 'off'}, cuBLAS ${s.cublas ? 'on' : 'off'})`;
  const results = [];
  const t0 = Date.now();
  await runConformance(miniTap(results), label, () => registry.createBackend(backendName, { tf32: false }),
    { cases: process.env.CONVNETS_CONFORMANCE_FULL ? 'full' : 'small', large: true });
  const bad = results.filter((r) => !r.ok);
  const kernels = new Set(results.map((r) => r.test));
  for (const r of bad) console.log(`FAIL ${r.test}: ${r.msg}`);
  console.log(`conformance ${label}: ${results.length - bad.length}/${results.length} checks passed over ${kernels.size} kernels in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return bad.length ? 1 : 0;
}

async function bench() {
  const { createModel } = await imp('src/architectures/index.js');
  const { Tensor } = await imp('src/ts/core/tensor.js');
  const { CrossEntropyLoss } = await imp('src/ts/train/losses.js');
  const { SGD } = await imp('src/ts/train/optim.js');
  const backend = await registry.initBackend(backendName, { tf32: false });
  const sync = () => (backend.synchronize ? backend.synchronize() : undefined);
  const models = (arg('--models', 'resnet50,mobilenet_v2')).split(',');
  const iters = Number(arg('--iters', '20'));
  const trainBatch = Number(arg('--batch', '64'));
  const out = [];
  for (const name of models) {
    const model = createModel(name, { numClasses: 1000 });
    const size = Number(arg('--size', model.defaultInputSize));
    const time = (fn, n) => {
      for (let i = 0; i < Math.min(3, n); i++) fn(); // warm-up: plans, cuDNN algorithm search
      sync();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) fn();
      sync();
      return Number(process.hrtime.bigint() - t0) / 1e9 / n;
    };
    for (const batch of [1, trainBatch]) {
      const x = Tensor.randn([batch, size, size, 3], 1, 1, 0, backend);
      model.eval();
      const s = time(() => model.forward(x, { training: false }), batch === 1 ? iters * 2 : iters);
      // (model.forward returns a tensor the model owns: nothing to free per call)
      out.push({ model: name, mode: 'inference', batch, ms: s * 1e3, imgPerSec: batch / s });
      console.log(`convnets ${backendName} ${name} inference b${batch}: ${(s * 1e3).toFixed(2)} ms, ${(batch / s).toFixed(1)} img/s`);
      x.dispose();
    }
    const batch = trainBatch;
    const x = Tensor.randn([batch, size, size, 3], 2, 1, 0, backend);
    const labels = Tensor.from(Array.from({ length: batch }, (_, i) => (i * 37) % 1000), [batch], backend);
    const loss = new CrossEntropyLoss();
    const opt = new SGD(model.namedParameters(), { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
    model.train();
    const step = () => {
      const y = model.forward(x, { training: true });
      loss.forward(y, labels); // reads the loss back: one sync per step, as loss.item() in PyTorch
      model.backward(loss.backward());
      opt.step();
    };
    const s = time(step, Math.max(1, Math.ceil(iters / 2)));
    out.push({ model: name, mode: 'train', batch, ms: s * 1e3, imgPerSec: batch / s });
    console.log(`convnets ${backendName} ${name} train b${batch}: ${(s * 1e3).toFixed(1)} ms/step, ${(batch / s).toFixed(1)} img/s`);
    const st = backend.stats ? backend.stats() : null;
    if (st) console.log(`  allocator: ${(st.peakBytes / 2 ** 30).toFixed(2)} GiB peak, ${st.rawAllocs} device allocations, ${st.cacheHits} cache hits, cuDNN algorithms cached ${st.algoCacheSize}`);
    opt.dispose(); loss.dispose(); x.dispose(); labels.dispose(); model.dispose();
  }
  const json = arg('--json');
  if (json) writeFileSync(json, JSON.stringify(out, null, 2));
  backend.dispose();
  return 0;
}

const run = { doctor, conformance, bench }[cmd];
if (!run) { console.error(`gpu-check.mjs: unknown command '${cmd}' (doctor, conformance, bench)`); process.exit(2); }
try {
  process.exitCode = await run();
} catch (e) {
  console.error(`gpu-check.mjs ${cmd}: ${e?.stack ?? e}`);
  process.exitCode = 1;
}
