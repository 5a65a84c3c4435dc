#!/usr/bin/env node
// Runs bench.html in headless Debian Chromium (playwright-core, /usr/bin/chromium) on a cross-origin
// isolated page of server.mjs, prints the table as Markdown and writes data/bench-results.json.
//   node examples/browser/run-bench.mjs [query, e.g. 'models=mobilenet_v2&reps=20']
// Needs npm run build:ts, npm run build:wasm and node examples/browser/prepare.mjs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './server.mjs';
import { bundleTfjsWorker, DATA_DIR, exportBenchOnnx } from './prepare.mjs';

const query = process.argv[2] ?? '';
const chromiumPath = process.env.CONVNETS_CHROMIUM ?? '/usr/bin/chromium';
const { chromium } = await import('playwright-core');
await bundleTfjsWorker(() => {});
await exportBenchOnnx((s) => process.stderr.write(s + '\n'));
const load0 = loadavg()[0];
const { server, url } = await startServer({ port: 0, isolation: true });
const profile = mkdtempSync(join(tmpdir(), 'convnets-bench-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') process.stderr.write(`console: ${m.text()}\n`); });
  await page.goto(`${url}bench.html?${query}`);
  let shown = 0;
  for (;;) {
    const r = await page.evaluate(() => window.__results);
    for (; shown < r.rows.length; shown++) {
      const x = r.rows[shown];
      if (x.median !== undefined || x.error || x.skipped) process.stderr.write(`${x.model} x${x.threads} ${x.engine}: ${x.error ?? x.skipped ?? `${x.median.toFixed(1)} ms`}\n`);
      else break;
    }
    if (r.done) break;
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  const r = await page.evaluate(() => window.__results);
  r.browser = `Chromium ${ctx.browser()?.version() ?? ''}`.trim();
  r.loadAverage = { start: load0, end: loadavg()[0] };
  writeFileSync(join(DATA_DIR, 'bench-results.json'), JSON.stringify(r, null, 1) + '\n');
  if (r.error) throw new Error(r.error);
  const cell = (x) => (!x ? '' : x.error ? 'error' : `${x.median.toFixed(1)} (${x.min.toFixed(1)})`);
  const ratio = (a, b) => (a?.median && b?.median ? `${(a.median / b.median).toFixed(2)}x` : '');
  const lines = [`${r.browser}, ${r.hardwareConcurrency} logical cores, cross-origin isolated: ${r.isolated}; ${r.size}x${r.size}, batch 1, ` +
    `median (min) of ${r.reps} interleaved runs after ${r.warmup} warm-up; ratios of medians; 1-minute load average ${load0.toFixed(1)} -> ${r.loadAverage.end.toFixed(1)}`, '',
    '| model | threads | convnets wasm ms | tfjs-wasm ms | onnxruntime-web ms | tfjs-wasm / convnets | ort-web / convnets |', '|---|---:|---:|---:|---:|---:|---:|'];
  for (const model of r.models) {
    for (const t of r.threads) {
      const g = (e) => r.rows.find((x) => x.model === model && x.threads === t && x.engine === e);
      const c = g('convnets'), tf = g('tfjs'), ort = g('ort');
      lines.push(`| ${model} | ${t} | ${cell(c)} | ${cell(tf)} | ${cell(ort)} | ${ratio(tf, c)} | ${ratio(ort, c)} |`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  await ctx.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
