// GFLOP/s of the GEMM kernel families (conv2d, pwconv2d, dense; forward, backwardData, backwardFilter)
// on the cpu backend (each ISA path) beside the wasm backend, in one run, on real layer shapes.
// Not part of npm test. Needs `npm run build:ts`, the CPU addon and build/*.wasm.
//   node bench/cpu-gemm.mjs [--threads 1,2] [--isa avx2,avx512] [--batch 1,8] [--only substr] [--min-ms 250]
//     [--no-wasm] [--peak 117]
// Each figure: after one warm-up, --rounds rounds (default 3) of about --min-ms/rounds each, the
// configurations interleaved per shape; GFLOP/s of the best and the median call (the machine is
// shared: the best call is the least disturbed one).
import { createBackend } from '../dist/src/ts/core/registry.js';
import { WasmBackend } from '../dist/src/ts/backends/wasm/index.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
};
const list = (s) => s.split(',').filter(Boolean);
const threadsList = list(arg('threads', '1')).map(Number);
const isas = list(arg('isa', 'avx2,avx512'));
const batches = list(arg('batch', '1,8')).map(Number);
const only = arg('only', '');
const minMs = Number(arg('min-ms', '250'));
const peak = Number(arg('peak', '0'));
const withWasm = !process.argv.includes('--no-wasm');

const conv = (name, h, w, cin, cout, k, s, pad, family = 'conv2d') => ({ name, family, h, w, cin, cout, k, s, pad });
const shapes = [
  conv('r50 3x3 56x56x64->64', 56, 56, 64, 64, 3, 1, 1),
  conv('r50 3x3 28x28x128->128', 28, 28, 128, 128, 3, 1, 1),
  conv('r50 3x3 14x14x256->256', 14, 14, 256, 256, 3, 1, 1),
  conv('r50 3x3 7x7x512->512', 7, 7, 512, 512, 3, 1, 1),
  conv('r50 stem 7x7/2 224x224x3->64', 224, 224, 3, 64, 7, 2, 3),
  conv('mv2 1x1 56x56x24->144', 56, 56, 24, 144, 1, 1, 0, 'pwconv2d'),
  conv('mv2 1x1 7x7x160->960', 7, 7, 160, 960, 1, 1, 0, 'pwconv2d'),
  conv('mv2 1x1 14x14x384->64', 14, 14, 384, 64, 1, 1, 0, 'pwconv2d'),
  { name: 'dense 2048->1000', family: 'dense', inF: 2048, outF: 1000 },
];

function params(sh, n) {
  if (sh.family === 'dense') return { n, inF: sh.inF, outF: sh.outF };
  const outH = Math.floor((sh.h + 2 * sh.pad - sh.k) / sh.s) + 1, outW = Math.floor((sh.w + 2 * sh.pad - sh.k) / sh.s) + 1;
  return {
    n, inH: sh.h, inW: sh.w, inC: sh.cin, outH, outW, outC: sh.cout, kH: sh.k, kW: sh.k, strideH: sh.s, strideW: sh.s,
    padTop: sh.pad, padLeft: sh.pad, dilationH: 1, dilationW: 1, groups: 1,
  };
}
function sizes(sh, p) {
  if (sh.family === 'dense') return { x: p.n * p.inF, w: p.outF * p.inF, y: p.n * p.outF, b: p.outF, flop: 2 * p.n * p.inF * p.outF };
  return {
    x: p.n * p.inH * p.inW * p.inC, w: p.outC * p.kH * p.kW * p.inC, y: p.n * p.outH * p.outW * p.outC, b: p.outC,
    flop: 2 * p.n * p.outH * p.outW * p.outC * p.kH * p.kW * p.inC,
  };
}
const rnd = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

/** Buffers for one shape on one backend and a closure per pass. */
function prepare(be, sh, n) {
  const p = params(sh, n), s = sizes(sh, p), F = sh.family;
  const B = (len) => { const b = be.alloc(len); be.write(b, rnd(len)); return b; };
  const x = B(s.x), w = B(s.w), y = B(s.y), bias = B(s.b), dx = B(s.x), dw = B(s.w), db = B(s.b);
  return {
    flop: s.flop,
    passes: {
      fwd: () => be[F](p, x, w, bias, y),
      bwdData: () => be[`${F}BackwardData`](p, y, w, dx),
      bwdFilter: () => be[`${F}BackwardFilter`](p, x, y, dw, db),
    },
    free: () => { for (const b of [x, w, y, bias, dx, dw, db]) be.free(b); },
  };
}
/** Call times (ms) of fn for about ms milliseconds (at least 2 calls). */
function timeFor(fn, ms) {
  const times = [];
  const t0 = performance.now();
  do {
    const a = performance.now(), c = process.cpuUsage();
    fn();
    const cu = process.cpuUsage(c);
    times.push({ wall: performance.now() - a, cpu: (cu.user + cu.system) / 1000 });
  } while (performance.now() - t0 < ms || times.length < 2);
  return times;
}

const configs = [];
for (const t of threadsList) {
  for (const isa of isas) configs.push({ label: `cpu ${isa} ${t}t`, threads: t, make: () => createBackend('cpu', { threads: t, isa }) });
  if (withWasm) configs.push({ label: `wasm ${t}t`, threads: t, make: () => WasmBackend.create({ threads: t }) });
}
for (const c of configs) c.be = await c.make();
const rounds = Number(arg('rounds', '3'));
const rows = [];
// Configs interleaved per shape and round: a burst of load from other processes hits them alike.
for (const sh of shapes) {
  if (only && !sh.name.includes(only)) continue;
  for (const n of batches) {
    const preps = configs.map((c) => prepare(c.be, sh, n));
    const times = configs.map(() => ({ fwd: [], bwdData: [], bwdFilter: [] }));
    for (const pr of preps) for (const fn of Object.values(pr.passes)) fn();  // warm-up
    for (let r = 0; r < rounds; r++)
      configs.forEach((c, ci) => {
        for (const [pass, fn] of Object.entries(preps[ci].passes)) times[ci][pass].push(...timeFor(fn, minMs / rounds));
      });
    configs.forEach((c, ci) => {
      const out = {};
      for (const pass of ['fwd', 'bwdData', 'bwdFilter']) {
        const ts = times[ci][pass].map((t) => t.wall).sort((a, b) => a - b);
        // Process CPU time per call (1 thread: the time the call was actually on a core; more threads
        // count spinning workers too): the median, robust to being descheduled by other processes.
        const cs = times[ci][pass].map((t) => t.cpu).sort((a, b) => a - b);
        out[pass] = {
          best: preps[ci].flop / ts[0] / 1e6, med: preps[ci].flop / ts[ts.length >> 1] / 1e6, ms: ts[0],
          cpu: preps[ci].flop / Math.max(cs[cs.length >> 1], 1e-3) / 1e6,
        };
      }
      rows.push({ cfg: c.label, shape: `${sh.name} b${n}`, ...out });
      const cell = (v) => `${v.best.toFixed(1)} (med ${v.med.toFixed(1)}, cpu-time ${v.cpu.toFixed(1)})`;
      console.log(`${c.label.padEnd(14)} ${`${sh.name} b${n}`.padEnd(36)} fwd ${cell(out.fwd)}  bwdData ${cell(out.bwdData)}  bwdFilter ${cell(out.bwdFilter)}`);
    });
    preps.forEach((pr) => pr.free());
  }
}
for (const c of configs) c.be.dispose();
// Markdown table: one row per shape, GFLOP/s best per config and pass.
const cfgs = [...new Set(rows.map((r) => r.cfg))];
const shapesSeen = [...new Set(rows.map((r) => r.shape))];
console.log(`\n| shape | pass | ${cfgs.join(' | ')} |\n|---|---|${cfgs.map(() => '---:').join('|')}|`);
for (const sh of shapesSeen) {
  for (const pass of ['fwd', 'bwdData', 'bwdFilter']) {
    const cells = cfgs.map((c) => {
      const r = rows.find((q) => q.cfg === c && q.shape === sh);
      if (!r) return '-';
      const g = r[pass].best;
      return peak && c.startsWith('cpu') ? `${g.toFixed(1)} (${Math.round((100 * g) / peak / (Number(c.match(/(\d+)t$/)[1])))}%)` : g.toFixed(1);
    });
    console.log(`| ${sh} | ${pass} | ${cells.join(' | ')} |`);
  }
}
