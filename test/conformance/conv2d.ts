// The general convolution family (conv2d, backward data, backward filter): stride, dilation, groups,
// asymmetric padding, 1x7/7x1, fused activations, SIMD remainders; hand and naive values.
import { conv2dParams } from '../../src/ts/core/shape.js';
import { convFamily, convVsNaive } from './lib/conv.js';
import type { ConvCase } from './lib/conv.js';
import { X44, withBufs } from './lib/harness.js';

const SOBEL = [1, 0, -1, 2, 0, -2, 1, 0, -1];

const small: ConvCase[] = [
  { name: '3x3 s1 p1 b3 7x9', x: [3, 7, 9, 5], w: [4, 3, 3, 5], opts: { padding: 1 }, bias: true },
  { name: '3x3 s2 p1', x: [3, 7, 9, 3], w: [6, 3, 3, 3], opts: { stride: 2, padding: 1 }, bias: false },
  { name: '3x3 dilation 2 p2', x: [2, 9, 7, 3], w: [4, 3, 3, 3], opts: { dilation: 2, padding: 2 }, bias: true },
  { name: '3x3 groups 2', x: [2, 7, 9, 4], w: [6, 3, 3, 2], opts: { groups: 2, padding: 1 }, bias: true },
  { name: 'asymmetric pad [0,1,1,2] s2', x: [2, 7, 9, 3], w: [5, 3, 3, 3], opts: { stride: 2, padding: [0, 1, 1, 2] }, bias: true },
  { name: '1x7 p[0,3]', x: [2, 7, 9, 4], w: [3, 1, 7, 4], opts: { padding: [0, 3] }, bias: true },
  { name: '7x1 p[3,0]', x: [2, 7, 9, 4], w: [3, 7, 1, 4], opts: { padding: [3, 0] }, bias: false },
  { name: '5x5 same s2', x: [1, 9, 7, 3], w: [4, 5, 5, 3], opts: { stride: 2, padding: 'same' }, bias: true },
  { name: '1x1 s2 (strided projection)', x: [3, 7, 9, 6], w: [5, 1, 1, 6], opts: { stride: 2 }, bias: false },
  { name: '3x3 s2 valid, stride [2,1]', x: [2, 8, 9, 3], w: [4, 3, 3, 3], opts: { stride: [2, 1] }, bias: true },
  { name: 'fused relu6', x: [2, 7, 9, 3], w: [4, 3, 3, 3], opts: { padding: 1 }, bias: true, activation: 'relu6' },
  { name: 'fused hardswish s2', x: [1, 7, 9, 3], w: [5, 3, 3, 3], opts: { stride: 2, padding: 1 }, bias: true, activation: 'hardswish' },
  { name: 'channels 17 -> 19 (SIMD remainders)', x: [1, 5, 6, 17], w: [19, 3, 3, 17], opts: { padding: 1 }, bias: true },
  { name: 'stride 2 + dilation 2, groups 3', x: [2, 9, 11, 6], w: [9, 3, 3, 2], opts: { stride: 2, dilation: 2, padding: 2, groups: 3 }, bias: true },
];

const full: ConvCase[] = [
  { name: 'resnet 3x3 64ch 14x14', x: [2, 14, 14, 32], w: [64, 3, 3, 32], opts: { padding: 1 }, bias: false },
  { name: 'stem 7x7 s2 p3', x: [1, 33, 31, 3], w: [16, 7, 7, 3], opts: { stride: 2, padding: 3 }, bias: false },
];

// GPU-sized (issue 13): the native GEMM splits K across blocks with atomics when K >= 4096 and there are
// few output tiles (backward filter: K = n*outH*outW rows); im2col works in chunks of whole images once
// the columns pass 256 MiB (2 images x 64x64 x 7*7*192 floats = 308 MiB: two chunks). The js float64
// reference stays cheap (direct loops, no columns: about 0.3 s per direction here).
const large: ConvCase[] = [
  { name: 'GPU: backward filter over 4800 rows (split-K)', x: [3, 40, 40, 8], w: [16, 3, 3, 8], opts: { padding: 1 }, bias: true },
  { name: 'GPU: im2col columns 308 MiB (2 chunks)', x: [2, 64, 64, 192], w: [4, 7, 7, 192], opts: { padding: 3 }, bias: true },
];

export const conv2d = convFamily('conv2d', {
  small, full, large,
  seeds: { cases: 1000, large: 1500, gradcheck: 100 },
  forwardValues: [
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
});
