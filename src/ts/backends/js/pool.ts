// Max and average pooling, NHWC, with torch's semantics.
// Window (oh, ow) covers input rows h0 = oh*strideH - padTop ... h0 + kH - 1 (likewise columns).
// Max: padding never wins (as -inf); the first maximal element in row-major window order is the argmax,
//   and backward routes dy there (ties therefore go to the earliest element, as the forward picks).
// Avg: sum over the in-bounds elements divided by
//   countIncludePad:  (min(h0 + kH, inH + padBottom) - h0) * (min(w0 + kW, inW + padRight) - w0)
//                     i.e. padding counts, but a ceil-mode window's overhang beyond the padded input does not;
//   otherwise:        the number of in-bounds elements.
import type { AdaptivePool2dParams, Buf, Pool2dParams } from '../../core/backend.js';
import { adaptiveWindows } from '../../core/shape.js';
import { checkKernelParams } from '../../core/params.js';
import { arr } from './memory.js';

/** Index of the window's argmax in x (first maximum in row-major order). */
function argmax(p: Pool2dParams, x: ArrayLike<number>, b: number, oh: number, ow: number, ch: number): number {
  const h0 = oh * p.strideH - p.padTop, w0 = ow * p.strideW - p.padLeft;
  let best = -1, bestV = -Infinity;
  for (let ih = Math.max(h0, 0); ih < Math.min(h0 + p.kH, p.inH); ih++) {
    for (let iw = Math.max(w0, 0); iw < Math.min(w0 + p.kW, p.inW); iw++) {
      const i = ((b * p.inH + ih) * p.inW + iw) * p.c + ch;
      const v = x[i];
      // NaN propagates, as in torch.
      if (best < 0 || v > bestV || Number.isNaN(v)) { best = i; bestV = v; if (Number.isNaN(v)) return best; }
    }
  }
  return best;
}

export function maxPool2d(p: Pool2dParams, xb: Buf, yb: Buf): void {
  const K = 'maxPool2d';
  checkKernelParams(K, p);
  const x = arr(K, 'x', xb, p.n * p.inH * p.inW * p.c), y = arr(K, 'y', yb, p.n * p.outH * p.outW * p.c);
  for (let b = 0; b < p.n; b++)
    for (let oh = 0; oh < p.outH; oh++)
      for (let ow = 0; ow < p.outW; ow++)
        for (let ch = 0; ch < p.c; ch++) y[((b * p.outH + oh) * p.outW + ow) * p.c + ch] = x[argmax(p, x, b, oh, ow, ch)];
}

export function maxPool2dBackward(p: Pool2dParams, xb: Buf, dyb: Buf, dxb: Buf): void {
  const K = 'maxPool2dBackward';
  checkKernelParams(K, p);
  const x = arr(K, 'x', xb, p.n * p.inH * p.inW * p.c), dy = arr(K, 'dy', dyb, p.n * p.outH * p.outW * p.c);
  const dx = arr(K, 'dx', dxb, p.n * p.inH * p.inW * p.c);
  dx.fill(0);
  for (let b = 0; b < p.n; b++)
    for (let oh = 0; oh < p.outH; oh++)
      for (let ow = 0; ow < p.outW; ow++)
        for (let ch = 0; ch < p.c; ch++) dx[argmax(p, x, b, oh, ow, ch)] += dy[((b * p.outH + oh) * p.outW + ow) * p.c + ch];
}

/** Divisor of window (oh, ow) as documented above. */
export function avgDivisor(p: Pool2dParams, oh: number, ow: number): number {
  const h0 = oh * p.strideH - p.padTop, w0 = ow * p.strideW - p.padLeft;
  if (p.countIncludePad) {
    const hEnd = Math.min(h0 + p.kH, p.inH + p.padBottom), wEnd = Math.min(w0 + p.kW, p.inW + p.padRight);
    return (hEnd - h0) * (wEnd - w0);
  }
  const hs = Math.max(h0, 0), he = Math.min(h0 + p.kH, p.inH), ws = Math.max(w0, 0), we = Math.min(w0 + p.kW, p.inW);
  return (he - hs) * (we - ws);
}

export function avgPool2d(p: Pool2dParams, xb: Buf, yb: Buf): void {
  const K = 'avgPool2d';
  checkKernelParams(K, p);
  const x = arr(K, 'x', xb, p.n * p.inH * p.inW * p.c), y = arr(K, 'y', yb, p.n * p.outH * p.outW * p.c);
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        const h0 = oh * p.strideH - p.padTop, w0 = ow * p.strideW - p.padLeft;
        const div = avgDivisor(p, oh, ow);
        for (let ch = 0; ch < p.c; ch++) {
          let s = 0;
          for (let ih = Math.max(h0, 0); ih < Math.min(h0 + p.kH, p.inH); ih++)
            for (let iw = Math.max(w0, 0); iw < Math.min(w0 + p.kW, p.inW); iw++) s += x[((b * p.inH + ih) * p.inW + iw) * p.c + ch];
          y[((b * p.outH + oh) * p.outW + ow) * p.c + ch] = s / div;
        }
      }
    }
  }
}

export function avgPool2dBackward(p: Pool2dParams, dyb: Buf, dxb: Buf): void {
  const K = 'avgPool2dBackward';
  checkKernelParams(K, p);
  const dy = arr(K, 'dy', dyb, p.n * p.outH * p.outW * p.c), dx = arr(K, 'dx', dxb, p.n * p.inH * p.inW * p.c);
  dx.fill(0);
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        const h0 = oh * p.strideH - p.padTop, w0 = ow * p.strideW - p.padLeft;
        const div = avgDivisor(p, oh, ow);
        for (let ch = 0; ch < p.c; ch++) {
          const g = dy[((b * p.outH + oh) * p.outW + ow) * p.c + ch] / div;
          for (let ih = Math.max(h0, 0); ih < Math.min(h0 + p.kH, p.inH); ih++)
            for (let iw = Math.max(w0, 0); iw < Math.min(w0 + p.kW, p.inW); iw++) dx[((b * p.inH + ih) * p.inW + iw) * p.c + ch] += g;
        }
      }
    }
  }
}

// ---- adaptive average pooling: torch's uneven (possibly overlapping) windows, core/shape.ts adaptiveWindows

export function adaptiveAvgPool2d(p: AdaptivePool2dParams, xb: Buf, yb: Buf): void {
  const K = 'adaptiveAvgPool2d';
  checkKernelParams(K, p);
  const x = arr(K, 'x', xb, p.n * p.inH * p.inW * p.c), y = arr(K, 'y', yb, p.n * p.outH * p.outW * p.c);
  const rows = adaptiveWindows(p.inH, p.outH), cols = adaptiveWindows(p.inW, p.outW);
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      const [h0, h1] = rows[oh];
      for (let ow = 0; ow < p.outW; ow++) {
        const [w0, w1] = cols[ow];
        const count = (h1 - h0) * (w1 - w0);
        for (let ch = 0; ch < p.c; ch++) {
          let s = 0;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[((b * p.inH + ih) * p.inW + iw) * p.c + ch];
          y[((b * p.outH + oh) * p.outW + ow) * p.c + ch] = s / count;
        }
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(p: AdaptivePool2dParams, dyb: Buf, dxb: Buf): void {
  const K = 'adaptiveAvgPool2dBackward';
  checkKernelParams(K, p);
  const dy = arr(K, 'dy', dyb, p.n * p.outH * p.outW * p.c), dx = arr(K, 'dx', dxb, p.n * p.inH * p.inW * p.c);
  dx.fill(0);
  const rows = adaptiveWindows(p.inH, p.outH), cols = adaptiveWindows(p.inW, p.outW);
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      const [h0, h1] = rows[oh];
      for (let ow = 0; ow < p.outW; ow++) {
        const [w0, w1] = cols[ow];
        const count = (h1 - h0) * (w1 - w0);
        for (let ch = 0; ch < p.c; ch++) {
          const g = dy[((b * p.outH + oh) * p.outW + ow) * p.c + ch] / count;
          for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[((b * p.inH + ih) * p.inW + iw) * p.c + ch] += g;
        }
      }
    }
  }
}
