// `npm run test:browser-train` (not part of npm test: about 2-4 minutes on 2 cores): train.html with its
// default recipe (4 epochs of `convnets train`'s: AdamW one-cycle, batch 64, 2-pixel crops) on 2
// threads reaches >= 97% held-out on the digits, and a drawn "1" is read as 1.
import t from 'tap';
import { browserSkipReason, launch, prepare, serve } from './helpers.js';
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
  t.test('train.html, full run', async (tt) => {
    const r = await checkTrainPage(tt, browser, `${srv.url}train.html?threads=2`, screenshotPath(prep.DATA_DIR, 'train-page-full.png'), 600000);
    tt.ok(r.testAccuracy >= 0.97, `held-out accuracy ${(100 * r.testAccuracy).toFixed(2)}% >= 97% (${r.seconds.toFixed(1)} s)`);
    tt.equal(r.probs.indexOf(Math.max(...r.probs)), 1, `a vertical stroke is read as 1 (p = ${r.probs.map((p) => p.toFixed(3)).join(' ')})`);
  });
}
