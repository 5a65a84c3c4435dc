// The window-pooling family: max pool (first maximum wins ties), average pool with torch's divisors
// (ceil mode, count_include_pad, asymmetric padding), and torch's adaptive average pool (uneven,
// overlapping and upsampling windows), forward and backward.
import type { Pool2dParams } from '../../src/ts/core/backend.js';
import { pool2dParams } from '../../src/ts/core/shape.js';
import type { Pool2dOptions } from '../../src/ts/core/shape.js';
import { Gen, X44, caseLists, prod, withBufs } from './lib/harness.js';
import type { Family, KernelCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

interface PoolCase { name: string; x: number[]; opts: Pool2dOptions; }

const maxPool: PoolCase[] = [
  { name: '3x3 s2 p1 b3 7x9', x: [3, 7, 9, 4], opts: { kernel: 3, stride: 2, padding: 1 } },
  { name: '3x3 s2 ceil 8x8', x: [2, 8, 8, 3], opts: { kernel: 3, stride: 2, ceilMode: true } },
  { name: '2x2 s2 floor 7x9', x: [2, 7, 9, 3], opts: { kernel: 2, stride: 2 } },
  { name: '3x3 s1 p1', x: [1, 7, 9, 2], opts: { kernel: 3, stride: 1, padding: 1 } },
  { name: '2x3 window s[2,1]', x: [2, 7, 9, 2], opts: { kernel: [2, 3], stride: [2, 1] } },
  { name: '3x3 s2 p1 19 channels', x: [1, 7, 9, 19], opts: { kernel: 3, stride: 2, padding: 1 } },
];

const avgPool: PoolCase[] = [
  { name: '3x3 s2 p1 incl pad', x: [3, 7, 9, 4], opts: { kernel: 3, stride: 2, padding: 1, countIncludePad: true } },
  { name: '3x3 s2 p1 excl pad', x: [3, 7, 9, 4], opts: { kernel: 3, stride: 2, padding: 1, countIncludePad: false } },
  { name: '3x3 s2 ceil 8x8 incl pad', x: [2, 8, 8, 3], opts: { kernel: 3, stride: 2, ceilMode: true, countIncludePad: true } },
  { name: '3x3 s2 ceil 8x8 excl pad', x: [2, 8, 8, 3], opts: { kernel: 3, stride: 2, ceilMode: true, countIncludePad: false } },
  { name: '3x3 s2 p1 ceil 6x6 overhang incl pad', x: [2, 6, 6, 3], opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true } },
  { name: '3x3 s2 p1 ceil 6x6 overhang excl pad', x: [2, 6, 6, 3], opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false } },
  { name: '3x3 s1 p1 excl pad (inception)', x: [2, 7, 9, 3], opts: { kernel: 3, stride: 1, padding: 1, countIncludePad: false } },
  { name: '2x2 s2 7x9', x: [2, 7, 9, 3], opts: { kernel: 2, stride: 2 } },
  { name: '3x3 s2 p1 ceil 19 channels', x: [1, 7, 9, 19], opts: { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true } },
  { name: '3x3 s2 same (asymmetric) incl pad', x: [2, 8, 7, 3], opts: { kernel: 3, stride: 2, padding: 'same', countIncludePad: true } },
  { name: '3x3 s2 pads [0,1,1,0] incl pad', x: [2, 7, 8, 5], opts: { kernel: 3, stride: 2, padding: [0, 1, 1, 0], countIncludePad: true } },
  { name: '3x3 s2 pads [0,1,1,0] excl pad', x: [2, 7, 8, 5], opts: { kernel: 3, stride: 2, padding: [0, 1, 1, 0], countIncludePad: false } },
];

/** torch AdaptiveAvgPool2d: input [n, h, w, c] to outH x outW. */
interface AdaptiveCase { name: string; x: number[]; outH: number; outW: number; }
const adaptivePool: AdaptiveCase[] = [
  { name: '14x14 -> 4x4 (GoogLeNet aux) c5', x: [2, 14, 14, 5], outH: 4, outW: 4 },
  { name: '5x7 -> 3x4 overlapping b3 c9', x: [3, 5, 7, 9], outH: 3, outW: 4 },
  { name: '1x1 -> 7x7 (VGG head from a 1x1 map)', x: [2, 1, 1, 6], outH: 7, outW: 7 },
  { name: '9x4 -> 2x7 mixed down/up c3', x: [1, 9, 4, 3], outH: 2, outW: 7 },
];
const adaptiveParams = (c: AdaptiveCase) => ({ n: c.x[0], inH: c.x[1], inW: c.x[2], c: c.x[3], outH: c.outH, outW: c.outW });

function poolCases(): KernelCase[] {
  const out: KernelCase[] = [];
  let seed = 5000;
  for (const [kind, cases] of [['max', maxPool], ['avg', avgPool]] as const) {
    for (const c of cases) {
      const g = new Gen(seed++);
      const p: Pool2dParams = pool2dParams(c.x, c.opts, `${kind}Pool2d`);
      const nx = prod(c.x), ny = p.n * p.outH * p.outW * p.c;
      const x = kind === 'max' ? g.distinct(nx) : g.normal(nx), dy = g.normal(ny);
      if (kind === 'max') {
        out.push({ kernel: 'maxPool2d', name: c.name, bufs: { x, y: ny }, outputs: ['y'], call: (b, B) => b.maxPool2d(p, B.x, B.y) });
        out.push({
          kernel: 'maxPool2dBackward', name: c.name, bufs: { x, dy, dx: nx }, outputs: ['dx'],
          call: (b, B) => b.maxPool2dBackward(p, B.x, B.dy, B.dx),
        });
      } else {
        out.push({ kernel: 'avgPool2d', name: c.name, bufs: { x, y: ny }, outputs: ['y'], call: (b, B) => b.avgPool2d(p, B.x, B.y) });
        out.push({
          kernel: 'avgPool2dBackward', name: c.name, bufs: { dy, dx: nx }, outputs: ['dx'],
          call: (b, B) => b.avgPool2dBackward(p, B.dy, B.dx),
        });
      }
    }
  }
  for (const c of adaptivePool) {
    const g = new Gen(seed++);
    const ap = adaptiveParams(c);
    const nx = prod(c.x), ny = ap.n * ap.outH * ap.outW * ap.c;
    const x = g.normal(nx), dy = g.normal(ny);
    out.push({ kernel: 'adaptiveAvgPool2d', name: c.name, bufs: { x, y: ny }, outputs: ['y'], call: (b, B) => b.adaptiveAvgPool2d(ap, B.x, B.y) });
    out.push({
      kernel: 'adaptiveAvgPool2dBackward', name: c.name, bufs: { dy, dx: nx }, outputs: ['dx'],
      call: (b, B) => b.adaptiveAvgPool2dBackward(ap, B.dy, B.dx),
    });
  }
  // Max pool with ties: the gradient must go to the FIRST maximal element (contract), so plateaus are a case too.
  const p = pool2dParams([1, 5, 5, 2], { kernel: 3, stride: 2, padding: 1 }, 'maxPool2d');
  const x = Float64Array.from({ length: 50 }, (_, i) => Math.floor(i / 7));
  const dy = new Gen(seed++).normal(p.outH * p.outW * 2);
  out.push({ kernel: 'maxPool2d', name: 'ties', bufs: { x, y: dy.length }, outputs: ['y'], call: (b, B) => b.maxPool2d(p, B.x, B.y) });
  out.push({
    kernel: 'maxPool2dBackward', name: 'ties (first maximum wins)', bufs: { x, dy, dx: 50 }, outputs: ['dx'],
    call: (b, B) => b.maxPool2dBackward(p, B.x, B.dy, B.dx),
  });
  return out;
}

function poolSpecs(): GradCheckSpec[] {
  const specs: GradCheckSpec[] = [];
  let seed = 500;
  for (const c of maxPool) {
    const p: Pool2dParams = pool2dParams(c.x, c.opts);
    // Distinct values 0.01 apart: no ties, so the max is differentiable at the check point.
    specs.push({
      name: `maxPool2d ${c.name}`, forwardKernel: 'maxPool2d', backwardKernels: ['maxPool2dBackward'],
      inputs: { x: new Gen(seed++).distinct(prod(c.x)) }, wrt: ['x'], outLen: p.n * p.outH * p.outW * p.c,
      forward: (b, B, y) => b.maxPool2d(p, B.x, y),
      backward: (b, B, dy, G) => b.maxPool2dBackward(p, B.x, dy, G.x),
    });
  }
  for (const c of avgPool) {
    const p: Pool2dParams = pool2dParams(c.x, c.opts);
    specs.push({
      name: `avgPool2d ${c.name}`, forwardKernel: 'avgPool2d', backwardKernels: ['avgPool2dBackward'],
      inputs: { x: new Gen(seed++).normal(prod(c.x)) }, wrt: ['x'], outLen: p.n * p.outH * p.outW * p.c,
      forward: (b, B, y) => b.avgPool2d(p, B.x, y),
      backward: (b, _B, dy, G) => b.avgPool2dBackward(p, dy, G.x),
    });
  }
  for (const c of adaptivePool) {
    const ap = adaptiveParams(c);
    specs.push({
      name: `adaptiveAvgPool2d ${c.name}`, forwardKernel: 'adaptiveAvgPool2d', backwardKernels: ['adaptiveAvgPool2dBackward'],
      inputs: { x: new Gen(seed++).normal(prod(c.x)) }, wrt: ['x'], outLen: ap.n * ap.outH * ap.outW * ap.c,
      forward: (b, B, y) => b.adaptiveAvgPool2d(ap, B.x, y),
      backward: (b, _B, dy, G) => b.adaptiveAvgPool2dBackward(ap, dy, G.x),
    });
  }
  return specs;
}

export const pool: Family = {
  name: 'pool',
  coverage: {
    maxPool2d: {
      values: [
        {
          what: 'hand: 2x2 stride 2 on a 4x4 image',
          run: (b) => {
            const p = pool2dParams([1, 4, 4, 1], { kernel: 2 });
            const [y] = withBufs(b, [X44], [4], ([x], [yb]) => b.maxPool2d(p, x, yb));
            return { got: y, want: [2, 3, 2, 3] };
          },
        },
        {
          what: 'hand: 3x3 stride 2 ceil mode on 4x4 gives 2x2 (floor would give 1x1)',
          run: (b) => {
            const p = pool2dParams([1, 4, 4, 1], { kernel: 3, stride: 2, ceilMode: true });
            const [y] = withBufs(b, [X44], [4], ([x], [yb]) => b.maxPool2d(p, x, yb));
            return { got: [...y, p.outH, p.outW], want: [3, 3, 2, 3, 2, 2] };
          },
        },
        {
          what: 'padding never wins: all-negative input, 3x3 stride 1 pad 1',
          run: (b) => {
            const p = pool2dParams([1, 2, 2, 1], { kernel: 3, stride: 1, padding: 1 });
            const [y] = withBufs(b, [[-4, -3, -2, -1]], [4], ([x], [yb]) => b.maxPool2d(p, x, yb));
            return { got: y, want: [-1, -1, -1, -1] };
          },
        },
      ],
    },
    maxPool2dBackward: {
      values: [
        {
          what: 'hand: 2x2 stride 2 routes dy to each window argmax',
          run: (b) => {
            const p = pool2dParams([1, 4, 4, 1], { kernel: 2 });
            const [dx] = withBufs(b, [X44, [1, 2, 3, 4]], [16], ([x, dy], [dxb]) => b.maxPool2dBackward(p, x, dy, dxb));
            return { got: dx, want: [0, 1, 0, 0, 0, 0, 2, 0, 3, 0, 0, 0, 0, 0, 0, 4] };
          },
        },
        {
          what: 'ties: the first maximal element (row-major) gets the gradient',
          run: (b) => {
            const p = pool2dParams([1, 2, 2, 1], { kernel: 2 });
            const [dx] = withBufs(b, [[1, 1, 1, 1], [5]], [4], ([x, dy], [dxb]) => b.maxPool2dBackward(p, x, dy, dxb));
            return { got: dx, want: [5, 0, 0, 0] };
          },
        },
      ],
    },
    avgPool2d: {
      values: [
        {
          // torch: AvgPool2d(3, 2, padding=1, ceil_mode=True) on ones(6, 6): the last window starts at row 5,
          // is clipped to the padded extent (rows 5..6) so its divisor is 2 x 2 and its value 1/4.
          what: 'torch divisors: 3x3 s2 p1 ceil mode on ones(6x6), count_include_pad=True',
          run: (b) => {
            const p = pool2dParams([1, 6, 6, 1], { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true });
            const [y] = withBufs(b, [new Array(36).fill(1)], [16], ([x], [yb]) => b.avgPool2d(p, x, yb));
            return {
              got: y,
              want: [4 / 9, 6 / 9, 6 / 9, 2 / 6, 6 / 9, 1, 1, 3 / 6, 6 / 9, 1, 1, 3 / 6, 2 / 6, 3 / 6, 3 / 6, 1 / 4],
            };
          },
        },
        {
          // Padding [top 0, bottom 1, left 0, right 1] on ones(3x3), 2x2 s2: the counted bottom/right pad
          // halves the edge windows and quarters the corner.
          what: 'asymmetric padding: count_include_pad counts the bottom/right pad',
          run: (b) => {
            const p = pool2dParams([1, 3, 3, 1], { kernel: 2, stride: 2, padding: [0, 1, 0, 1], countIncludePad: true });
            const [y] = withBufs(b, [new Array(9).fill(1)], [4], ([x], [yb]) => b.avgPool2d(p, x, yb));
            return { got: y, want: [1, 0.5, 0.5, 0.25] };
          },
        },
        {
          what: 'count_include_pad=False: ones stay ones everywhere (ceil, padding)',
          run: (b) => {
            const p = pool2dParams([1, 6, 6, 1], { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false });
            const [y] = withBufs(b, [new Array(36).fill(1)], [16], ([x], [yb]) => b.avgPool2d(p, x, yb));
            return { got: y, want: new Array(16).fill(1) };
          },
        },
        {
          what: 'ceil-mode overhang beyond the input is not counted even with count_include_pad (3x3 s2 p0 on 6x6)',
          run: (b) => {
            const p = pool2dParams([1, 6, 6, 1], { kernel: 3, stride: 2, ceilMode: true, countIncludePad: true });
            const x = Array.from({ length: 36 }, (_, i) => i);
            const [y] = withBufs(b, [x], [9], ([xb], [yb]) => b.avgPool2d(p, xb, yb));
            // Window (2, 2) covers rows 4..5, cols 4..5: (28 + 29 + 34 + 35) / 4.
            return { got: [y[0], y[8], p.outH], want: [(0 + 1 + 2 + 6 + 7 + 8 + 12 + 13 + 14) / 9, (28 + 29 + 34 + 35) / 4, 3] };
          },
        },
      ],
    },
    avgPool2dBackward: {
      values: [{
        what: 'hand: dx at the corners of 3x3 s2 p1 ceil on 6x6, dy = 1',
        run: (b) => {
          const p = pool2dParams([1, 6, 6, 1], { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true });
          const [dx] = withBufs(b, [new Array(16).fill(1)], [36], ([dy], [dxb]) => b.avgPool2dBackward(p, dy, dxb));
          // (0,0): window (0,0) only, divisor 9. (5,5): windows (2,2) 9, (2,3) 6, (3,2) 6, (3,3) 4.
          return { got: [dx[0], dx[35]], want: [1 / 9, 1 / 9 + 1 / 6 + 1 / 6 + 1 / 4] };
        },
      }],
    },
    adaptiveAvgPool2d: {
      values: [{
        what: "hand: torch's windows for 3 -> 2 (rows [0,2) and [1,3): they overlap) on a 3x3 ramp",
        run: (b) => {
          const p = { n: 1, inH: 3, inW: 3, c: 1, outH: 2, outW: 2 };
          const [y] = withBufs(b, [[1, 2, 3, 4, 5, 6, 7, 8, 9]], [4], ([x], [yb]) => b.adaptiveAvgPool2d(p, x, yb));
          return { got: y, want: [3, 4, 6, 7] };
        },
      }],
    },
    adaptiveAvgPool2dBackward: {
      values: [{
        what: 'hand: the centre of 3 -> 2 lies in all four windows (dy = 1: 4 x 1/4)',
        run: (b) => {
          const p = { n: 1, inH: 3, inW: 3, c: 1, outH: 2, outW: 2 };
          const [dx] = withBufs(b, [[1, 1, 1, 1]], [9], ([dy], [dxb]) => b.adaptiveAvgPool2dBackward(p, dy, dxb));
          return { got: dx, want: [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25] };
        },
      }],
    },
  },
  cases: caseLists(poolCases, () => []),
  gradchecks: poolSpecs,
};
