// Callbacks: EarlyStopping (patience, restoreBest), ReduceLROnPlateau (factor, minLr, the rate the
// optimiser then sees), ModelCheckpoint (best only), batch-end hooks, evaluateModel, forward(x)
// without a context, and the held-out progress lines.
import t from 'tap';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { setBackend } from '../../src/ts/core/registry.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { readSafetensorsFile } from '../../src/ts/io/safetensors.js';
import { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau } from '../../src/ts/train/callbacks.js';
import type { Callback, TrainingState } from '../../src/ts/train/callbacks.js';
import { evaluateModel } from '../../src/ts/train/evaluate.js';
import { fit } from '../../src/ts/train/trainer.js';
import type { EpochRecord, FitOptions } from '../../src/ts/train/trainer.js';
import { quadrantSplit, tinyNet } from './fixtures.js';

const be = new JsBackend();
setBackend(be);
const dir = mkdtempSync(join(tmpdir(), 'convnets-cb-'));
const data = quadrantSplit();
const base: FitOptions = { epochs: 3, batchSize: 16, lr: 0.02, progress: 'none', seed: 5, schedule: { kind: 'constant' } };

/** A TrainingState over fake records (no model needed for the decision logic). */
function fakeState(): TrainingState & { logs: string[] } {
  const logs: string[] = [];
  return { model: tinyNet(), history: [], stopTraining: false, lrScale: 1, baseLr: 0.1, logs, log: (s) => logs.push(s), saveCheckpoint: () => undefined };
}
const rec = (epoch: number, testLoss: number, testAccuracy = 0): EpochRecord => ({
  epoch, step: epoch, lr: 0.1, trainLoss: 1, trainAccuracy: 0, testLoss, testAccuracy, seconds: 1, imagesPerSecond: 1, rssMB: 1, backendAllocated: 0,
});

t.test('EarlyStopping: stops after patience epochs without improvement beyond minDelta', async (t) => {
  const s = fakeState();
  const es = new EarlyStopping({ patience: 2, minDelta: 0.01 });
  const losses = [1.0, 0.8, 0.795, 0.79, 0.9];
  let stoppedAt = 0;
  for (let i = 0; i < losses.length && !s.stopTraining; i++) { es.onEpochEnd(rec(i + 1, losses[i]), s); if (s.stopTraining) stoppedAt = i + 1; }
  t.equal(stoppedAt, 4, '0.795 and 0.79 do not beat 0.8 by 0.01: stop after the 2nd such epoch');
  t.equal(es.bestEpoch, 2);
  t.match(s.logs[0], /early stopping at epoch 4/);
  const acc = new EarlyStopping({ monitor: 'val_accuracy', patience: 0 });
  const s2 = fakeState();
  acc.onEpochEnd(rec(1, 1, 0.5), s2); acc.onEpochEnd(rec(2, 1, 0.6), s2);
  t.notOk(s2.stopTraining, 'accuracy is maximised');
  acc.onEpochEnd(rec(3, 1, 0.6), s2);
  t.ok(s2.stopTraining);
  t.throws(() => new EarlyStopping({ monitor: 'bogus' as 'loss' }), /monitor must be one of/);
  t.throws(() => new EarlyStopping({ patience: -1 }), /patience must be a non-negative integer/);
});

t.test('EarlyStopping in fit: stops the run, restores the best weights and reports their score', async (t) => {
  const m = tinyNet();
  // minDelta 100: epoch 1 sets the best, epoch 2 cannot beat it, so patience 0 stops after epoch 2.
  const es = new EarlyStopping({ patience: 0, minDelta: 100, restoreBest: true });
  const r = await fit(m, data, { ...base, epochs: 10, callbacks: [es] });
  t.equal(r.history.length, 2);
  t.equal(es.stoppedEpoch, 2);
  const ev = await evaluateModel(m, data.test, { mean: data.mean, std: data.std, batchSize: 16 });
  t.ok(Math.abs(ev.loss - r.history[0].testLoss!) < 1e-6, `weights of epoch 1 are back: loss ${ev.loss} = ${r.history[0].testLoss}`);
  t.ok(Math.abs(r.testLoss - r.history[0].testLoss!) < 1e-6, 'fit returns the restored score');
  t.equal(ev.count, data.test.count);
  m.dispose();
});

t.test('ReduceLROnPlateau: scales the learning rate the optimiser uses, never below minLr', async (t) => {
  const s = fakeState();
  const rl = new ReduceLROnPlateau({ factor: 0.5, patience: 2, minLr: 0.03 });
  [1, 1, 1, 1, 1, 1].forEach((l, i) => rl.onEpochEnd(rec(i + 1, l), s));
  t.same(rl.reductions, [3, 5], 'reduced after two flat epochs, then again two later');
  t.equal(s.lrScale, 0.3, 'x0.5 then clamped at minLr 0.03 / base 0.1');
  t.throws(() => new ReduceLROnPlateau({ factor: 1 }), /factor must be in \(0, 1\)/);

  // In fit: a callback that halves the rate after epoch 1; the step infos show the rate used.
  const m = tinyNet();
  const lrs: number[] = [];
  const halve: Callback = { onEpochEnd: (_r, st) => { st.lrScale = 0.5; }, onBatchEnd: (i) => { lrs.push(i.lr); } };
  await fit(m, data, { ...base, epochs: 2, callbacks: [halve] });
  t.equal(lrs.length, 12);
  t.ok(lrs.slice(0, 6).every((v) => v === 0.02) && lrs.slice(6).every((v) => v === 0.01), 'epoch 2 runs at half the rate');
  m.dispose();
});

t.test('batch-end callbacks can stop training mid-epoch', async (t) => {
  const m = tinyNet();
  const stopAt3: Callback = { onBatchEnd: (i, st) => { if (i.step === 3) st.stopTraining = true; } };
  const r = await fit(m, data, { ...base, epochs: 5, callbacks: [stopAt3] });
  t.equal(r.steps, 3);
  t.equal(r.history.length, 1);
  m.dispose();
});

t.test('ModelCheckpoint bestOnly writes only on improvement, as a resumable checkpoint', async (t) => {
  const s = fakeState();
  const file = join(dir, 'best.safetensors');
  const saves: string[] = [];
  s.saveCheckpoint = (f, meta) => { saves.push(`${f}:${meta?.monitorValue}`); };
  const mc = new ModelCheckpoint({ path: file, monitor: 'val_loss' });
  [0.9, 0.7, 0.8, 0.6].forEach((l, i) => mc.onEpochEnd(rec(i + 1, l), s));
  t.same(mc.saved, [1, 2, 4]);
  t.same(saves, [`${file}:0.9`, `${file}:0.7`, `${file}:0.6`]);
  t.throws(() => new ModelCheckpoint({ path: '' }), /give the file to write/);

  const m = tinyNet();
  if (existsSync(file)) rmSync(file);
  await fit(m, data, { ...base, epochs: 2, callbacks: [new ModelCheckpoint({ path: file, bestOnly: false })] });
  const meta = readSafetensorsFile(file).metadata;
  t.equal(meta.format, 'convnets-checkpoint-1');
  t.equal(meta.epoch, '2');
  t.equal(meta.monitor, 'testLoss');
  m.dispose();
});

t.test('forward(x) without a context runs inference; held-out evaluation reports progress', async (t) => {
  const m = tinyNet();
  const x = Tensor.from(new Float32Array(2 * 64).map((_, i) => (i % 7) / 7), [2, 8, 8, 1]);
  const a = m.forward(x).toFloat32();
  const b = m.forward(x, { training: false }).toFloat32();
  t.same([...a], [...b], 'same as an explicit inference context');
  const lines: string[] = [];
  await fit(m, data, { ...base, epochs: 1, progress: 'log', log: (s) => lines.push(s) });
  t.ok(lines.some((l) => /held-out: batch \d+\/3/.test(l)), 'a progress line during held-out evaluation');
  x.dispose(); m.dispose();
});
