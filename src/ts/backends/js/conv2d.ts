// General 2-D convolution, NHWC x OHWI, with stride, dilation, groups and (asymmetric) padding, as
// direct loops over the definition:
//   y[b, oh, ow, oc] = bias[oc] + sum_{kh, kw, ci} x[b, oh*sH - pT + kh*dH, ow*sW - pL + kw*dW, g*cig + ci] * w[oc, kh, kw, ci]
// with g = floor(oc / cog) the group of oc, cig = inC/groups, cog = outC/groups; out-of-range input
// positions are zero padding. The backward kernels are the exact adjoints of this sum.
import type { Buf, Conv2dParams } from '../../core/backend.js';
import { checkKernelParams } from '../../core/params.js';
import type { KernelName } from '../../core/backend.js';
import { arr } from './memory.js';
import { applyActivation } from './activation.js';

export const convSizes = (p: Conv2dParams) => ({
  x: p.n * p.inH * p.inW * p.inC,
  w: p.outC * p.kH * p.kW * (p.inC / p.groups),
  y: p.n * p.outH * p.outW * p.outC,
});

export function conv2dFwd(kernel: string, p: Conv2dParams, xb: Buf, wb: Buf, biasb: Buf | null, yb: Buf): void {
  checkKernelParams(kernel as KernelName, p);
  const s = convSizes(p);
  const x = arr(kernel, 'x', xb, s.x), w = arr(kernel, 'w', wb, s.w), y = arr(kernel, 'y', yb, s.y);
  const bias = biasb ? arr(kernel, 'bias', biasb, p.outC) : null;
  const cig = p.inC / p.groups, cog = p.outC / p.groups;
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        for (let oc = 0; oc < p.outC; oc++) {
          const g = Math.floor(oc / cog);
          let acc = bias ? bias[oc] : 0;
          for (let kh = 0; kh < p.kH; kh++) {
            const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
            if (ih < 0 || ih >= p.inH) continue;
            for (let kw = 0; kw < p.kW; kw++) {
              const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
              if (iw < 0 || iw >= p.inW) continue;
              const xo = ((b * p.inH + ih) * p.inW + iw) * p.inC + g * cig;
              const wo = ((oc * p.kH + kh) * p.kW + kw) * cig;
              for (let ci = 0; ci < cig; ci++) acc += x[xo + ci] * w[wo + ci];
            }
          }
          y[((b * p.outH + oh) * p.outW + ow) * p.outC + oc] = acc;
        }
      }
    }
  }
  applyActivation(p.activation, y);
}

/** dx[...] = sum over the (oh, ow, oc) that read it of dy * w: the same loop as forward, scattering. */
export function conv2dBwdData(kernel: string, p: Conv2dParams, dyb: Buf, wb: Buf, dxb: Buf): void {
  checkKernelParams(kernel as KernelName, p);
  const s = convSizes(p);
  const dy = arr(kernel, 'dy', dyb, s.y), w = arr(kernel, 'w', wb, s.w), dx = arr(kernel, 'dx', dxb, s.x);
  const cig = p.inC / p.groups, cog = p.outC / p.groups;
  dx.fill(0);
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        for (let oc = 0; oc < p.outC; oc++) {
          const g = Math.floor(oc / cog);
          const d = dy[((b * p.outH + oh) * p.outW + ow) * p.outC + oc];
          for (let kh = 0; kh < p.kH; kh++) {
            const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
            if (ih < 0 || ih >= p.inH) continue;
            for (let kw = 0; kw < p.kW; kw++) {
              const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
              if (iw < 0 || iw >= p.inW) continue;
              const xo = ((b * p.inH + ih) * p.inW + iw) * p.inC + g * cig;
              const wo = ((oc * p.kH + kh) * p.kW + kw) * cig;
              for (let ci = 0; ci < cig; ci++) dx[xo + ci] += d * w[wo + ci];
            }
          }
        }
      }
    }
  }
}

/** dw[oc, kh, kw, ci] = sum_{b, oh, ow} dy * x at the tap; dbias[oc] = sum dy. */
export function conv2dBwdFilter(kernel: string, p: Conv2dParams, xb: Buf, dyb: Buf, dwb: Buf, dbiasb: Buf | null): void {
  checkKernelParams(kernel as KernelName, p);
  const s = convSizes(p);
  const x = arr(kernel, 'x', xb, s.x), dy = arr(kernel, 'dy', dyb, s.y), dw = arr(kernel, 'dw', dwb, s.w);
  const dbias = dbiasb ? arr(kernel, 'dbias', dbiasb, p.outC) : null;
  const cig = p.inC / p.groups, cog = p.outC / p.groups;
  dw.fill(0);
  dbias?.fill(0);
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        for (let oc = 0; oc < p.outC; oc++) {
          const g = Math.floor(oc / cog);
          const d = dy[((b * p.outH + oh) * p.outW + ow) * p.outC + oc];
          if (dbias) dbias[oc] += d;
          for (let kh = 0; kh < p.kH; kh++) {
            const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
            if (ih < 0 || ih >= p.inH) continue;
            for (let kw = 0; kw < p.kW; kw++) {
              const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
              if (iw < 0 || iw >= p.inW) continue;
              const xo = ((b * p.inH + ih) * p.inW + iw) * p.inC + g * cig;
              const wo = ((oc * p.kH + kh) * p.kW + kw) * cig;
              for (let ci = 0; ci < cig; ci++) dw[wo + ci] += d * x[xo + ci];
            }
          }
        }
      }
    }
  }
}
