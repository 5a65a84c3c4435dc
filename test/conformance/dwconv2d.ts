// The depthwise convolution family (groups == inC, multiplier 1 or 2): strides, dilation, 'same'
// (asymmetric) padding, fused activation, SIMD remainders; hand and naive values.
import { conv2dParams } from '../../src/ts/core/shape.js';
import { convFamily, convVsNaive } from './lib/conv.js';
import type { ConvCase } from './lib/conv.js';
import { withBufs } from './lib/harness.js';

const small: ConvCase[] = [
  { name: 'mult 1 3x3 s1 p1 b3 7x9', x: [3, 7, 9, 6], w: [6, 3, 3, 1], opts: { groups: 6, padding: 1 }, bias: true },
  { name: 'mult 2 3x3 s2 p1', x: [2, 7, 9, 4], w: [8, 3, 3, 1], opts: { groups: 4, stride: 2, padding: 1 }, bias: true },
  { name: '5x5 s2 p2', x: [2, 9, 7, 5], w: [5, 5, 5, 1], opts: { groups: 5, stride: 2, padding: 2 }, bias: false },
  { name: 'dilation 2', x: [1, 9, 9, 3], w: [3, 3, 3, 1], opts: { groups: 3, dilation: 2, padding: 2 }, bias: true },
  { name: 'same s2 even input (asymmetric pad)', x: [2, 8, 8, 4], w: [4, 3, 3, 1], opts: { groups: 4, stride: 2, padding: 'same' }, bias: false },
  { name: 'fused relu6 mult 2', x: [1, 7, 9, 3], w: [6, 3, 3, 1], opts: { groups: 3, padding: 1 }, bias: true, activation: 'relu6' },
  { name: '19 channels (SIMD remainders)', x: [2, 5, 7, 19], w: [19, 3, 3, 1], opts: { groups: 19, padding: 1 }, bias: true },
];

const full: ConvCase[] = [
  { name: 'mobilenet 3x3 s2 96ch', x: [2, 15, 15, 96], w: [96, 3, 3, 1], opts: { groups: 96, stride: 2, padding: 1 }, bias: false },
];

// GPU-sized (issue 13): the native backward filter splits the pixels into slices that add into a zeroed
// dw with atomics once there are >= 2048 output pixels and few (channel-block x tap) blocks.
const large: ConvCase[] = [
  { name: 'GPU: backward filter over 8192 pixels (memset + atomics)', x: [2, 64, 64, 24], w: [24, 3, 3, 1], opts: { groups: 24, padding: 1 }, bias: true },
  { name: 'GPU: mult 2 s2 over 4608 pixels', x: [2, 96, 96, 8], w: [16, 3, 3, 1], opts: { groups: 8, stride: 2, padding: 1 }, bias: true },
];

export const dwconv2d = convFamily('dwconv2d', {
  small, full, large,
  seeds: { cases: 2000, large: 2500, gradcheck: 200 },
  forwardValues: [
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
});
