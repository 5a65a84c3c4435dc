// The bench page's main thread: for each (model, threads) it starts every engine in its own dedicated
// worker, times them in interleaved rounds in this page run, and fills the table. window.__results
// holds the machine-readable result ({ done, rows, ... }) for the tests and run-bench.mjs.
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

/** A started worker of one engine: setup(msg) -> {info, output, input?}; run() -> ms. */
function startWorker(engine, timeoutMs) {
  const w = new Worker(ENGINES[engine].url, { type: 'module' });
  let waiter = null;
  const ask = (msg, ms = timeoutMs) => new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${engine}: no answer in ${ms / 1000} s`)), ms);
    waiter = (d) => { clearTimeout(timer); waiter = null; d.type === 'error' ? fail(new Error(`${engine}: ${d.message}`)) : ok(d); };
    if (msg) w.postMessage(msg);
  });
  const loaded = ask(null);
  w.onerror = (e) => waiter?.({ type: 'error', message: `worker failed to load: ${e.message ?? 'see the console'}` });
  w.onmessage = (e) => waiter?.(e.data);
  return {
    setup: async (msg) => { await loaded; return ask({ type: 'setup', ...msg }); },
    run: async () => (await ask({ type: 'run' })).ms,
    close: () => w.terminate(),
  };
}

const pause = (ms) => new Promise((ok) => setTimeout(ok, ms));

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
      // All engines are set up side by side, then timed in rounds (one run of each engine per round,
      // the order rotating), so load drift on a shared machine hits every engine alike. convnets is
      // set up first: the others get its input (the same values) and are checked against its logits.
      const order = ['convnets', ...engines.filter((e) => e !== 'convnets')];
      const live = [];
      let ours = null;
      for (const engine of order) {
        $('status').textContent = `setting up ${model}, ${t} thread(s), ${ENGINES[engine].label}...`;
        const row = { model, threads: t, engine };
        results.rows.push(row);
        const w = startWorker(engine, 300000);
        try {
          const r = await w.setup({ model, size, threads: t, warmup, seed: SEED, input: ours?.input, onnx: `./data/models/${model}-${size}-seed${SEED}.onnx` });
          row.info = r.info;
          if (engine === 'convnets') ours = r;
          else row.maxRelDiff = maxRelDiff(r.output, ours.output);
          live.push({ row, w, times: [] });
        } catch (err) {
          row.error = err.message;
          w.close();
        }
        if (!ours) break; // nothing to compare with
      }
      for (let k = 0; k < reps; k++) {
        $('status').textContent = `timing ${model}, ${t} thread(s): round ${k + 1} of ${reps}`;
        for (let j = 0; j < live.length; j++) {
          const e = live[(j + k) % live.length];
          if (e.row.error) continue;
          try { e.times.push(await e.w.run()); } catch (err) { e.row.error = err.message; }
          await pause(30); // lets a peer's spinning pool threads go idle before the next engine runs
        }
      }
      for (const e of live) {
        e.w.close();
        if (!e.row.error) Object.assign(e.row, { median: median(e.times), min: Math.min(...e.times), times: e.times });
      }
      render();
    }
  }
}

main().then(() => { $('status').textContent = 'done'; }, (err) => { results.error = err.message; $('status').textContent = err.message; })
  .finally(() => { results.finished = new Date().toISOString(); results.done = true; });
