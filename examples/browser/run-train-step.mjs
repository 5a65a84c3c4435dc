#!/usr/bin/env node
// Training-step time in Chromium (harness worker, wasm backend) beside Node (same process, same code:
// harness/checks.js), for the digits ResNet at batch 64 by default, 1 thread. Runs alternate
// (Node, browser, Node, browser, ...) so load on a shared machine hits both alike.
//   node examples/browser/run-train-step.mjs [model=resnet_digits] [size=28] [batch=64] [threads=1] [rounds=3] [steps=8]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from './server.mjs';
import { trainLosses } from './harness/checks.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const o = { model: arg.model ?? 'resnet_digits', size: Number(arg.size ?? 28), batch: Number(arg.batch ?? 64), steps: Number(arg.steps ?? 8), seed: 1, lr: 1e-3 };
const threads = Number(arg.threads ?? 1), rounds = Number(arg.rounds ?? 3);
const cn = await import(pathToFileURL(join(here, '..', '..', 'dist', 'src', 'ts', 'index.js')).href);
const { chromium } = await import('playwright-core');
const { server, url } = await startServer({ port: 0, isolation: true });
const profile = mkdtempSync(join(tmpdir(), 'convnets-step-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CONVNETS_CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
try {
  const page = await ctx.newPage();
  await page.goto(`${url}harness/harness.html`);
  await page.evaluate(() => window.harnessReady);
  const info = await page.evaluate((t) => window.rpc('init', { name: 'wasm', threads: t }), threads);
  if (info.info.relaxedSimd) cn.enableRelaxedSimd();
  const nb = await cn.initBackend('wasm', { threads });
  const node = [], web = [];
  for (let r = 0; r < rounds; r++) {
    // The first two steps of each round plan buffers and pack weights: not timed.
    node.push(...trainLosses(cn, o).ms.slice(2));
    web.push(...(await page.evaluate((a) => window.rpc('train', a), o)).ms.slice(2));
  }
  const ni = nb.info();
  nb.dispose();
  const n = median(node), w = median(web);
  process.stdout.write(`${o.model} ${o.size}x${o.size} batch ${o.batch}, AdamW step, wasm ${threads} thread(s), relaxed SIMD: Chromium ${info.info.relaxedSimd}, Node ${process.version} ${ni.relaxedSimd}: ` +
    `Node ${n.toFixed(1)} ms, Chromium ${w.toFixed(1)} ms (browser/Node ${(w / n).toFixed(3)}; medians of ${node.length} steps each)\n`);
} finally {
  await ctx.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
