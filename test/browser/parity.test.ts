// The browser entry in real Chromium against Node: forward logits of mobilenet_v2 and resnet18 and
// the losses of AdamW training steps equal Node's wasm backend (rel 1e-5, seeded weights and inputs:
// examples/browser/harness/checks.js runs on both sides); a cross-origin-isolated page runs 2 threads
// on shared memory, a page without isolation 1 thread on non-shared memory; threads > 1 are refused
// on a page's main thread and on a non-isolated page, with a clear error.
import t from 'tap';
import { browserSkipReason, launch, maxRelDiff, open, serve } from './helpers.js';
import type { Browser, Served } from './helpers.js';

const skip = await browserSkipReason();
if (skip) {
  t.comment(skip);
  t.plan(0, skip);
} else {
  const cn = await import('../../src/ts/index.js');
  // @ts-expect-error plain JS module shared with the harness page
  const checks = (await import('../../examples/browser/harness/checks.js')) as {
    forwardLogits(c: unknown, o: object): { shape: number[]; logits: number[]; ms: number };
    trainLosses(c: unknown, o: object): { losses: number[] };
  };
  type Info = { name: string; info: { threads: number; shared: boolean; relaxedSimd: boolean; memoryBytes: number }; crossOriginIsolated: boolean };
  const browser: Browser = await launch();
  const servers: Served[] = [];
  t.teardown(async () => { await browser.close(); for (const s of servers) await s.close(); });

  const iso = await serve(true);
  servers.push(iso);
  const plain = await serve(false);
  servers.push(plain);
  // Node's backend, made in the first subtest (its build flavour follows the browser's).
  let node: { dispose(): void } | null = null;
  t.teardown(() => node?.dispose());

  t.test('cross-origin isolated page: 2 threads, logits and losses equal Node\'s', async (t) => {
  const { page, errors } = await open(browser, `${iso.url}harness/harness.html`);
  await page.evaluate(() => (window as unknown as { harnessReady: Promise<boolean> }).harnessReady);
  const rpc = <T>(fn: string, args: object): Promise<T> =>
    page.evaluate(([f, a]) => (window as unknown as { rpc(f: string, a: object): Promise<unknown> }).rpc(f as string, a as object), [fn, args] as const) as Promise<T>;

  const init = await rpc<Info>('init', { name: 'wasm', threads: 2 });
  t.equal(init.crossOriginIsolated, true, 'the page served with COOP/COEP is cross-origin isolated');
  t.equal(init.info.threads, 2, 'isolated page: the wasm backend runs 2 threads');
  t.equal(init.info.shared, true, 'isolated page: on shared memory');
  t.comment(`browser wasm backend: ${JSON.stringify(init.info)}`);

  // Node's side on the same build flavour (relaxed SIMD where Chromium uses it) and thread count.
  if (init.info.relaxedSimd) cn.enableRelaxedSimd();
  node = await cn.initBackend('wasm', { threads: 2 });

  for (const model of ['mobilenet_v2', 'resnet18']) {
    const args = { model, size: 64, seed: 7, batch: 1 };
    const ref = checks.forwardLogits(cn, args);
    const got = await rpc<{ shape: number[]; logits: number[]; ms: number }>('forward', args);
    t.same(got.shape, ref.shape, `${model} 64x64: logits shape ${JSON.stringify(ref.shape)}`);
    const d = maxRelDiff(got.logits, ref.logits);
    t.ok(d <= 1e-5, `${model} 64x64 forward: browser logits equal Node's (max rel diff ${d.toExponential(2)}, browser ${got.ms.toFixed(0)} ms)`);
    t.ok(ref.logits.some((v) => v !== 0) && ref.logits.every(Number.isFinite), `${model}: logits are finite and not all zero`);
  }

  for (const model of ['mobilenet_v2', 'resnet18']) {
    const args = { model, size: 32, batch: 4, seed: 3, steps: 3, lr: 1e-3 };
    const ref = checks.trainLosses(cn, args);
    const got = await rpc<{ losses: number[] }>('train', args);
    t.equal(got.losses.length, 3, `${model}: three training steps ran in the browser`);
    const d = maxRelDiff(got.losses, ref.losses);
    t.ok(d <= 1e-5, `${model} 32x32 batch 4, AdamW: browser losses ${got.losses.map((v) => v.toFixed(6)).join(' ')} equal Node's (max rel diff ${d.toExponential(2)})`);
    t.ok(ref.losses[2] !== ref.losses[0], `${model}: the steps update the weights (loss moves: ${ref.losses.map((v) => v.toFixed(6)).join(' ')})`);
  }

  // The synchronous pool wait is not allowed on a page's main thread: threads > 1 there is an error.
  const mainErr = await page.evaluate(() => (window as unknown as { mainThread(n: number): Promise<unknown> }).mainThread(2).then(() => null, (e: Error) => e.message));
  t.ok(mainErr !== null, `threads 2 on the main thread is refused (${mainErr})`);
  t.match(mainErr ?? '', /main thread|worker/i, 'the error says to use a worker / not the main thread');
  const main1 = await page.evaluate(() => (window as unknown as { mainThread(n: number): Promise<{ info: { threads: number } }> }).mainThread(1));
  t.equal(main1.info.threads, 1, 'one thread on the main thread works');
  t.same(errors.filter((e) => !/main thread|worker/i.test(e)), [], 'no console errors on the isolated page');
  await page.close();
  });

  // Without COOP/COEP: no SharedArrayBuffer, so one thread on non-shared memory (still SIMD).
  t.test('page without cross-origin isolation: 1 thread on plain memory', async (t) => {
  const p2 = await open(browser, `${plain.url}harness/harness.html`);
  await p2.page.evaluate(() => (window as unknown as { harnessReady: Promise<boolean> }).harnessReady);
  const rpc2 = <T>(fn: string, args: object): Promise<T> =>
    p2.page.evaluate(([f, a]) => (window as unknown as { rpc(f: string, a: object): Promise<unknown> }).rpc(f as string, a as object), [fn, args] as const) as Promise<T>;
  const one = await rpc2<Info>('init', { name: 'wasm', threads: 1 });
  t.equal(one.crossOriginIsolated, false, 'the page served with --no-isolation is not cross-origin isolated');
  t.equal(one.info.threads, 1, 'non-isolated page: 1 thread');
  t.equal(one.info.shared, false, 'non-isolated page: non-shared memory');
  const args = { model: 'resnet18', size: 64, seed: 7, batch: 1 };
  const ref = checks.forwardLogits(cn, args);
  const got = await rpc2<{ logits: number[] }>('forward', args);
  const d = maxRelDiff(got.logits, ref.logits);
  t.ok(d <= 1e-5, `non-isolated (single-thread build): resnet18 logits equal Node's (max rel diff ${d.toExponential(2)})`);
  const twoErr = await rpc2<Info>('init', { name: 'wasm', threads: 2 }).then(() => null, (e: Error) => e.message);
  t.ok(twoErr !== null, `threads 2 without cross-origin isolation is refused (${twoErr})`);
  t.match(twoErr ?? '', /isolat|SharedArrayBuffer|COOP|COEP/i, 'the error names cross-origin isolation');
  await p2.page.close();
  });
}
