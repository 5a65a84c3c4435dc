#!/usr/bin/env node
// GPU check of the native backend (steps run by scripts/gpu-check.sh, each under its own timeout).
// Uses the compiled JS that scripts/gpu-check-prepare.sh writes to .device/dist (no npm packages
// needed there). Every subcommand streams its results as it goes and writes its JSON as soon as it
// has something, so a crash or a timeout loses at most the case in flight.
//   doctor --out DIR                 device, libraries, the path probe (doctor.json)
//   conformance --label L --out DIR  every kernel vs the js float64 reference (TF32 off), one worker
//                                    process at a time: a crash or a sticky CUDA error ends the worker,
//                                    the supervisor records that kernel and restarts after it
//                                    (conformance-L.jsonl per kernel, conformance-L.json at the end)
//   invalid --out DIR                invalid inputs behave as on the js reference (invalid.json)
//   bench --model M --out DIR        inference b1/b64 + training step b64, images/s, plus the logits
//                                    checksum (bench-M.json, checksum-M-<path>.json)
//   checksum --model M --out DIR     the checksum only (run with the own kernels), compared with the
//                                    cuDNN run's (checksum-M-own.json, exit 1 on a mismatch)
//   summary --out DIR                the table of every step (summary.txt)
// CONVNETS_GPU_CHECK_BACKEND=js runs the plumbing on the CPU (a dry run of this script).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const root = resolve(dirname(here), '..');
const dist = resolve(process.env.CONVNETS_GPU_DIST ?? join(root, '.device', 'dist'));
const imp = (p) => import(pathToFileURL(join(dist, p)).href);

const [cmd = 'doctor', ...rest] = process.argv.slice(2);
const arg = (name, dflt) => { const i = rest.indexOf(name); return i >= 0 ? rest[i + 1] : dflt; };
const out = resolve(arg('--out', process.env.OUT ?? '/tmp/gpu-check'));
mkdirSync(out, { recursive: true });
const writeJson = (file, v) => writeFileSync(join(out, file), JSON.stringify(v, null, 2));
const readJson = (file, dflt) => { try { return JSON.parse(readFileSync(join(out, file), 'utf8')); } catch { return dflt; } };
const backendName = process.env.CONVNETS_GPU_CHECK_BACKEND ?? 'cuda';
/** Errors after which the CUDA context is unusable: the worker must end (the supervisor restarts it). */
const STICKY = /cudaErrorIllegalAddress|cudaErrorLaunchFailure|cudaErrorIllegalInstruction|cudaErrorMisalignedAddress|cudaErrorHardwareStackError|cudaErrorAssert|cudaErrorInvalidPc|cudaErrorLaunchTimeout|cudaErrorUnknown|cudaErrorECCUncorrectable/;

async function makeBackend(opts = {}) {
  if (backendName === 'js') {
    const { JsBackend } = await imp('src/ts/backends/js/index.js');
    return new JsBackend();
  }
  const native = await imp('src/ts/backends/native/index.js');
  const l = native.loadAddon();
  if (!l.addon) throw new Error(`native addon: ${l.error}`);
  const why = native.noDeviceReason(l.addon.deviceInfo());
  if (why) throw new Error(`native backend unavailable: ${why}`);
  return new native.NativeBackend(l.addon, { tf32: false, ...opts });
}

async function doctor() {
  const { doctorReport, formatDoctor } = await imp('src/ts/cli/doctor.js');
  const r = await doctorReport();
  writeJson('doctor.json', r);
  console.log(formatDoctor(r));
  return r.native.devices.length && !r.native.pathsError ? 0 : 1;
}

// ---- conformance: supervisor + worker -----------------------------------------------------------------------
function events(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function conformance() {
  const label = arg('--label', 'native');
  const file = join(out, `conformance-${label}.jsonl`);
  writeFileSync(file, '');
  let restarts = 0;
  for (;;) {
    const r = spawnSync(process.execPath, [here, 'conformance-worker', ...rest], { stdio: 'inherit', env: process.env });
    const ev = events(file);
    const ended = new Set(ev.filter((e) => e.event === 'end').map((e) => e.kernel));
    const open = ev.filter((e) => e.event === 'start' && !ended.has(e.kernel)).map((e) => e.kernel);
    for (const k of open) {
      const why = r.signal ? `worker killed by ${r.signal}` : `worker exited with status ${r.status}`;
      console.log(`FAIL ${label} ${k}: crashed (${why})`);
      appendFileSync(file, JSON.stringify({ event: 'end', kernel: k, ok: false, checks: 0, failures: [`crashed: ${why}`], crashed: true }) + '\n');
    }
    const done = ev.some((e) => e.event === 'finished');
    // Restart only past a kernel that crashed or left a sticky error (status 3); anything else is final.
    if (done || (open.length === 0 && r.status !== 3) || ++restarts > 8) break;
    console.log(`# ${label}: restarting the worker after ${open.join(', ') || 'an early exit'} (restart ${restarts})`);
  }
  const ev = events(file);
  const ends = ev.filter((e) => e.event === 'end');
  const failed = ends.filter((e) => !e.ok);
  const fin = ev.find((e) => e.event === 'finished');
  const skipped = ends.filter((e) => e.skipped).map((e) => e.kernel);
  const summary = { label, kernels: ends.length, failedKernels: failed.map((e) => e.kernel), skippedKernels: skipped,
    checks: ends.reduce((s, e) => s + e.checks, 0),
    restarts, paths: ev.filter((e) => e.event === 'paths').map((e) => e.paths), leakFree: fin?.leakFree ?? null,
    startError: ev.find((e) => e.event === 'error')?.message ?? null };
  writeJson(`conformance-${label}.json`, summary);
  console.log(`conformance ${label}: ${ends.length - failed.length - skipped.length}/${ends.length} kernels passed, ${summary.checks} checks` +
    (skipped.length ? `, ${skipped.length} not reached in the time budget` : '') +
    (restarts ? `, ${restarts} worker restart(s)` : '') + (summary.startError ? ` (${summary.startError})` : ''));
  return failed.length || summary.startError || !fin ? 1 : 0;
}

async function conformanceWorker() {
  const label = arg('--label', 'native');
  const file = join(out, `conformance-${label}.jsonl`);
  const emit = (e) => appendFileSync(file, JSON.stringify(e) + '\n');
  const only = arg('--kernels') ? new Set(arg('--kernels').split(',')) : null;
  const deadline = arg('--max-seconds') ? Date.now() + 1000 * Number(arg('--max-seconds')) : Infinity;
  const done = new Set(events(file).filter((e) => e.event === 'end').map((e) => e.kernel));
  let backend;
  try {
    backend = await makeBackend();
    backend.dispose();
  } catch (e) {
    emit({ event: 'error', message: e.message });
    console.log(`FAIL ${label}: ${e.message}`);
    process.exit(2);
  }
  const { runConformance } = await imp('test/conformance/index.js');
  let cur = null;
  const finish = () => {
    if (!cur) return;
    const c = cur;
    cur = null;
    emit({ event: 'end', kernel: c.kernel, ok: c.failures.length === 0, checks: c.checks, failures: c.failures.slice(0, 20) });
    console.log(`${c.failures.length ? 'FAIL' : 'PASS'} ${label} ${c.kernel}: ${c.checks - c.failures.length}/${c.checks} checks`);
    if (c.sticky) { console.log(`# ${label}: sticky CUDA error in ${c.kernel}: ending this worker`); process.exit(3); }
  };
  // The few tap calls the shared harness makes, streamed per kernel.
  const rec = (ok, msg) => {
    if (!cur) return;
    cur.checks++;
    if (!ok) {
      cur.failures.push(String(msg));
      console.log(`FAIL ${label} ${cur.kernel}: ${msg}`);
      if (STICKY.test(String(msg))) cur.sticky = true;
    }
  };
  const tap = {
    test: async (name, fn) => {
      const kernel = name.slice(name.lastIndexOf(': ') + 2);
      if (done.has(kernel) || (only && !only.has(kernel))) return;
      if (Date.now() > deadline) { emit({ event: 'end', kernel, ok: true, checks: 0, failures: [], skipped: 'time budget' }); return; }
      emit({ event: 'start', kernel });
      cur = { kernel, checks: 0, failures: [] };
      // Dry runs of the supervisor on a CPU machine: die in this kernel as a segfault would.
      if (process.env.GPU_CHECK_SIMULATE_CRASH === kernel) process.kill(process.pid, 'SIGSEGV');
      const sub = { ...tap, test: tap.test };
      await fn(sub);
      finish();
    },
    ok: (c, m) => rec(c, m), fail: (m) => rec(false, m), pass: (m) => rec(true, m),
    equal: (a, b, m) => rec(a === b, `${m} (got ${a}, want ${b})`),
    comment: (m) => console.log(`# ${m}`),
  };
  let leakFree = null;
  const topEqual = (a, b, m) => { leakFree = a === b; if (a !== b) console.log(`FAIL ${label}: ${m} (got ${a}, want ${b})`); };
  await runConformance({ ...tap, equal: (a, b, m) => (cur ? rec(a === b, `${m} (got ${a}, want ${b})`) : topEqual(a, b, m)) }, label,
    async () => {
      const b = await makeBackend();
      const dispose = b.dispose.bind(b);
      b.dispose = () => { if (b.stats) emit({ event: 'paths', paths: b.stats().paths }); dispose(); };
      return b;
    }, { cases: process.env.CONVNETS_CONFORMANCE_FULL ? 'full' : 'small', large: process.env.CONVNETS_CONFORMANCE_LARGE === '1' });
  emit({ event: 'finished', leakFree });
  return 0;
}

// ---- invalid inputs against the js reference --------------------------------------------------------------
async function invalid() {
  const { JsBackend } = await imp('src/ts/backends/js/index.js');
  const b = await makeBackend(), js = new JsBackend();
  const results = [];
  const msg = (f) => { try { f(); return null; } catch (e) { return String(e.message).replace(/^native: /, ''); } };
  const check = (name, ok, detail) => { results.push({ name, ok, detail }); console.log(`${ok ? 'PASS' : 'FAIL'} invalid ${name}: ${detail}`); writeJson('invalid.json', results); };
  // 1. max pool, a window entirely in padding: the same error
  const pp = { n: 1, inH: 4, inW: 4, c: 1, outH: 4, outW: 2, kH: 2, kW: 2, strideH: 2, strideW: 2, padTop: 2, padLeft: 0, padBottom: 2, padRight: 0, countIncludePad: false };
  const mp = (be) => msg(() => be.maxPool2d(pp, be.alloc(16), be.alloc(8)));
  check('maxPool2d window in padding', mp(b) === mp(js) && mp(js) !== null, `${mp(b)}`);
  // 2. labels: the error names the sample, deferred to the next read, same text
  const n = 4, classes = 3;
  const xent = (be, labels, logits) => {
    const z = be.alloc(n * classes), l = be.alloc(n), pr = be.alloc(n * classes), loss = be.alloc(n);
    be.write(z, logits); be.write(l, labels);
    const call = msg(() => be.softmaxCrossEntropy({ n, classes, smoothing: 0 }, z, l, pr, loss));
    let read = null, values = null;
    try { values = Array.from(be.read(loss)); } catch (e) { read = String(e.message).replace(/^native: /, ''); }
    return { call, read, values };
  };
  const logits = Array.from({ length: n * classes }, (_, i) => (i % 5) / 3);
  const bad = xent(b, [0, 1, 9, 2], logits), badJs = xent(js, [0, 1, 9, 2], logits);
  // native reports it at the read (deferred status); the reference at the call: the same message either way
  check('softmaxCrossEntropy bad label', (bad.call ?? bad.read) === badJs.call && badJs.call !== null,
    `launch: ${bad.call ?? 'no error'}; read: ${bad.read ?? 'no error'}`);
  const again = xent(b, [0, 1, 2, 2], logits);
  check('usable after a label error', again.read === null, again.read ?? 'ok');
  // 3. a -inf logit without smoothing: finite loss, as the js reference (0 * -inf must not be NaN)
  const inf = logits.slice(); inf[1] = -Infinity;
  const r = xent(b, [0, 0, 2, 2], inf), rJs = xent(js, [0, 0, 2, 2], inf);
  const same = r.values && rJs.values && r.values.every((v, i) => Math.abs(v - rJs.values[i]) <= 1e-5 * Math.max(1, Math.abs(rJs.values[i])));
  check('softmaxCrossEntropy -inf logit', !!same, `native ${JSON.stringify(r.values)} js ${JSON.stringify(rJs.values)}`);
  b.dispose();
  return results.every((x) => x.ok) ? 0 : 1;
}

// ---- models: timing and the logits checksum ------------------------------------------------------------------
async function modelRun(name, { timing, iters }) {
  const { createModel } = await imp('src/architectures/index.js');
  const { Tensor } = await imp('src/ts/core/tensor.js');
  const { CrossEntropyLoss } = await imp('src/ts/train/losses.js');
  const { SGD } = await imp('src/ts/train/optim.js');
  const { manualSeed } = await imp('src/ts/nn/init.js');
  const registry = await imp('src/ts/core/registry.js');
  const backend = await makeBackend();
  registry.setBackend(backend);
  const sync = () => (backend.synchronize ? backend.synchronize() : undefined);
  manualSeed(0); // the same weights in every process: the checksum compares paths, not initialisations
  const model = createModel(name, { numClasses: 1000 });
  const size = Number(arg('--size', model.defaultInputSize));
  const trainBatch = Number(arg('--batch', '64'));
  const rows = [], sums = {};
  const time = (fn, n) => {
    for (let i = 0; i < Math.min(3, n); i++) fn(); // warm-up: plans, cuDNN algorithm search
    sync();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    sync();
    return Number(process.hrtime.bigint() - t0) / 1e9 / n;
  };
  model.eval();
  for (const batch of [1, trainBatch]) {
    const x = Tensor.randn([batch, size, size, 3], 7 + batch, 1, 0, backend);
    const y = Array.from(model.forward(x, { training: false }).data());
    sums[batch === 1 ? 'b1' : 'bTrain'] = { batch, sum: y.reduce((a, v) => a + v, 0), abs: y.reduce((a, v) => a + Math.abs(v), 0), first: y.slice(0, 1000) };
    if (timing) {
      const s = time(() => model.forward(x, { training: false }), batch === 1 ? iters * 2 : iters);
      rows.push({ model: name, mode: 'inference', batch, ms: s * 1e3, imgPerSec: batch / s });
      console.log(`convnets ${name} inference b${batch}: ${(s * 1e3).toFixed(2)} ms, ${(batch / s).toFixed(1)} img/s`);
    }
    x.dispose();
  }
  const x = Tensor.randn([trainBatch, size, size, 3], 2, 1, 0, backend);
  const labels = Tensor.from(Array.from({ length: trainBatch }, (_, i) => (i * 37) % 1000), [trainBatch], backend);
  const loss = new CrossEntropyLoss();
  const opt = new SGD(model.namedParameters(), { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
  model.train();
  const step = () => {
    const v = loss.forward(model.forward(x, { training: true }), labels); // reads the loss: one sync per step
    model.backward(loss.backward());
    opt.step();
    return v;
  };
  sums.trainLoss = step();
  if (timing) {
    const s = time(step, Math.max(1, Math.ceil(iters / 2)));
    rows.push({ model: name, mode: 'train', batch: trainBatch, ms: s * 1e3, imgPerSec: trainBatch / s });
    console.log(`convnets ${name} train b${trainBatch}: ${(s * 1e3).toFixed(1)} ms/step, ${(trainBatch / s).toFixed(1)} img/s`);
  }
  const st = backend.stats ? backend.stats() : null;
  opt.dispose(); loss.dispose(); x.dispose(); labels.dispose(); model.dispose();
  backend.dispose();
  return { rows, sums, paths: st?.paths ?? null, peakBytes: st?.peakBytes ?? null };
}

async function bench() {
  const name = arg('--model', 'resnet50');
  const r = await modelRun(name, { timing: true, iters: Number(arg('--iters', '20')) });
  writeJson(`bench-${name}.json`, r.rows);
  writeJson(`checksum-${name}-libs.json`, r.sums);
  writeJson(`paths-${name}.json`, r.paths);
  return 0;
}

async function checksum() {
  const name = arg('--model', 'resnet50');
  const r = await modelRun(name, { timing: false });
  writeJson(`checksum-${name}-own.json`, r.sums);
  const ref = readJson(`checksum-${name}-libs.json`, null);
  if (!ref) { console.log(`FAIL checksum ${name}: no cuDNN-path checksum to compare with`); return 1; }
  const rel = (a, b) => Math.abs(a - b) / Math.max(1e-12, Math.abs(b));
  let worst = 0;
  ref.b1.first.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - r.sums.b1.first[i]) / Math.max(1, Math.abs(v))); });
  const res = {
    b1MaxRelDiff: worst, bTrainAbsRelDiff: rel(r.sums.bTrain?.abs ?? NaN, ref.bTrain?.abs ?? NaN),
    trainLoss: [ref.trainLoss, r.sums.trainLoss], trainLossRelDiff: rel(r.sums.trainLoss, ref.trainLoss),
  };
  const ok = res.b1MaxRelDiff <= 1e-3 && res.bTrainAbsRelDiff <= 1e-3 && res.trainLossRelDiff <= 1e-3;
  writeJson(`checksum-${name}.json`, { ...res, ok });
  console.log(`${ok ? 'PASS' : 'FAIL'} checksum ${name}: logits b1 max rel diff ${worst.toExponential(2)}, b${ref.bTrain?.batch} sum|.| rel diff ` +
    `${res.bTrainAbsRelDiff.toExponential(2)}, first train loss ${ref.trainLoss} vs ${r.sums.trainLoss} (cuDNN path vs own kernels)`);
  return ok ? 0 : 1;
}

function summary() {
  const steps = readJson('summary.json', { steps: [] }).steps;
  const lines = ['step                       status    seconds', ...steps.map((s) => `${s.name.padEnd(26)} ${s.status.padEnd(9)} ${String(s.seconds).padStart(7)}`)];
  const ours = [...readJson('bench-resnet50.json', []), ...readJson('bench-mobilenet_v2.json', [])];
  const torch = readJson('pytorch.json', []);
  if (ours.length) {
    lines.push('', 'model         mode       batch   convnets    pytorch   ratio');
    for (const r of ours) {
      const p = torch.find((q) => q.model === r.model && q.mode === r.mode && q.batch === r.batch);
      lines.push(`${r.model.padEnd(13)} ${r.mode.padEnd(10)} ${String(r.batch).padStart(5)} ${r.imgPerSec.toFixed(1).padStart(10)} ` +
        `${(p ? p.imgPerSec.toFixed(1) : '-').padStart(10)} ${(p ? (r.imgPerSec / p.imgPerSec).toFixed(2) : '-').padStart(7)}`);
    }
  }
  for (const label of ['own', 'memcheck', 'libs']) {
    const c = readJson(`conformance-${label}.json`, null);
    if (c) lines.push(`conformance ${label}: ${c.kernels - c.failedKernels.length - c.skippedKernels.length}/${c.kernels} kernels passed` +
      (c.failedKernels.length ? ` (failed: ${c.failedKernels.join(', ')})` : '') +
      (c.skippedKernels.length ? ` (not reached: ${c.skippedKernels.length})` : ''));
  }
  const text = lines.join('\n');
  writeFileSync(join(out, 'summary.txt'), text + '\n');
  console.log(text);
  return 0;
}

const run = { doctor, conformance, 'conformance-worker': conformanceWorker, invalid, bench, checksum, summary }[cmd];
if (!run) { console.error(`gpu-check.mjs: unknown command '${cmd}' (doctor, conformance, invalid, bench, checksum, summary)`); process.exit(2); }
try {
  process.exitCode = await run();
} catch (e) {
  console.error(`FAIL gpu-check.mjs ${cmd}: ${e?.stack ?? e}`);
  process.exitCode = 1;
}
