// General convolution (any stride, dilation, groups, asymmetric padding) through the indirect GEMM:
// a pointer table per output row and tap (gemm.ts).
import { gemmConvFamily } from './gemm.js';

const f = gemmConvFamily('conv2d');
export const conv2d = f.forward;
export const conv2dBackwardData = f.backwardData;
export const conv2dBackwardFilter = f.backwardFilter;
