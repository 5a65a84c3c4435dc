// The bench page's main thread: runs each (model, threads, engine) in a fresh dedicated worker, one
// after another in this page run, and fills the table. window.__results holds the machine-readable
// result ({ done, rows, ... }) for the tests and scripts/run-bench.
const q = new URLSearchParams(location.search);
const list = (k, d) => (q.get(k) ?? d).split(',').map((s) => s.trim()).filter(Boolean);
const isolated = self.crossOriginIsolated === true;
const $ = (id) => document.getElementById(id);
const results = window.__results = { done: false, error: null, isolated, hardwareConcurrency: navigator.hardwareConcurrency, userAgent: navigator.userAgent, started: new Date().toISOString(), rows: [] };

const ENGINES = {
  convnets: { label: 'convnets wasm', url: './bench-convnets-worker.js' },
  tfjs: { label: 'tfjs-backend-wasm', url: './data/gen/tfjs-worker.js' },
  ort: { label: 'onnxruntime-web', url: './bench-ort-worker.js' },
};
const SEED = 1; // prepare.mjs BENCH_SEED: the ONNX files carry these weights

const num = (k, d) => { const v = Number(q.get(k) ?? d); if (!Number.isInteger(v) || v < 0) throw new Error(`?${k}= must be a non-negative integer`); return v; };
const median = (a) => { const s = [...a].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
function maxRelDiff(a, b) {
  if (!a || !b || a.length !== b.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return d / Math.max(m, 1e-30);
}

function runWorker(engine, msg, timeoutMs) {
  return new Promise((ok, fail) => {
    const w = new Worker(ENGINES[engine].url, { type: 'module' });
    const timer = setTimeout(() => { w.terminate(); fail(new Error(`${engine}: no answer in ${timeoutMs / 1000} s`)); }, timeoutMs);
    const done = (f, v) => { clearTimeout(timer); w.terminate(); f(v); };
    w.onerror = (e) => done(fail, new Error(`${engine} worker failed to load: ${e.message ?? 'see the console'}`));
    w.onmessage = (e) => {
      if (e.data.type === 'ready') w.postMessage(msg);
      else if (e.data.type === 'result') done(ok, e.data);
      else if (e.data.type === 'error') done(fail, new Error(`${engine}: ${e.data.message}`));
    };
  });
}

function render() {
  const by = new Map();
  for (const r of results.rows) {
    const k = `${r.model}|${r.threads}`;
    if (!by.has(k)) by.set(k, { model: r.model, threads: r.threads, e: {} });
    by.get(k).e[r.engine] = r;
  }
  const ms = (r) => (r ? (r.error ? `<span title="${r.error.replace(/"/g, '&quot;')}">error</span>` : r.median.toFixed(1)) : '');
  const ratio = (a, b) => (a && b && !a.error && !b.error ? `${(a.median / b.median).toFixed(2)}x` : '');
  $('table').innerHTML = '<tr><th>model (batch 1)</th><th>threads</th><th>convnets wasm ms</th><th>tfjs-wasm ms</th><th>ort-web ms</th>' +
    '<th>tfjs / convnets</th><th>ort-web / convnets</th></tr>' +
    [...by.values()].map(({ model, threads, e }) => `<tr><td>${model}</td><td>${threads}</td><td>${ms(e.convnets)}</td><td>${ms(e.tfjs)}</td><td>${ms(e.ort)}</td>` +
      `<td>${ratio(e.tfjs, e.convnets)}</td><td>${ratio(e.ort, e.convnets)}</td></tr>`).join('');
}

async function main() {
  const models = list('models', 'mobilenet_v2,resnet50');
  const threads = list('threads', '1,2').map(Number);
  const engines = list('engines', 'convnets,tfjs,ort'); // convnets always runs (the reference)
  const size = num('size', 224), warmup = num('warmup', 3), reps = Math.max(1, num('reps', 10));
  for (const e of engines) if (!ENGINES[e]) throw new Error(`?engines=: unknown engine '${e}' (convnets, tfjs, ort)`);
  Object.assign(results, { models, threads, engines, size, warmup, reps });
  $('config').textContent = `${models.join(', ')} at ${size}x${size}, threads ${threads.join(' and ')}, ${warmup} warm-up + ${reps} timed runs each (median); ` +
    `page ${isolated ? 'is' : 'is NOT'} cross-origin isolated; ${navigator.hardwareConcurrency} logical cores`;
  for (const model of models) {
    for (const t of threads) {
      if (t > 1 && !isolated) { results.rows.push({ model, threads: t, engine: 'all', skipped: 'threads need cross-origin isolation' }); continue; }
      // convnets first: the others get its input (the same values) and are checked against its logits.
      let ours = null;
      for (const engine of ['convnets', ...engines.filter((e) => e !== 'convnets')]) {
        $('status').textContent = `running ${model}, ${t} thread(s), ${ENGINES[engine].label}...`;
        const msg = { model, size, threads: t, warmup, reps, seed: SEED, input: ours?.input, onnx: `./data/models/${model}-${size}-seed${SEED}.onnx` };
        const row = { model, threads: t, engine };
        results.rows.push(row);
        try {
          const r = await runWorker(engine, msg, 300000);
          Object.assign(row, { median: median(r.times), min: Math.min(...r.times), times: r.times, info: r.info });
          if (engine === 'convnets') ours = r;
          else row.maxRelDiff = maxRelDiff(r.output, ours.output);
        } catch (err) {
          row.error = err.message;
        }
        render();
        if (!ours) break; // nothing to compare with
      }
    }
  }
}

main().then(() => { $('status').textContent = 'done'; }, (err) => { results.error = err.message; $('status').textContent = err.message; })
  .finally(() => { results.finished = new Date().toISOString(); results.done = true; });
