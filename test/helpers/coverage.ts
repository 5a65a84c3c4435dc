// The coverage manifest: for every kernel of the contract, its tests against independently computed
// values, and either finite-difference gradient checks (GRADCHECKS, whose specs name the forward kernel
// and the backward kernels they verify) or a reasoned exemption. test/js/forward.test.ts and
// test/js/gradcheck.test.ts run exactly what is listed here, and test/contract.test.ts checks the list
// against KERNEL_NAMES, so the table and the tests cannot drift apart.
import type { Backend, Buf, KernelName } from '../../src/ts/core/backend.js';
import { conv2dParams, pool2dParams } from '../../src/ts/core/shape.js';
import type { Conv2dOptions } from '../../src/ts/core/shape.js';
import { hash32 } from '../../src/ts/core/random.js';
import { Gen } from './conformance.js';
import { gradcheckSpecs } from './gradcheck.js';
import type { GradCheckSpec } from './gradcheck.js';

/** One check: run the kernel on a small case, compare with a value computed independently of it. */
export interface ValueCheck {
  what: string;
  run(b: Backend): { got: ArrayLike<number>; want: ArrayLike<number> };
}

export interface KernelCoverage {
  /** Tests against independent values (hand-computed examples, naive formulas written in the test). */
  values: ValueCheck[];
  /** Non-differentiable kernels: why no gradient check applies (their value checks test the formula). */
  exempt?: string;
}

// ---- small helpers --------------------------------------------------------------------------------------

function buf(b: Backend, v: ArrayLike<number>): Buf { const x = b.alloc(v.length); b.write(x, v); return x; }

/** Runs `f` with fresh buffers for `ins` (values) and `outs` (lengths), returns the outputs, frees all. */
function withBufs(b: Backend, ins: ArrayLike<number>[], outs: number[], f: (i: Buf[], o: Buf[]) => void): number[][] {
  const I = ins.map((v) => buf(b, v)), O = outs.map((n) => b.alloc(n));
  try {
    f(I, O);
    // In/out buffers (optimisers, axpy) are returned after the outputs.
    return [...O.map((o) => Array.from(b.read(o))), ...I.map((i) => Array.from(b.read(i)))];
  } finally {
    for (const x of [...I, ...O]) b.free(x);
  }
}

const X44 = [1, 2, 0, 1, 0, 1, 3, 1, 2, 1, 0, 0, 1, 0, 2, 3]; // a 4x4 single-channel image, row-major
const SOBEL = [1, 0, -1, 2, 0, -2, 1, 0, -1];

/**
 * Convolution straight from the definition, written independently of the kernels: explicit zero-padded
 * copy of the input, output size from the textbook formula, one group at a time.
 */
export function naiveConv(x: number[], xs: number[], w: number[], ws: number[], stride: [number, number],
  pad: [number, number, number, number], dil: [number, number], groups: number, bias: number[] | null): { y: number[]; shape: number[] } {
  const [n, H, W, C] = xs, [O, KH, KW, CG] = ws;
  const [t, bo, l, r] = pad;
  const PH = H + t + bo, PW = W + l + r;
  const P = (i: number, h: number, ww: number, c: number) => {
    const hh = h - t, wi = ww - l;
    return hh < 0 || hh >= H || wi < 0 || wi >= W ? 0 : x[((i * H + hh) * W + wi) * C + c];
  };
  const OH = Math.floor((PH - (dil[0] * (KH - 1) + 1)) / stride[0]) + 1;
  const OW = Math.floor((PW - (dil[1] * (KW - 1) + 1)) / stride[1]) + 1;
  const OG = O / groups;
  const y: number[] = [];
  for (let i = 0; i < n; i++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / OG);
      let s = bias ? bias[o] : 0;
      for (let c = 0; c < CG; c++) for (let a = 0; a < KH; a++) for (let bb = 0; bb < KW; bb++) {
        s += P(i, oh * stride[0] + a * dil[0], ow * stride[1] + bb * dil[1], g * CG + c) * w[((o * KH + a) * KW + bb) * CG + c];
      }
      y.push(s);
    }
  }
  return { y, shape: [n, OH, OW, O] };
}

function convVsNaive(kernel: 'conv2d' | 'dwconv2d' | 'pwconv2d', what: string, xs: number[], ws: number[],
  opts: { stride?: [number, number]; pad?: [number, number, number, number]; dil?: [number, number]; groups?: number }, seed: number): ValueCheck {
  return {
    what: `${what} vs naive direct convolution`,
    run: (b) => {
      const g = new Gen(seed);
      const x = Array.from(g.normal(xs.reduce((a, v) => a * v, 1))), w = Array.from(g.normal(ws.reduce((a, v) => a * v, 1)));
      const bias = Array.from(g.normal(ws[0]));
      const stride = opts.stride ?? [1, 1], pad = opts.pad ?? [0, 0, 0, 0], dil = opts.dil ?? [1, 1], groups = opts.groups ?? 1;
      const co: Conv2dOptions = { stride, padding: pad, dilation: dil, groups };
      const p = conv2dParams(xs, ws, co);
      const want = naiveConv(x, xs, w, ws, stride, pad, dil, groups, bias);
      const [y] = withBufs(b, [x, w, bias], [want.y.length], ([xb, wb, bb], [yb]) => b[kernel](p, xb, wb, bb, yb));
      return { got: [...y, p.outH, p.outW], want: [...want.y, want.shape[1], want.shape[2]] };
    },
  };
}

// ---- the manifest ------------------------------------------------------------------------------------------

export const GRADCHECKS: GradCheckSpec[] = gradcheckSpecs();

export const COVERAGE: Record<KernelName, KernelCoverage> = {
  conv2d: {
    values: [
      {
        what: 'hand-computed 3x3 Sobel filter on a 4x4 image, valid, bias 0.5',
        run: (b) => {
          const p = conv2dParams([1, 4, 4, 1], [1, 3, 3, 1]);
          const [y] = withBufs(b, [X44, SOBEL, [0.5]], [4], ([x, w, bias], [yb]) => b.conv2d(p, x, w, bias, yb));
          return { got: y, want: [-2.5, 2.5, 0.5, -0.5] };
        },
      },
      {
        what: 'hand-computed 3x3 Sobel, padding 1, stride 2',
        run: (b) => {
          const p = conv2dParams([1, 4, 4, 1], [1, 3, 3, 1], { padding: 1, stride: 2 });
          const [y] = withBufs(b, [X44, SOBEL], [4], ([x, w], [yb]) => b.conv2d(p, x, w, null, yb));
          return { got: y, want: [-5, 2, -3, -1] };
        },
      },
      convVsNaive('conv2d', 'groups 2, stride [2,1], dilation [1,2], asymmetric pad', [2, 7, 9, 4], [6, 3, 3, 2],
        { stride: [2, 1], pad: [0, 1, 2, 1], dil: [1, 2], groups: 2 }, 11),
      convVsNaive('conv2d', '1x7, pad [0,0,3,3]', [1, 5, 9, 3], [2, 1, 7, 3], { pad: [0, 0, 3, 3] }, 12),
      {
        what: 'fused relu epilogue: relu(conv + bias) of the hand Sobel case',
        run: (b) => {
          const p = { ...conv2dParams([1, 4, 4, 1], [1, 3, 3, 1]), activation: 'relu' as const };
          const [y] = withBufs(b, [X44, SOBEL, [0.5]], [4], ([x, w, bias], [yb]) => b.conv2d(p, x, w, bias, yb));
          return { got: y, want: [0, 2.5, 0.5, 0] };
        },
      },
    ],
  },
  conv2dBackwardData: { values: [] },
  conv2dBackwardFilter: { values: [] },
  dwconv2d: {
    values: [
      {
        what: 'hand-computed 2x2 depthwise, multiplier 1, two channels',
        run: (b) => {
          const p = conv2dParams([1, 2, 2, 2], [2, 2, 2, 1], { groups: 2 });
          const [y] = withBufs(b, [[1, 10, 2, 20, 3, 30, 4, 40], [1, 1, 1, 1, 1, 0, 0, -1]], [2],
            ([x, w], [yb]) => b.dwconv2d(p, x, w, null, yb));
          return { got: y, want: [10, 10 - 40] };
        },
      },
      convVsNaive('dwconv2d', 'multiplier 2, 3x3 stride 2 pad 1', [2, 7, 9, 3], [6, 3, 3, 1], { stride: [2, 2], pad: [1, 1, 1, 1], groups: 3 }, 21),
      convVsNaive('dwconv2d', '5x5 dilation 2, asymmetric pad', [1, 9, 8, 4], [4, 5, 5, 1], { pad: [4, 3, 2, 4], dil: [2, 2], groups: 4 }, 22),
    ],
  },
  dwconv2dBackwardData: { values: [] },
  dwconv2dBackwardFilter: { values: [] },
  pwconv2d: {
    values: [
      {
        what: 'hand-computed 1x1 conv = matrix product, with bias',
        run: (b) => {
          const p = conv2dParams([1, 1, 2, 2], [3, 1, 1, 2]);
          const [y] = withBufs(b, [[1, 2, 3, 4], [1, 1, 2, -1, 0, 0.5], [0, 1, 0]], [6],
            ([x, w, bias], [yb]) => b.pwconv2d(p, x, w, bias, yb));
          return { got: y, want: [3, 1, 1, 7, 3, 2] };
        },
      },
      convVsNaive('pwconv2d', 'b2 3x5, 7 -> 4', [2, 3, 5, 7], [4, 1, 1, 7], {}, 31),
    ],
  },
  pwconv2dBackwardData: { values: [] },
  pwconv2dBackwardFilter: { values: [] },
  batchNormTrain: {
    values: [
      {
        what: 'hand: x = 1,2,3,4 (one channel): mean 2.5, biased var 1.25; running var uses unbiased 5/3',
        run: (b) => {
          const p = { rows: 4, c: 1, eps: 1e-5, momentum: 0.1 };
          const [y, sm, si, , , , rm, rv] = withBufs(b, [[1, 2, 3, 4], [2], [1], [0], [1]], [4, 1, 1],
            ([x, g, be, rm, rv], [yb, sm, si]) => b.batchNormTrain(p, x, g, be, yb, rm, rv, sm, si));
          const inv = 1 / Math.sqrt(1.25 + 1e-5);
          return {
            got: [...y, ...sm, ...si, ...rm, ...rv],
            want: [1 - 3 * inv, 1 - inv, 1 + inv, 1 + 3 * inv, 2.5, inv, 0.25, 0.9 + 0.1 * (5 / 3)],
          };
        },
      },
      {
        what: 'hand: two interleaved channels (NHWC layout), rows 2',
        run: (b) => {
          const p = { rows: 2, c: 2, eps: 1e-5, momentum: 0.5 };
          const [y, sm, , , , , rm, rv] = withBufs(b, [[1, 10, 3, 30], [1, 1], [0, 0], [0, 0], [0, 0]], [4, 2, 2],
            ([x, g, be, rm, rv], [yb, sm, si]) => b.batchNormTrain(p, x, g, be, yb, rm, rv, sm, si));
          const i0 = 1 / Math.sqrt(1 + 1e-5), i1 = 1 / Math.sqrt(100 + 1e-5);
          return { got: [...y, ...sm, ...rm, ...rv], want: [-i0, -10 * i1, i0, 10 * i1, 2, 20, 1, 10, 1, 100] };
        },
      },
    ],
  },
  batchNormInference: {
    values: [{
      what: 'hand: y = gamma (x - mean) / sqrt(var + eps) + beta with running statistics',
      run: (b) => {
        const p = { rows: 1, c: 2, eps: 1e-3, momentum: 0.1 };
        const [y] = withBufs(b, [[1, 4], [2, -1], [0.5, 0], [0, 2], [4, 0.25]], [2],
          ([x, g, be, m, v], [yb]) => b.batchNormInference(p, x, g, be, m, v, yb));
        return { got: y, want: [2 * 1 / Math.sqrt(4.001) + 0.5, -1 * 2 / Math.sqrt(0.251)] };
      },
    }],
  },
  batchNormTrainBackward: { values: [] },
  batchNormInferenceBackward: { values: [] },
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
  globalAvgPool: {
    values: [{
      what: 'hand: per-channel means of a 2x2 two-channel image',
      run: (b) => {
        const [y] = withBufs(b, [[1, 10, 2, 20, 3, 30, 4, 40]], [2], ([x], [yb]) => b.globalAvgPool({ n: 1, hw: 4, c: 2 }, x, yb));
        return { got: y, want: [2.5, 25] };
      },
    }],
  },
  globalAvgPoolBackward: {
    values: [{
      what: 'hand: dy / hw spread over the positions',
      run: (b) => {
        const [dx] = withBufs(b, [[4, 8]], [8], ([dy], [dxb]) => b.globalAvgPoolBackward({ n: 1, hw: 4, c: 2 }, dy, dxb));
        return { got: dx, want: [1, 2, 1, 2, 1, 2, 1, 2] };
      },
    }],
  },
  dense: {
    values: [{
      what: 'hand: [[1,2],[3,4]] x w[out,in]^T + bias',
      run: (b) => {
        const [y] = withBufs(b, [[1, 2, 3, 4], [1, 0, 0, 1, 1, 1], [0, 0, 1]], [6],
          ([x, w, bias], [yb]) => b.dense({ n: 2, inF: 2, outF: 3 }, x, w, bias, yb));
        return { got: y, want: [1, 2, 4, 3, 4, 8] };
      },
    }],
  },
  denseBackwardData: { values: [] },
  denseBackwardFilter: { values: [] },
  activation: {
    values: [{
      what: 'hand values of every activation (including kinks)',
      run: (b) => {
        const cases: [Parameters<Backend['activation']>[0], number, number][] = [
          ['relu', -1, 0], ['relu', 0, 0], ['relu', 2.5, 2.5],
          ['relu6', -1, 0], ['relu6', 3, 3], ['relu6', 7, 6],
          ['sigmoid', 0, 0.5], ['sigmoid', -800, 0], ['sigmoid', 800, 1], ['sigmoid', Math.log(3), 0.75],
          ['silu', 0, 0], ['silu', Math.log(3), Math.log(3) * 0.75], ['silu', -800, 0],
          ['hardswish', -4, 0], ['hardswish', -3, 0], ['hardswish', 1, 4 / 6], ['hardswish', 3, 3], ['hardswish', 5, 5],
          ['hardsigmoid', -4, 0], ['hardsigmoid', 0, 0.5], ['hardsigmoid', 1.5, 0.75], ['hardsigmoid', 4, 1],
          // gelu = x Phi(x); Phi(1) = 0.8413447460685429, Phi(-5) = 2.866515718791939e-7 (the tail keeps its relative accuracy)
          ['gelu', 0, 0], ['gelu', 1, 0.8413447460685429], ['gelu', -1, -0.15865525393145707], ['gelu', -5, -1.4332578593959696e-6],
          ['gelu', 4, 4 * 0.9999683287581669],
        ];
        const got = cases.map(([k, x]) => withBufs(b, [[x]], [1], ([xb], [yb]) => b.activation(k, 1, xb, yb))[0][0]);
        return { got, want: cases.map((c) => c[2]) };
      },
    }],
  },
  activationBackward: {
    values: [{
      what: "torch's derivative rules at the kinks (relu'(0)=0, relu6' 0 at 0 and 6, hardswish' -1/2 at -3 and 3/2 at 3, hardsigmoid' 0 at +-3)",
      run: (b) => {
        const cases: [Parameters<Backend['activation']>[0], number, number, number][] = [
          // kind, x, y = f(x), dx for dy = 1
          ['relu', 0, 0, 0], ['relu', 2, 2, 1], ['relu', -2, 0, 0],
          ['relu6', 0, 0, 0], ['relu6', 6, 6, 0], ['relu6', 3, 3, 1],
          ['hardswish', -3, 0, -0.5], ['hardswish', 3, 3, 1.5], ['hardswish', -4, 0, 0], ['hardswish', 4, 4, 1], ['hardswish', 0, 0, 0.5],
          ['hardsigmoid', -3, 0, 0], ['hardsigmoid', 3, 1, 0], ['hardsigmoid', 0, 0.5, 1 / 6],
          ['sigmoid', 0, 0.5, 0.25], ['silu', 0, 0, 0.5],
          // gelu' = Phi(x) + x phi(x): 0.5 at 0; Phi(1) + phi(1) = 0.8413447460685429 + 0.24197072451914337
          ['gelu', 0, 0, 0.5], ['gelu', 1, 0.8413447460685429, 1.0833154705876864], ['gelu', -1, -0.15865525393145707, -0.08331547058768645],
        ];
        const got = cases.map(([k, x, y]) =>
          withBufs(b, [[x], [y], [1]], [1], ([xb, yb, dyb], [dxb]) => b.activationBackward(k, 1, xb, yb, dyb, dxb))[0][0]);
        return { got, want: cases.map((c) => c[3]) };
      },
    }],
  },
  add: {
    values: [{
      what: 'hand: [1,2] + [3,4], and in place',
      run: (b) => {
        const [y] = withBufs(b, [[1, 2], [3, 4]], [2], ([a, c], [yb]) => b.add(2, a, c, yb));
        const [a2] = withBufs(b, [[1, 2], [3, 4]], [], ([a, c]) => b.add(2, a, c, a));
        return { got: [...y, ...a2], want: [4, 6, 4, 6] };
      },
    }],
  },
  axpy: {
    values: [{
      what: 'hand: y = [1,1] + 2 [1,2]',
      run: (b) => {
        const [, y] = withBufs(b, [[1, 2], [1, 1]], [], ([x, yb]) => b.axpy(2, 2, x, yb));
        return { got: y, want: [3, 5] };
      },
    }],
  },
  scale: {
    values: [{
      what: 'hand: 3 [1,-2]',
      run: (b) => {
        const [y] = withBufs(b, [[1, -2]], [2], ([x], [yb]) => b.scale(2, 3, x, yb));
        return { got: y, want: [3, -6] };
      },
    }],
  },
  mul: {
    values: [{
      what: 'hand: [2,3] * [4,5]',
      run: (b) => {
        const [y] = withBufs(b, [[2, 3], [4, 5]], [2], ([a, c], [yb]) => b.mul(2, a, c, yb));
        return { got: y, want: [8, 15] };
      },
    }],
  },
  sumSquares: {
    exempt: 'used only to measure the global gradient norm for clipping; it is never part of a differentiated graph',
    values: [{
      what: 'hand: 3^2 + 4^2 = 25; 1..100 squared = 338350',
      run: (b) => {
        const [a] = withBufs(b, [[3, 4]], [1], ([x], [o]) => b.sumSquares(2, x, o));
        const [c] = withBufs(b, [Array.from({ length: 100 }, (_, i) => i + 1)], [1], ([x], [o]) => b.sumSquares(100, x, o));
        return { got: [...a, ...c], want: [25, 338350] };
      },
    }],
  },
  channelScale: {
    values: [{
      what: 'hand: per-sample, per-channel scaling',
      run: (b) => {
        const [y] = withBufs(b, [[1, 2, 3, 4, 5, 6, 7, 8], [10, 100, -1, 0]], [8],
          ([x, s], [yb]) => b.channelScale({ n: 2, hw: 2, c: 2 }, x, s, yb));
        return { got: y, want: [10, 200, 30, 400, -5, 0, -7, 0] };
      },
    }],
  },
  channelScaleBackward: {
    values: [{
      what: 'hand: dx = dy s, ds = sum over positions of dy x',
      run: (b) => {
        const [dx, ds] = withBufs(b, [[1, 2, 3, 4], [10, 100], [1, 1, 1, 1]], [4, 2],
          ([x, s, dy], [dxb, dsb]) => b.channelScaleBackward({ n: 1, hw: 2, c: 2 }, x, s, dy, dxb, dsb));
        return { got: [...dx, ...ds], want: [10, 100, 10, 100, 4, 6] };
      },
    }],
  },
  concat: {
    values: [{
      what: 'hand: rows 2, channels [1, 2]',
      run: (b) => {
        const [y] = withBufs(b, [[1, 2], [3, 4, 5, 6]], [6], ([a, c], [yb]) => b.concat({ rows: 2, channels: [1, 2] }, [a, c], yb));
        return { got: y, want: [1, 3, 4, 2, 5, 6] };
      },
    }],
  },
  split: {
    values: [{
      what: 'hand: the inverse of the concat example',
      run: (b) => {
        const [a, c] = withBufs(b, [[1, 3, 4, 2, 5, 6]], [2, 4], ([y], [ab, cb]) => b.split({ rows: 2, channels: [1, 2] }, y, [ab, cb]));
        return { got: [...a, ...c], want: [1, 2, 3, 4, 5, 6] };
      },
    }],
  },
  dropoutMask: {
    exempt: 'draws a random mask from (seed, index); it has no differentiable input (the mask is applied with mul, which is checked)',
    values: [
      {
        what: 'mask[i] = 1/(1-rate) iff (hash32(seed, i) >>> 8) >= floor(rate * 2^24), else 0 (written out here)',
        run: (b) => {
          const n = 2000, rate = 0.3, seed = 42;
          const [m] = withBufs(b, [], [n], (_, [mb]) => b.dropoutMask(n, rate, seed, mb));
          const want = Array.from({ length: n }, (_, i) => ((hash32(seed, i) >>> 8) >= Math.floor(rate * 16777216) ? 1 / 0.7 : 0));
          return { got: m, want };
        },
      },
      {
        what: 'keep fraction within 0.03 of 1 - rate; rate 0 keeps all with scale 1; masks differ across seeds',
        run: (b) => {
          const n = 4000;
          const [m] = withBufs(b, [], [n], (_, [mb]) => b.dropoutMask(n, 0.5, 7, mb));
          const [m2] = withBufs(b, [], [n], (_, [mb]) => b.dropoutMask(n, 0.5, 8, mb));
          const [z] = withBufs(b, [], [5], (_, [mb]) => b.dropoutMask(5, 0, 7, mb));
          const kept = m.filter((v) => v !== 0).length / n;
          const same = m.every((v, i) => v === m2[i]);
          return { got: [Math.abs(kept - 0.5) < 0.03 ? 1 : 0, same ? 1 : 0, ...z], want: [1, 0, 1, 1, 1, 1, 1] };
        },
      },
    ],
  },
  softmaxCrossEntropy: {
    values: [
      {
        what: 'hand: logits [0, ln 3] -> probs [1/4, 3/4]; loss -ln(3/4), and with smoothing 0.1',
        run: (b) => {
          const z = [0, Math.log(3)];
          const [pr, l] = withBufs(b, [z, [1]], [2, 1], ([zb, lb], [pb, lossb]) =>
            b.softmaxCrossEntropy({ n: 1, classes: 2, smoothing: 0 }, zb, lb, pb, lossb));
          const [, ls] = withBufs(b, [z, [1]], [2, 1], ([zb, lb], [pb, lossb]) =>
            b.softmaxCrossEntropy({ n: 1, classes: 2, smoothing: 0.1 }, zb, lb, pb, lossb));
          return { got: [...pr, ...l, ...ls], want: [0.25, 0.75, -Math.log(0.75), -(0.05 * Math.log(0.25) + 0.95 * Math.log(0.75))] };
        },
      },
      {
        what: 'stability: logits [1000, 0, -1000], label 2 -> loss 2000, probs [1, 0, 0], no NaN',
        run: (b) => {
          const [pr, l] = withBufs(b, [[1000, 0, -1000], [2]], [3, 1], ([zb, lb], [pb, lossb]) =>
            b.softmaxCrossEntropy({ n: 1, classes: 3, smoothing: 0 }, zb, lb, pb, lossb));
          return { got: [...pr, ...l], want: [1, 0, 0, 2000] };
        },
      },
    ],
  },
  softmaxCrossEntropyBackward: {
    values: [{
      what: 'hand: (probs - onehot) * gradScale',
      run: (b) => {
        const [d] = withBufs(b, [[0.25, 0.75], [0]], [2], ([pb, lb], [db]) =>
          b.softmaxCrossEntropyBackward({ n: 1, classes: 2, smoothing: 0 }, pb, lb, 0.5, db));
        return { got: d, want: [-0.375, 0.375] };
      },
    }],
  },
  sgdUpdate: {
    exempt: 'an optimiser step, applied after backward; it is not part of the differentiated graph',
    values: [
      {
        what: 'two SGD steps by hand: lr 0.1, momentum 0.9, weight decay 0.1, p = 1, grad = 0.5',
        run: (b) => {
          const p = { length: 1, lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: false };
          const [p1, , v1] = withBufs(b, [[1], [0.5], [0]], [], ([pb, g, v]) => { b.sgdUpdate(p, pb, g, v); });
          const [p2, , v2] = withBufs(b, [[1], [0.5], [0]], [], ([pb, g, v]) => { b.sgdUpdate(p, pb, g, v); b.sgdUpdate(p, pb, g, v); });
          // step 1: g = 0.5 + 0.1*1 = 0.6, v = 0.6, p = 0.94; step 2: g = 0.5 + 0.094 = 0.594, v = 0.54 + 0.594, p = 0.94 - 0.1134
          return { got: [...p1, ...v1, ...p2, ...v2], want: [0.94, 0.6, 0.8266, 1.134] };
        },
      },
      {
        what: 'two Nesterov steps by hand (p -= lr (g + m v))',
        run: (b) => {
          const p = { length: 1, lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true };
          const [p2, , v2] = withBufs(b, [[1], [0.5], [0]], [], ([pb, g, v]) => { b.sgdUpdate(p, pb, g, v); b.sgdUpdate(p, pb, g, v); });
          // step 1: g = 0.6, v = 0.6, p = 1 - 0.1 (0.6 + 0.54) = 0.886
          // step 2: g = 0.5 + 0.0886 = 0.5886, v = 0.54 + 0.5886 = 1.1286, p = 0.886 - 0.1 (0.5886 + 1.01574) = 0.725566
          return { got: [...p2, ...v2], want: [0.725566, 1.1286] };
        },
      },
    ],
  },
  adamwUpdate: {
    exempt: 'an optimiser step, applied after backward; it is not part of the differentiated graph',
    values: [{
      what: 'two AdamW steps by hand: lr 0.1, betas (0.9, 0.999), eps 1e-8, wd 0.1, p = 1, grad = 0.5 (bias correction makes m^ = 0.5, v^ = 0.25 at both steps)',
      run: (b) => {
        const base = { length: 1, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
        const [p2, , m2, v2] = withBufs(b, [[1], [0.5], [0], [0]], [], ([pb, g, m, v]) => {
          b.adamwUpdate({ ...base, step: 1 }, pb, g, m, v);
          b.adamwUpdate({ ...base, step: 2 }, pb, g, m, v);
        });
        // step 1: p = 0.99 - 0.05 / (0.5 + 1e-8) = 0.890000002; step 2: p = 0.99 * 0.890000002 - 0.099999998
        return { got: [...p2, ...m2, ...v2], want: [0.99 * 0.890000002 - 0.099999998, 0.095, 0.00049975] };
      },
    }],
  },
};
