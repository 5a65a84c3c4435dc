// Drives examples/browser/train.html in Chromium and checks it: training finishes on 2 threads, every
// step is reported, the screenshot shows the chart (its line colours counted in the PNG), a stroke
// drawn on the pad gets ten probabilities. Used by pages.test.ts (a short run) and
// train-full.browser.ts (`npm run test:browser-train`: the full run, >= 97% held-out).
import type { Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng, open } from './helpers.js';
import type { Browser } from './helpers.js';

type State = {
  phase: string; error: string | null; evals: { testAccuracy: number }[]; steps: { loss: number }[]; total: number;
  done: { testAccuracy: number; seconds: number; imagesPerSecond: number; info: { threads: number; shared: boolean; relaxedSimd: boolean } } | null;
  prediction: number[] | null;
};

export interface TrainPageResult { testAccuracy: number; probs: number[]; seconds: number; losses: number[]; }

export async function checkTrainPage(t: Test, browser: Browser, url: string, screenshot: string, timeoutMs: number): Promise<TrainPageResult> {
  const { page, errors } = await open(browser, url);
  await page.setViewportSize({ width: 820, height: 900 });
  const state = (): Promise<State> => page.evaluate(() => (window as unknown as { __train: State }).__train);
  try {
    await page.waitForFunction(() => { const s = (window as unknown as { __train: State }).__train; return s.phase === 'done' || s.phase === 'error'; }, null, { timeout: timeoutMs, polling: 1000 });
  } catch (e) {
    const s = await state();
    t.fail(`train.html did not finish in ${timeoutMs / 1000} s: phase ${s.phase}, ${s.steps.length}/${s.total} steps (${(e as Error).message.split('\n')[0]})`);
    await page.close();
    return { testAccuracy: NaN, probs: [], seconds: NaN, losses: [] };
  }
  const s = await state();
  t.equal(s.error, null, 'no error');
  t.equal(s.phase, 'done', 'training finished');
  t.equal(s.steps.length, s.total, `every step reported (${s.total})`);
  t.equal(s.evals.length > 0, true, 'held-out accuracy after each epoch');
  t.equal(s.done?.info.threads, 2, 'the worker trained on 2 threads');
  t.equal(s.done?.info.shared, true, 'on shared memory');
  t.comment(`held-out ${(100 * (s.done?.testAccuracy ?? 0)).toFixed(2)}% in ${s.done?.seconds.toFixed(1)} s (${Math.round(s.done?.imagesPerSecond ?? 0)} training images/s; ` +
    `after each epoch: ${s.evals.map((e) => (100 * e.testAccuracy).toFixed(2) + '%').join(' ')})`);

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
  t.equal(probs.length, 10, 'ten probabilities');
  t.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'they sum to 1');
  t.equal(await page.locator('#bars .bar').count(), 10, 'ten probability bars are shown');

  // The screenshot shows the chart: the loss line (#1f5fbf), the training accuracy (#2ca02c) and the
  // held-out accuracy (#ff7f0e) inside the chart's box below its legend, as curves, not swatches.
  await page.evaluate(() => window.scrollTo(0, 0));
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(screenshot, png);
  t.comment(`screenshot: ${screenshot}`);
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
  const loss = count('#1f5fbf'), train = count('#2ca02c'), test = count('#ff7f0e');
  t.ok(loss > 400, `the screenshot shows the chart's loss curve (${loss} pixels of its colour below the legend)`);
  t.ok(train > 400, `... the training accuracy curve (${train} pixels)`);
  t.ok(test > 60, `... the held-out accuracy points (${test} pixels)`);
  t.same(errors, [], 'no console errors');
  await page.close();
  return { testAccuracy: s.done?.testAccuracy ?? NaN, probs, seconds: s.done?.seconds ?? NaN, losses: s.steps.map((x) => x.loss) };
}

export function screenshotPath(dataDir: string, name: string): string { return join(dataDir, name); }
