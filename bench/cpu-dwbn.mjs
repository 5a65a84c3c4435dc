// Kernel timings of the cpu backend's dwconv2d, batchnorm and pool families against the wasm backend,
// in one run, at 1 and 2 threads, on MobileNetV2 / ResNet shapes. Not part of `npm test`.
//   npm run build:ts && node bench/cpu-dwbn.mjs [--reps 7] [--isa avx2] [--threads 1,2] [--only 'dw 3x3'] [--stat min] [--clock cpu]
// Each cell: the median over --reps samples of the per-call time (ms) of a loop of calls sized to take
// about 30 ms; backends alternate sample by sample, so both see the same load on a shared machine.
import { WasmBackend, enableRelaxedSimd } from '../dist/src/ts/backends/wasm/index.js';
import { CpuBackend, loadCpuAddon } from '../dist/src/ts/backends/native/cpu.js';
import { conv2dParams, pool2dParams } from '../dist/src/ts/core/shape.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const REPS = Number(arg('reps', 7));
const ISA = arg('isa', undefined);
const ONLY = arg('only', '');  // run only the cases whose name contains this
const THREADS = arg('threads', '1,2').split(',').map(Number);
const relaxed = enableRelaxedSimd();

function cases() {
  const out = [];
  const dw = [
    ['dw 3x3 s2 112x112x96', 112, 96, 2], ['dw 3x3 56x56x144', 56, 144, 1], ['dw 3x3 28x28x192', 28, 192, 1],
    ['dw 3x3 14x14x576', 14, 576, 1], ['dw 3x3 7x7x960', 7, 960, 1],
  ];
  for (const n of [1, 8]) {
    for (const [name, hw, c, s] of dw) {
      const p = conv2dParams([n, hw, hw, c], [c, 3, 3, 1], { groups: c, stride: s, padding: 1 });
      const nx = n * hw * hw * c, ny = n * p.outH * p.outW * c, nw = c * 9;
      out.push({ name: `${name} b${n} fwd`, sizes: [nx, nw, ny], run: (b, [x, w, y]) => b.dwconv2d(p, x, w, null, y) });
      out.push({ name: `${name} b${n} bwdData`, sizes: [ny, nw, nx], run: (b, [dy, w, dx]) => b.dwconv2dBackwardData(p, dy, w, dx) });
      out.push({ name: `${name} b${n} bwdFilter`, sizes: [nx, ny, nw], run: (b, [x, dy, dw]) => b.dwconv2dBackwardFilter(p, x, dy, dw, null) });
    }
  }
  const bn = { rows: 8 * 56 * 56, c: 64, eps: 1e-5, momentum: 0.1 }, L = bn.rows * bn.c, C = bn.c;
  out.push({ name: 'bn train 56x56x64 b8', sizes: [L, C, C, L, C, C, C, C],
    run: (b, [x, g, be, y, rm, rv, sm, si]) => b.batchNormTrain(bn, x, g, be, y, rm, rv, sm, si) });
  out.push({ name: 'bn trainBackward 56x56x64 b8', sizes: [L, L, C, C, C, L, C, C],
    run: (b, [x, dy, g, sm, si, dx, dg, db]) => b.batchNormTrainBackward(bn, x, dy, g, sm, si, dx, dg, db) });
  for (const n of [1, 8]) {
    const p = pool2dParams([n, 112, 112, 64], { kernel: 3, stride: 2, padding: 1 }, 'maxPool2d');
    const nx = n * 112 * 112 * 64, ny = n * p.outH * p.outW * 64;
    out.push({ name: `maxpool 3x3/2 112x112x64 b${n} fwd`, sizes: [nx, ny], run: (b, [x, y]) => b.maxPool2d(p, x, y) });
    out.push({ name: `maxpool 3x3/2 112x112x64 b${n} bwd`, sizes: [nx, ny, nx], run: (b, [x, dy, dx]) => b.maxPool2dBackward(p, x, dy, dx) });
  }
  return out;
}

function prepare(b, c) {
  const bufs = c.sizes.map((n) => {
    const buf = b.alloc(n);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.37) + 0.5;  // positive variances for batch norm
    b.write(buf, v);
    return buf;
  });
  c.run(b, bufs);  // warm-up
  const t0 = performance.now();
  c.run(b, bufs);
  const once = Math.max(performance.now() - t0, 1e-3);
  return { bufs, loops: Math.max(1, Math.round(30 / once)) };
}

// --clock cpu: process CPU time (user + system) instead of wall time: immune to waiting for a core on a
// loaded machine, but it sums all threads, so it only means latency at 1 thread.
const CLOCK = arg('clock', 'wall');
const now = CLOCK === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();
function sample(b, c, st) {
  const t0 = now();
  for (let i = 0; i < st.loops; i++) c.run(b, st.bufs);
  return (now() - t0) / st.loops;
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const STAT = arg('stat', 'median');  // or 'min' (the least disturbed sample, for tuning on a loaded machine)
const pick = (a) => (STAT === 'min' ? Math.min(...a) : median(a));

const addon = loadCpuAddon().addon;
if (!addon) throw new Error('cpu addon not built: CONVNETS_NVCC=/nonexistent node scripts/build-native.mjs');
const rows = [];
for (const threads of THREADS) {
  const cpu = new CpuBackend(addon, { threads, isa: ISA });
  const wasm = await WasmBackend.create({ threads });
  for (const c of cases().filter((c) => c.name.includes(ONLY))) {
    const sc = prepare(cpu, c), sw = prepare(wasm, c);
    const tc = [], tw = [];
    for (let r = 0; r < REPS; r++) { tw.push(sample(wasm, c, sw)); tc.push(sample(cpu, c, sc)); }
    for (const b of sc.bufs) cpu.free(b);
    for (const b of sw.bufs) wasm.free(b);
    const row = { case: c.name, threads, wasm: pick(tw), cpu: pick(tc) };
    rows.push(row);
    console.error(`${row.case} t${threads}: wasm ${row.wasm.toFixed(3)} ms, cpu ${row.cpu.toFixed(3)} ms`);
  }
  console.log(`(cpu isa ${cpu.isa}, wasm relaxed SIMD ${relaxed ? 'on' : 'off'})`);
  cpu.dispose();
  wasm.dispose();
}
console.log('| case | threads | wasm ms | cpu ms | wasm / cpu |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.case} | ${r.threads} | ${r.wasm.toFixed(3)} | ${r.cpu.toFixed(3)} | ${(r.wasm / r.cpu).toFixed(2)}x |`);
