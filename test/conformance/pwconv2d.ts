// The pointwise (1x1, stride 1, unpadded) convolution family: a GEMM over rows = n*h*w.
import { conv2dParams } from '../../src/ts/core/shape.js';
import { convFamily, convVsNaive } from './lib/conv.js';
import type { ConvCase } from './lib/conv.js';
import { withBufs } from './lib/harness.js';

const small: ConvCase[] = [
  { name: 'b3 7x9 5->7', x: [3, 7, 9, 5], w: [7, 1, 1, 5], opts: {}, bias: true },
  { name: '16->9 no bias', x: [2, 3, 5, 16], w: [9, 1, 1, 16], opts: {}, bias: false },
  { name: '1 channel in', x: [1, 5, 3, 1], w: [4, 1, 1, 1], opts: {}, bias: true },
  { name: '35 -> 19 (SIMD remainders)', x: [1, 3, 7, 35], w: [19, 1, 1, 35], opts: {}, bias: true },
  { name: 'fused silu', x: [2, 3, 5, 6], w: [5, 1, 1, 6], opts: {}, bias: true, activation: 'silu' },
];

const full: ConvCase[] = [
  { name: 'mobilenet 96->24 14x14', x: [2, 14, 14, 96], w: [24, 1, 1, 96], opts: {}, bias: false },
];

// GPU-sized (issue 13): split-K in the native GEMM needs K >= 4096 with few output tiles. Forward and
// backward data have K = inC (8192 here); backward filter has K = rows (2*64*64 = 8192 in the second).
const large: ConvCase[] = [
  { name: 'GPU: K = 8192 input channels (split-K)', x: [1, 4, 5, 8192], w: [8, 1, 1, 8192], opts: {}, bias: true },
  { name: 'GPU: backward filter over 8192 rows (split-K)', x: [2, 64, 64, 8], w: [16, 1, 1, 8], opts: {}, bias: true },
];

export const pwconv2d = convFamily('pwconv2d', {
  small, full, large,
  seeds: { cases: 3000, large: 3500, gradcheck: 300 },
  forwardValues: [
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
});
