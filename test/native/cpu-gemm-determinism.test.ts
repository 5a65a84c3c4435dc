// The cpu backend's GEMM kernels give bitwise the same results at 1, 2 and 3 threads on every ISA path
// (the blocking that fixes the summation order, KC steps and split-K chunks, depends on the shape only).
import t from 'tap';
import { CpuBackend, cpuInfo, loadCpuAddon } from '../../src/ts/backends/native/cpu.js';
import type { Backend, Conv2dParams } from '../../src/ts/core/backend.js';

const conv = (o: Partial<Conv2dParams> & Pick<Conv2dParams, 'n' | 'inH' | 'inW' | 'inC' | 'outC' | 'kH'>): Conv2dParams => {
  const s = o.strideH ?? 1, pad = o.padTop ?? 0, d = o.dilationH ?? 1;
  const out = (i: number) => Math.floor((i + 2 * pad - d * (o.kH - 1) - 1) / s) + 1;
  return {
    kW: o.kH, strideH: s, strideW: s, padTop: pad, padLeft: pad, dilationH: d, dilationW: d, groups: 1,
    outH: out(o.inH), outW: out(o.inW), ...o,
  };
};
const cases: { name: string; family: 'conv2d' | 'pwconv2d'; p: Conv2dParams }[] = [
  // split-K over 4800 pixels; 32 channels: the filter gradient reads im2col rows in place
  { name: '3x3 32->16, 4800 px', family: 'conv2d', p: conv({ n: 3, inH: 40, inW: 40, inC: 32, outC: 16, kH: 3, padTop: 1 }) },
  // 8 channels: packed im2col panels; strided + grouped: the column data gradient
  { name: '3x3 8->16, 4800 px', family: 'conv2d', p: conv({ n: 3, inH: 40, inW: 40, inC: 8, outC: 16, kH: 3, padTop: 1 }) },
  { name: '3x3 s2 groups 3', family: 'conv2d', p: conv({ n: 2, inH: 30, inW: 31, inC: 6, outC: 9, kH: 3, strideH: 2, padTop: 1, groups: 3 }) },
  { name: '1x1 24->40, 5000 px', family: 'pwconv2d', p: conv({ n: 2, inH: 50, inW: 50, inC: 24, outC: 40, kH: 1 }) },
];

function run(be: Backend, family: 'conv2d' | 'pwconv2d', p: Conv2dParams): Float32Array[] {
  const sizes = { x: p.n * p.inH * p.inW * p.inC, w: (p.outC * p.kH * p.kW * p.inC) / p.groups, y: p.n * p.outH * p.outW * p.outC };
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const buf = (n: number) => { const b = be.alloc(n); be.write(b, Float32Array.from({ length: n }, rnd)); return b; };
  const x = buf(sizes.x), w = buf(sizes.w), bias = buf(p.outC), dy = buf(sizes.y);
  const y = be.alloc(sizes.y), dx = be.alloc(sizes.x), dw = be.alloc(sizes.w), db = be.alloc(p.outC);
  if (family === 'conv2d') {
    be.conv2d(p, x, w, bias, y); be.conv2dBackwardData(p, dy, w, dx); be.conv2dBackwardFilter(p, x, dy, dw, db);
  } else {
    be.pwconv2d(p, x, w, bias, y); be.pwconv2dBackwardData(p, dy, w, dx); be.pwconv2dBackwardFilter(p, x, dy, dw, db);
  }
  const out = [y, dx, dw, db].map((b) => Float32Array.from(be.read(b)));
  for (const b of [x, w, bias, dy, y, dx, dw, db]) be.free(b);
  return out;
}

const l = loadCpuAddon();
if (!l.addon) {
  t.fail(`cpu backend unavailable: ${l.error}`);
} else {
  const addon = l.addon;
  for (const isa of cpuInfo()!.isas) {
    if (!isa.runs) {
      t.comment(`SKIP cpu ${isa.name}: ${isa.why}`);
      continue;
    }
    t.test(`cpu ${isa.name}: identical results at 1, 2 and 3 threads`, async (tt) => {
      for (const c of cases) {
        const results = [1, 2, 3].map((threads) => {
          const be = new CpuBackend(addon, { threads, isa: isa.name, grain: threads > 1 ? 0 : undefined });
          try { return run(be, c.family, c.p); } finally { be.dispose(); }
        });
        ['y', 'dx', 'dw', 'dbias'].forEach((name, i) => {
          const same = results.every((r) => r[i].length === results[0][i].length && r[i].every((v, j) => Object.is(v, results[0][i][j])));
          tt.ok(same, `${c.family} ${c.name}: ${name} bitwise equal`);
        });
      }
    });
  }
}
