// fit(): learning, reproducibility, checkpoint/resume, NaN stop, no tensor growth, bad input.
import t from 'tap';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { setBackend } from '../../src/ts/core/registry.js';
import { checkMemoryFits, fit, TrainingDivergedError, loadCheckpoint } from '../../src/ts/train/trainer.js';
import type { FitOptions } from '../../src/ts/train/trainer.js';
import * as nn from '../../src/ts/nn/index.js';
import { quadrantSplit, tinyNet } from './fixtures.js';

const be = new JsBackend();
setBackend(be);
const dir = mkdtempSync(join(tmpdir(), 'convnets-train-'));
const data = quadrantSplit();
const base: FitOptions = { epochs: 3, batchSize: 16, lr: 0.02, progress: 'none', seed: 5 };

t.test('loss decreases and the held-out set is learned', async (t) => {
  const m = tinyNet();
  const r = await fit(m, data, { ...base, epochs: 4 });
  const L = r.stepLosses;
  const first = (L[0] + L[1] + L[2]) / 3, lastL = (L[L.length - 1] + L[L.length - 2] + L[L.length - 3]) / 3;
  t.ok(lastL < 0.6 * first, `mean loss of the last 3 steps ${lastL.toFixed(3)} < 0.6 x first 3 ${first.toFixed(3)}`);
  t.ok(r.testAccuracy > 0.8, `held-out accuracy ${r.testAccuracy}`);
  t.equal(r.steps, 4 * 6);
  t.equal(r.history.length, 4);
  // no tensor growth: the backend holds the same number of scalars after every epoch
  const alloc = r.history.map((h) => h.backendAllocated);
  t.ok(alloc.every((a) => a === alloc[0]), `backend.allocated() per epoch: ${alloc}`);
  m.dispose();
});

t.test('same seed, same curve; another seed, another curve', async (t) => {
  const a = await fit(tinyNet(), data, base);
  const b = await fit(tinyNet(), data, base);
  const c = await fit(tinyNet(), data, { ...base, seed: 6 });
  t.same(a.stepLosses, b.stepLosses, 'identical step losses');
  t.notSame(a.stepLosses, c.stepLosses, 'a different data/dropout seed changes the curve');
});

t.test('checkpoint -> resume continues the identical curve; metrics files', async (t) => {
  const ck = join(dir, 'run.safetensors'), ck1 = join(dir, 'epoch1.safetensors');
  const full = await fit(tinyNet(), data, {
    ...base, checkpoint: ck, metrics: join(dir, 'metrics'),
    // At the first step of epoch 2, the file holds epoch 1: keep a copy.
    onStep: (s) => { if (s.step === 7) copyFileSync(ck, ck1); },
  });
  const meta = loadCheckpoint(ck1, tinyNet(99)).metadata;
  t.equal(meta.epoch, '1'); t.equal(meta.step, '6'); t.equal(meta.seed, '5'); t.equal(meta.optimizer, 'adamw');
  // a differently initialised model resumed from epoch 1 reproduces epochs 2 and 3 exactly
  const resumed = await fit(tinyNet(99), data, { ...base, resume: ck1 });
  t.same(resumed.stepLosses, full.stepLosses, 'continued curve identical (steps 1-6 from the checkpoint, 7-18 recomputed)');
  t.equal(resumed.testAccuracy, full.testAccuracy);
  t.same(resumed.history.map((h) => h.epoch), [1, 2, 3]);
  const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  t.equal(csv.length, 4, 'header + 3 epochs');
  t.match(csv[0], /^epoch,step,lr,trainLoss,trainAccuracy,testLoss,testAccuracy/);
  const js = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  t.equal(js.stepLosses.length, 18);
  t.equal(js.history[2].testAccuracy, full.testAccuracy);
  // resuming with another optimizer, or from a non-checkpoint, is an error naming the file
  await t.rejects(fit(tinyNet(), data, { ...base, optimizer: 'sgd', resume: ck1 }), /epoch1.safetensors: saved with optimizer 'adamw'/);
  writeFileSync(join(dir, 'junk.safetensors'), 'not a checkpoint');
  await t.rejects(fit(tinyNet(), data, { ...base, resume: join(dir, 'junk.safetensors') }), /junk.safetensors/);
  await t.rejects(fit(tinyNet(1, 4, 0.2), data, { ...base, resume: join(dir, 'none.safetensors') }), /none.safetensors/);
});

t.test('NaN loss stops with the epoch and step named; last good checkpoint kept', async (t) => {
  const ck = join(dir, 'nan.safetensors');
  const m = tinyNet();
  let good: Buffer | null = null;
  const err = await fit(m, data, {
    ...base, checkpoint: ck,
    onStep: (s) => {
      if (s.step === 8) {
        good = readFileSync(ck);
        const w = [...m.namedParameters()].find(([n]) => n.endsWith('weight') && n.startsWith('5'))![1].value;
        w.set(new Float32Array(w.size).fill(NaN));
      }
    },
  }).catch((e) => e);
  t.ok(err instanceof TrainingDivergedError, `error: ${err}`);
  t.match(err.message, /loss is NaN at epoch 2, step 9 \(batch 3 of 6/);
  t.match(err.message, /last good checkpoint .*nan.safetensors was not overwritten/);
  t.equal(err.epoch, 2); t.equal(err.step, 9);
  t.ok(good && Buffer.compare(readFileSync(ck), good) === 0, 'checkpoint bytes unchanged');
  t.equal(loadCheckpoint(ck, tinyNet()).epoch, 1);
});

t.test('a model that does not fit the data is refused before training', async (t) => {
  nn.manualSeed(1);
  const wrongClasses = tinyNet(1, 10);
  await t.rejects(fit(wrongClasses, data, base), /predicts 10 classes but quadrants-train has 4/);
  const rgb = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.Flatten(), new nn.Linear(144, 4));
  await t.rejects(fit(rgb, data, base), /cannot take 8x8x1 images from quadrants-train/);
  const big = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.MaxPool2d(4), new nn.Conv2d(4, 4, 3));
  await t.rejects(fit(big, data, base), /cannot take 8x8x1 images|not class scores/);
  await t.rejects(fit(tinyNet(), data, { ...base, epochs: 0 }), /epochs must be a positive integer/);
});

t.test('a checkpoint write that fails part-way leaves the previous file intact', async (t) => {
  const ck = join(dir, 'atomic.safetensors');
  await fit(tinyNet(), data, { ...base, epochs: 1, checkpoint: ck, seed: 1 });
  const before = readFileSync(ck);
  // Simulate a full disk: writeSync writes a little, then fails with ENOSPC (patched on the builtin
  // module and synced into its ESM namespace, so the writer's `import * as fs` sees it).
  const realWrite = fs.writeSync;
  let partial = 0;
  (fs as { writeSync: unknown }).writeSync = (fd: number, buf: Uint8Array | string, off?: number, len?: number) => {
    // The lock file (a few dozen bytes) is written first and must succeed: fail only the checkpoint.
    if (typeof buf === 'string' || buf.length < 1000) return realWrite(fd, buf as Uint8Array, off ?? 0, len ?? buf.length);
    if (partial > 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    partial = realWrite(fd, buf, off ?? 0, Math.min(len ?? buf.length, 100));
    return partial;
  };
  syncBuiltinESMExports();
  let err: unknown;
  try {
    err = await fit(tinyNet(), data, { ...base, epochs: 1, checkpoint: ck, seed: 2 }).catch((e) => e);
  } finally {
    (fs as { writeSync: unknown }).writeSync = realWrite;
    syncBuiltinESMExports();
  }
  t.equal(partial, 100, 'the write failed part-way');
  t.match(String(err), /cannot write .*atomic.safetensors: ENOSPC/);
  t.ok(Buffer.compare(readFileSync(ck), before) === 0, 'previous checkpoint intact');
  t.notOk(readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp files left');
  t.equal(loadCheckpoint(ck, tinyNet()).seed, 1, 'still the first run\'s checkpoint');
});

t.test('auxiliary classifier losses are added with their weight and train the aux head', async (t) => {
  const { AuxTap } = await import('../../src/architectures/blocks.js');
  const build = (): nn.Module => {
    nn.manualSeed(3);
    return nn.Sequential.named([
      ['conv', new nn.Conv2d(1, 4, 3, { padding: 1, stride: 2 })], ['relu', new nn.ReLU()],
      ['aux1', new AuxTap(nn.Sequential.named([['pool', new nn.GlobalAvgPool2d()], ['flat', new nn.Flatten()], ['fc', new nn.Linear(4, 4)]]))],
      ['flatten', new nn.Flatten()], ['fc', new nn.Linear(64, 4)],
    ]);
  };
  const auxW = (m: nn.Module): Float32Array => [...m.namedParameters()].find(([n]) => n === 'aux1.fc.weight')![1].value.toFloat32();
  const run = async (auxWeight: number): Promise<{ m: nn.Module; losses: number[] }> => {
    const m = build();
    const r = await fit(m, data, { ...base, epochs: 1, auxWeight, weightDecay: 0, maxSteps: 2 });
    return { m, losses: r.stepLosses };
  };
  const off = await run(0), on = await run(0.3);
  const w0 = auxW(build());
  t.same(auxW(off.m), w0, 'weight 0: the aux head gets no update');
  t.notSame(auxW(on.m), w0, 'weight 0.3: the aux head learns');
  // first step: same parameters, so total = main + 0.3 * aux, with aux ~ ln 4 at init
  const extra = on.losses[0] - off.losses[0];
  t.ok(extra > 0.3 * Math.log(4) * 0.8 && extra < 0.3 * Math.log(4) * 1.2, `aux term ${extra.toFixed(4)} ~ 0.3 ln 4`);
});

t.test('evaluate: a padded last batch gives exactly the per-sample result', async (t) => {
  const { evaluate } = await import('../../src/ts/train/trainer.js');
  const { DataLoader } = await import('../../src/ts/data/loader.js');
  const { CrossEntropyLoss } = await import('../../src/ts/train/losses.js');
  const m = tinyNet();
  await fit(m, data, { ...base, epochs: 1 });
  const flat = (x: import('../../src/ts/core/tensor.js').Tensor) => x;
  const run = async (batchSize: number, padLast: boolean) => {
    const l = new DataLoader(data.test, { batchSize, padLast, mean: data.mean, std: data.std, backend: be });
    const loss = new CrossEntropyLoss();
    try { return await evaluate(m, l, loss, flat); } finally { l.dispose(); loss.dispose(); }
  };
  const one = await run(1, false), padded = await run(20, true); // 48 = 20 + 20 + 8 real rows
  t.equal(padded.accuracy, one.accuracy, 'accuracy over the 48 real samples only');
  t.ok(Math.abs(padded.loss - one.loss) < 1e-6, `mean loss ${padded.loss} vs ${one.loss}`);
  m.dispose();
});

t.test('memory: a run that cannot fit is refused before any step, with the estimate and the largest batch', async (t) => {
  const m = tinyNet();
  const shape = [64, 8, 8, 1];
  const at = (b: number): number => nn.trainingMemory(m, [b, 8, 8, 1], { optimizer: 'adamw' }).total;
  const limit = (at(20) + at(21)) / 2; // batch 20 fits, 21 does not
  t.throws(() => checkMemoryFits(m, be, shape, 'adamw', 'tiny', limit), /tiny at batch 64 on 8x8 needs about .* GiB .*the largest batch that fits is 20 /);
  t.doesNotThrow(() => checkMemoryFits(m, be, [20, 8, 8, 1], 'adamw', 'tiny', limit), 'batch 20 is accepted');
  t.doesNotThrow(() => checkMemoryFits(m, be, shape, 'adamw', 'tiny'), 'no limit on js');
  t.ok(at(64) > at(32), 'the estimate grows with the batch');
  m.dispose();
});

t.test('fit({ recompute }): the same curve, bit for bit', async (t) => {
  const run = async (recompute: boolean): Promise<number[]> => {
    nn.manualSeed(3);
    const m = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(4), new nn.ReLU(),
      nn.Sequential.named([
        ['0', new nn.Residual([['c', new nn.Conv2d(4, 4, 3, { padding: 1, bias: false })], ['bn', new nn.BatchNorm2d(4)]], { post: new nn.ReLU() })],
        ['1', new nn.Residual([['c', new nn.Conv2d(4, 4, 3, { padding: 1, bias: false })], ['bn', new nn.BatchNorm2d(4)]], { post: new nn.ReLU() })],
      ]),
      new nn.GlobalAvgPool2d(), new nn.Flatten(), new nn.Linear(4, 4));
    const r = await fit(m, data, { ...base, epochs: 1, recompute: recompute ? 1 : false });
    m.dispose();
    return [...r.stepLosses, r.testLoss];
  };
  t.same(await run(true), await run(false));
});
