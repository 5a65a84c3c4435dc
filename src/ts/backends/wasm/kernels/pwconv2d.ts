// Pointwise (1x1, stride 1, unpadded) convolution: the GEMM over pixel rows, no pointer table (gemm.ts).
import { gemmConvFamily } from './gemm.js';

const f = gemmConvFamily('pwconv2d');
export const pwconv2d = f.forward;
export const pwconv2dBackwardData = f.backwardData;
export const pwconv2dBackwardFilter = f.backwardFilter;
