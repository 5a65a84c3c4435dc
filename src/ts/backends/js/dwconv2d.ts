// Depthwise convolution: groups = inC, outC = inC * multiplier, filter [outC, kH, kW, 1].
// Output channel oc reads input channel floor(oc / multiplier) (torch's grouped-conv channel order).
// Written as its own loops (one input channel per output channel) rather than calling conv2d, so it is
// an independent reference for the specialised kernels of the other backends.
import type { Buf, Conv2dParams } from '../../core/backend.js';
import { checkKernelParams } from '../../core/params.js';
import type { KernelName } from '../../core/backend.js';
import { arr } from './memory.js';
import { applyActivation } from './activation.js';
import { convSizes } from './conv2d.js';

function checkDepthwise(kernel: string, p: Conv2dParams): number {
  checkKernelParams(kernel as KernelName, p);
  return p.outC / p.inC;
}

export function dwconv2dFwd(p: Conv2dParams, xb: Buf, wb: Buf, biasb: Buf | null, yb: Buf): void {
  const K = 'dwconv2d';
  const mult = checkDepthwise(K, p);
  const s = convSizes(p);
  const x = arr(K, 'x', xb, s.x), w = arr(K, 'w', wb, s.w), y = arr(K, 'y', yb, s.y);
  const bias = biasb ? arr(K, 'bias', biasb, p.outC) : null;
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        for (let oc = 0; oc < p.outC; oc++) {
          const c = Math.floor(oc / mult);
          let acc = bias ? bias[oc] : 0;
          for (let kh = 0; kh < p.kH; kh++) {
            const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
            if (ih < 0 || ih >= p.inH) continue;
            for (let kw = 0; kw < p.kW; kw++) {
              const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
              if (iw < 0 || iw >= p.inW) continue;
              acc += x[((b * p.inH + ih) * p.inW + iw) * p.inC + c] * w[(oc * p.kH + kh) * p.kW + kw];
            }
          }
          y[((b * p.outH + oh) * p.outW + ow) * p.outC + oc] = acc;
        }
      }
    }
  }
  applyActivation(p.activation, y);
}

export function dwconv2dBwdData(p: Conv2dParams, dyb: Buf, wb: Buf, dxb: Buf): void {
  const K = 'dwconv2dBackwardData';
  const mult = checkDepthwise(K, p);
  const s = convSizes(p);
  const dy = arr(K, 'dy', dyb, s.y), w = arr(K, 'w', wb, s.w), dx = arr(K, 'dx', dxb, s.x);
  dx.fill(0);
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        for (let oc = 0; oc < p.outC; oc++) {
          const c = Math.floor(oc / mult);
          const d = dy[((b * p.outH + oh) * p.outW + ow) * p.outC + oc];
          for (let kh = 0; kh < p.kH; kh++) {
            const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
            if (ih < 0 || ih >= p.inH) continue;
            for (let kw = 0; kw < p.kW; kw++) {
              const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
              if (iw < 0 || iw >= p.inW) continue;
              dx[((b * p.inH + ih) * p.inW + iw) * p.inC + c] += d * w[(oc * p.kH + kh) * p.kW + kw];
            }
          }
        }
      }
    }
  }
}

export function dwconv2dBwdFilter(p: Conv2dParams, xb: Buf, dyb: Buf, dwb: Buf, dbiasb: Buf | null): void {
  const K = 'dwconv2dBackwardFilter';
  const mult = checkDepthwise(K, p);
  const s = convSizes(p);
  const x = arr(K, 'x', xb, s.x), dy = arr(K, 'dy', dyb, s.y), dw = arr(K, 'dw', dwb, s.w);
  const dbias = dbiasb ? arr(K, 'dbias', dbiasb, p.outC) : null;
  dw.fill(0);
  dbias?.fill(0);
  for (let b = 0; b < p.n; b++) {
    for (let oh = 0; oh < p.outH; oh++) {
      for (let ow = 0; ow < p.outW; ow++) {
        for (let oc = 0; oc < p.outC; oc++) {
          const c = Math.floor(oc / mult);
          const d = dy[((b * p.outH + oh) * p.outW + ow) * p.outC + oc];
          if (dbias) dbias[oc] += d;
          for (let kh = 0; kh < p.kH; kh++) {
            const ih = oh * p.strideH - p.padTop + kh * p.dilationH;
            if (ih < 0 || ih >= p.inH) continue;
            for (let kw = 0; kw < p.kW; kw++) {
              const iw = ow * p.strideW - p.padLeft + kw * p.dilationW;
              if (iw < 0 || iw >= p.inW) continue;
              dw[(oc * p.kH + kh) * p.kW + kw] += d * x[((b * p.inH + ih) * p.inW + iw) * p.inC + c];
            }
          }
        }
      }
    }
  }
}
