// Training on the cpu backend reaches what wasm reaches: the `convnets train` default model
// (resnet_digits, AdamW one-cycle) on the embedded digits, the same seed on both backends, one epoch
// of the 8,000 training digits at batch 32 (about 20-40 s per backend on 2 cores). Both must reach the
// accuracy bar, and the per-step losses must track each other: equal to float rounding at first (the
// backends sum in different orders), and close over the whole run.
//
// The bar: the full recipe of test/browser/train-full.browser.ts (4 epochs at batch 64) is held to 97%;
// one epoch at batch 32 reaches 95% on wasm (measured: `node` over fit() with these options), so this
// short run is held to 93%. CONVNETS_TRAIN_FULL=1 runs the 4-epoch recipe at batch 64 and holds both
// backends to 97%.
import t from 'tap';
import { backendAvailability, createBackend, setBackend } from '../../src/ts/core/registry.js';
import { loadData, modelForData } from '../../src/ts/cli/train.js';
import { manualSeed } from '../../src/ts/nn/init.js';
import { fit } from '../../src/ts/train/trainer.js';
import type { FitResult } from '../../src/ts/train/trainer.js';

const FULL = !!process.env.CONVNETS_TRAIN_FULL;
const BAR = FULL ? 0.97 : 0.93;
const opts = FULL ? { epochs: 4, batchSize: 64 } : { epochs: 1, batchSize: 32 };

const why = (await backendAvailability('cpu')) ?? (await backendAvailability('wasm'));
if (why) {
  t.fail(`cpu and wasm must both be available to compare them: ${why}`);
} else {
  const data = await loadData('mnist');
  const run = async (name: string): Promise<FitResult> => {
    const b = await createBackend(name, { threads: 2 });
    setBackend(b);
    manualSeed(1);
    const m = modelForData('resnet_digits', data);
    try {
      return await fit(m, data, { ...opts, optimizer: 'adamw', schedule: { kind: 'onecycle' }, seed: 1, progress: 'none' });
    } finally {
      m.dispose();
    }
  };
  const res: Record<string, FitResult> = {};
  for (const name of ['wasm', 'cpu']) {
    await t.test(`${name}: resnet_digits, ${opts.epochs} epoch(s) at batch ${opts.batchSize}`, async (tt) => {
      const r = res[name] = await run(name);
      tt.ok(r.testAccuracy >= BAR, `held-out accuracy ${(100 * r.testAccuracy).toFixed(2)}% >= ${100 * BAR}% ` +
        `(${Math.round(r.imagesPerSecond)} images/s)`);
    });
  }
  t.test('the losses track each other', async (tt) => {
    const a = res.wasm?.stepLosses, b = res.cpu?.stepLosses;
    if (!a || !b) {
      tt.fail('a run failed (above)');
      return;
    }
    tt.equal(b.length, a.length, `${a.length} steps on both`);
    let early = 0;
    for (let i = 0; i < 20; i++) early = Math.max(early, Math.abs(a[i] - b[i]) / Math.abs(a[i]));
    tt.ok(early <= 1e-3, `the first 20 losses agree to ${early.toExponential(1)} (<= 1e-3)`);
    // Windows of 25 steps: the mean loss of each within 10% (or 0.02 absolute once the loss is small).
    // For scale: two wasm runs whose initial weights differ (seed 1 vs 2, the same batches) stayed within
    // 6.3% and 0.35 accuracy points; float rounding is a far smaller perturbation than that.
    let worst = 0;
    for (let s = 0; s + 25 <= a.length; s += 25) {
      const ma = a.slice(s, s + 25).reduce((x, y) => x + y, 0) / 25, mb = b.slice(s, s + 25).reduce((x, y) => x + y, 0) / 25;
      worst = Math.max(worst, Math.abs(ma - mb) / Math.max(ma, 0.2));
    }
    tt.ok(worst <= 0.1, `windowed mean losses within ${(100 * worst).toFixed(1)}% (<= 10%)`);
    const acc = Math.abs(res.wasm.testAccuracy - res.cpu.testAccuracy);
    tt.ok(acc <= 0.015, `held-out accuracies within ${(100 * acc).toFixed(2)} points (<= 1.5)`);
  });
}
