// The one dispatch decision: which kernel family serves a convolution. Core picks the family once
// (ops.ts); backends may tile within a family but never switch to another.
import type { Conv2dParams, KernelName } from './backend.js';

export type ConvFamily = 'conv2d' | 'dwconv2d' | 'pwconv2d';

/** The kernels of each conv family, by direction. */
export const CONV_KERNELS = {
  conv2d: { forward: 'conv2d', backwardData: 'conv2dBackwardData', backwardFilter: 'conv2dBackwardFilter' },
  dwconv2d: { forward: 'dwconv2d', backwardData: 'dwconv2dBackwardData', backwardFilter: 'dwconv2dBackwardFilter' },
  pwconv2d: { forward: 'pwconv2d', backwardData: 'pwconv2dBackwardData', backwardFilter: 'pwconv2dBackwardFilter' },
} as const satisfies Record<ConvFamily, Record<'forward' | 'backwardData' | 'backwardFilter', KernelName>>;

/**
 * pwconv2d: 1x1, stride 1, no padding, groups 1, same spatial size (a GEMM over pixels);
 * dwconv2d: groups = inC > 1 (any channel multiplier); conv2d: everything else.
 */
export function convFamily(p: Conv2dParams): ConvFamily {
  if (p.kH === 1 && p.kW === 1 && p.strideH === 1 && p.strideW === 1 && p.padTop === 0 && p.padLeft === 0 &&
    p.groups === 1 && p.outH === p.inH && p.outW === p.inW) return 'pwconv2d';
  if (p.groups === p.inC && p.groups > 1) return 'dwconv2d';
  return 'conv2d';
}
