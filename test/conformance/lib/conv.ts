// What the three convolution families (conv2d, dwconv2d, pwconv2d) share: one signature, so one case
// shape, one case generator (forward, backward-data, backward-filter), one gradient-check builder and a
// naive direct convolution to check values against.
import type { ActivationKind, Conv2dParams, KernelName } from '../../../src/ts/core/backend.js';
import { conv2dParams } from '../../../src/ts/core/shape.js';
import type { Conv2dOptions } from '../../../src/ts/core/shape.js';
import { Gen, caseLists, prod, withBufs } from './harness.js';
import type { Family, KernelCase, KernelCoverage, ValueCheck } from './harness.js';
import type { GradCheckSpec } from './gradcheck.js';

export type ConvFamily = 'conv2d' | 'dwconv2d' | 'pwconv2d';

export interface ConvCase {
  name: string; x: number[]; w: number[]; opts: Conv2dOptions; bias: boolean; activation?: ActivationKind;
}

export function convParamsOf(c: ConvCase): Conv2dParams {
  const p = conv2dParams(c.x, c.w, c.opts);
  return c.activation ? { ...p, activation: c.activation } : p;
}

function convKernelCases(fam: ConvFamily, cases: ConvCase[], seed: number): KernelCase[] {
  const out: KernelCase[] = [];
  for (const [i, c] of cases.entries()) {
    const p = convParamsOf(c);
    const g = new Gen(seed + i);
    const nx = prod(c.x), nw = prod(c.w), ny = p.n * p.outH * p.outW * p.outC;
    const fan = nw / p.outC;
    const x = g.normal(nx), w = g.normal(nw, 1 / Math.sqrt(fan)), bias = g.normal(p.outC, 0.5), dy = g.normal(ny);
    out.push({
      kernel: fam, name: c.name, bufs: c.bias ? { x, w, bias, y: ny } : { x, w, y: ny }, outputs: ['y'],
      call: (b, B) => b[fam](p, B.x, B.w, B.bias ?? null, B.y),
    });
    out.push({
      kernel: `${fam}BackwardData`, name: c.name, bufs: { dy, w, dx: nx }, outputs: ['dx'],
      call: (b, B) => b[`${fam}BackwardData`](p, B.dy, B.w, B.dx),
    });
    out.push({
      kernel: `${fam}BackwardFilter`, name: c.name,
      bufs: c.bias ? { x, dy, dw: nw, dbias: p.outC } : { x, dy, dw: nw }, outputs: c.bias ? ['dw', 'dbias'] : ['dw'],
      call: (b, B) => b[`${fam}BackwardFilter`](p, B.x, B.dy, B.dw, B.dbias ?? null),
    });
  }
  return out;
}

function convSpecs(fam: ConvFamily, cases: ConvCase[], seed: number): GradCheckSpec[] {
  return cases.filter((c) => !c.activation).map((c, i) => {
    const p: Conv2dParams = convParamsOf(c);
    const g = new Gen(seed + i);
    const inputs: Record<string, Float64Array> = { x: g.normal(prod(c.x)), w: g.normal(prod(c.w), 0.5) };
    if (c.bias) inputs.bias = g.normal(p.outC);
    return {
      name: `${fam} ${c.name}`, forwardKernel: fam,
      backwardKernels: [`${fam}BackwardData`, `${fam}BackwardFilter`] as KernelName[],
      inputs, wrt: Object.keys(inputs), outLen: p.n * p.outH * p.outW * p.outC,
      forward: (b, B, y) => b[fam](p, B.x, B.w, B.bias ?? null, y),
      backward: (b, B, dy, G) => {
        b[`${fam}BackwardData`](p, dy, B.w, G.x);
        b[`${fam}BackwardFilter`](p, B.x, dy, G.w, G.bias ?? null);
      },
    };
  });
}

/** The tables of one convolution family; seeds keep each family's inputs fixed as cases are added. */
export interface ConvTables {
  small: ConvCase[]; full: ConvCase[]; large: ConvCase[]; forwardValues: ValueCheck[];
  seeds: { cases: number; large: number; gradcheck: number };
}

export function convFamily(fam: ConvFamily, T: ConvTables): Family {
  const none: KernelCoverage = { values: [] };
  return {
    name: fam,
    // Backward kernels are checked against finite differences of the forward (gradchecks), which is
    // independent of them; the forward kernel against hand and naive values.
    coverage: { [fam]: { values: T.forwardValues }, [`${fam}BackwardData`]: none, [`${fam}BackwardFilter`]: none },
    // The full extras continue the small seeds (seed + index), as one table would.
    cases: caseLists(() => convKernelCases(fam, T.small, T.seeds.cases),
      () => convKernelCases(fam, T.full, T.seeds.cases + T.small.length)),
    large: () => convKernelCases(fam, T.large, T.seeds.large),
    gradchecks: () => convSpecs(fam, T.small, T.seeds.gradcheck),
  };
}

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

export function convVsNaive(kernel: ConvFamily, what: string, xs: number[], ws: number[],
  opts: { stride?: [number, number]; pad?: [number, number, number, number]; dil?: [number, number]; groups?: number }, seed: number): ValueCheck {
  return {
    what: `${what} vs naive direct convolution`,
    run: (b) => {
      const g = new Gen(seed);
      const x = Array.from(g.normal(prod(xs))), w = Array.from(g.normal(prod(ws)));
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
