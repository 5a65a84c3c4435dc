// The example pages served by examples/browser/server.mjs, in real Chromium:
// - train.html trains the digits ResNet (4 epochs of the `convnets train` recipe) in a worker with 2
//   threads and reaches >= 97% held-out; the screenshot shows the chart (its line colours are counted
//   in the PNG); a digit drawn on the pad gets probabilities.
// - bench.html runs all three engines (convnets wasm, tfjs-backend-wasm, onnxruntime-web) on
//   MobileNetV2 at 1 and 2 threads (one timed run each: a smoke test, not a benchmark).
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { browserSkipReason, decodePng, launch, open, prepare, serve } from './helpers.js';

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

  t.test('train.html', async (tt) => {
    const { page, errors } = await open(browser, `${srv.url}train.html?threads=2`);
    await page.setViewportSize({ width: 820, height: 900 });
    type State = { phase: string; error: string | null; evals: { testAccuracy: number }[]; steps: unknown[]; total: number;
      done: { testAccuracy: number; seconds: number; imagesPerSecond: number; info: { threads: number; shared: boolean; relaxedSimd: boolean } } | null; prediction: number[] | null };
    const state = (): Promise<State> => page.evaluate(() => (window as unknown as { __train: State }).__train);
    await page.waitForFunction(() => { const s = (window as unknown as { __train: State }).__train; return s.phase === 'done' || s.phase === 'error'; }, null, { timeout: 480000, polling: 1000 });
    const s = await state();
    tt.equal(s.error, null, 'no error');
    tt.equal(s.phase, 'done', 'training finished');
    tt.equal(s.steps.length, s.total, `every step reported (${s.total})`);
    tt.equal(s.done?.info.threads, 2, 'the worker trained on 2 threads');
    tt.ok((s.done?.testAccuracy ?? 0) >= 0.97, `held-out accuracy ${(100 * (s.done?.testAccuracy ?? 0)).toFixed(2)}% >= 97% ` +
      `(${s.done?.seconds.toFixed(1)} s, ${Math.round(s.done?.imagesPerSecond ?? 0)} training images/s, held-out after each epoch: ${s.evals.map((e) => (100 * e.testAccuracy).toFixed(2) + '%').join(' ')})`);

    // Draw a "1" (one vertical stroke) on the pad: the page shows probabilities for the 10 digits.
    const pad = page.locator('#pad');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.15 + 0.7 * i / 20));
    await page.mouse.up();
    await page.waitForFunction(() => (window as unknown as { __train: State }).__train.prediction !== null, null, { timeout: 20000 });
    const probs = (await state()).prediction!;
    tt.equal(probs.length, 10, 'ten probabilities');
    tt.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'they sum to 1');
    tt.equal(probs.indexOf(Math.max(...probs)), 1, `a vertical stroke is read as 1 (p = ${probs.map((p) => p.toFixed(3)).join(' ')})`);
    tt.equal(await page.locator('#bars .bar').count(), 10, 'ten probability bars are shown');

    // The screenshot shows the chart: the loss line (#1f5fbf) and the held-out accuracy (#ff7f0e)
    // inside the chart's box, and plenty of them (a line across the plot, not a legend swatch).
    await page.evaluate(() => window.scrollTo(0, 0));
    const png = await page.screenshot({ fullPage: true });
    const file = join(prep.DATA_DIR, 'train-page.png');
    writeFileSync(file, png);
    tt.comment(`screenshot: ${file}`);
    const img = decodePng(png);
    const cb = (await page.locator('#chart').boundingBox())!;
    const count = (hex: string): number => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      let n = 0;
      for (let y = Math.floor(cb.y + 24); y < Math.min(img.height, cb.y + cb.height); y++) {
        for (let x = Math.floor(cb.x); x < Math.min(img.width, cb.x + cb.width); x++) {
          const o = (y * img.width + x) * 4;
          if (Math.abs(img.rgba[o] - r) < 24 && Math.abs(img.rgba[o + 1] - g) < 24 && Math.abs(img.rgba[o + 2] - b) < 24) n++;
        }
      }
      return n;
    };
    const loss = count('#1f5fbf'), test = count('#ff7f0e'), train = count('#2ca02c');
    tt.ok(loss > 400, `the chart in the screenshot has the loss curve (${loss} pixels of its colour below the legend)`);
    tt.ok(test > 100, `... the held-out accuracy curve (${test} pixels)`);
    tt.ok(train > 400, `... the training accuracy curve (${train} pixels)`);
    tt.same(errors, [], 'no console errors');
    await page.close();
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
