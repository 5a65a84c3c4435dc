// The example pages served by examples/browser/server.mjs, in real Chromium:
// - train.html, a short run (the full run to >= 97% is `npm run test:browser-train`): trains in a
//   worker on 2 threads, the screenshot shows the chart, a digit drawn on the pad gets probabilities.
// - bench.html runs all three engines (convnets wasm, tfjs-backend-wasm, onnxruntime-web) on
//   MobileNetV2 at 1 and 2 threads (one timed run each: a smoke test, not a benchmark).
import t from 'tap';
import { browserSkipReason, launch, open, prepare, serve } from './helpers.js';
import { checkTrainPage, screenshotPath } from './train-page.js';

const skip = await browserSkipReason();
if (skip) {
  t.comment(skip);
  t.plan(0, skip);
} else {
  const prep = await prepare();
  await prep.exportDigits(() => {});
  const browser = await launch();
  const srv = await serve(true);
  t.teardown(async () => { await browser.close(); await srv.close(); });

  t.test('train.html (short run: 2 epochs on the first 1,024 digits)', async (tt) => {
    const r = await checkTrainPage(tt, browser, `${srv.url}train.html?threads=2&epochs=2&limit=1024`, screenshotPath(prep.DATA_DIR, 'train-page.png'), 240000);
    // 32 steps are far from converged (held-out accuracy still moves around), but the loss must fall.
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    const first = mean(r.losses.slice(0, 8)), last = mean(r.losses.slice(-8));
    tt.ok(last < 0.9 * first, `the training loss falls: mean of the first 8 steps ${first.toFixed(3)}, of the last 8 ${last.toFixed(3)}`);
    tt.ok(r.testAccuracy >= 0 && r.testAccuracy <= 1, `held-out accuracy ${(100 * r.testAccuracy).toFixed(2)}% is reported`);
  });

  t.test('bench.html (smoke: MobileNetV2, one timed run per engine)', async (tt) => {
    await prep.bundleTfjsWorker(() => {});
    await prep.exportBenchOnnx(() => {}, ['mobilenet_v2']);
    const { page, errors } = await open(browser, `${srv.url}bench.html?models=mobilenet_v2&threads=1,2&warmup=1&reps=1`);
    type Row = { model: string; threads: number; engine: string; median?: number; error?: string; maxRelDiff?: number; info?: { threads?: number } };
    await page.waitForFunction(() => (window as unknown as { __results: { done: boolean } }).__results.done, null, { timeout: 300000, polling: 1000 });
    const r = await page.evaluate(() => (window as unknown as { __results: { error: string | null; isolated: boolean; rows: Row[] } }).__results);
    tt.equal(r.error, null, 'no page error');
    tt.equal(r.isolated, true, 'cross-origin isolated');
    for (const threads of [1, 2]) {
      for (const engine of ['convnets', 'tfjs', 'ort']) {
        const row = r.rows.find((x) => x.threads === threads && x.engine === engine);
        tt.ok(row && row.error === undefined && (row.median ?? 0) > 0, `${engine} at ${threads} thread(s): ${row?.error ?? `${row?.median?.toFixed(1)} ms`}`);
        if (engine !== 'convnets') tt.ok((row?.maxRelDiff ?? Infinity) < 1e-3, `${engine} computes the same logits (max rel diff ${row?.maxRelDiff?.toExponential(2)})`);
        else tt.equal(row?.info?.threads, threads, `convnets ran ${threads} thread(s)`);
      }
    }
    tt.equal(await page.locator('#table tr').count(), 3, 'the table has a header and two rows');
    tt.same(errors, [], 'no console errors');
    await page.close();
  });
}
