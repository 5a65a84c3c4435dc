// Error paths and size rules of core/shape.ts: each impossible configuration is a ConvnetsError naming
// the op and the argument; output sizes (floor, ceil, 'same') match torch's / TensorFlow's formulas.
import t from 'tap';
import { throwsNaming } from '../helpers/assert.js';
import {
  checkSameShape, concatShape, conv2dParams, pool2dParams, resolvePadding, windowOutSize,
} from '../../src/ts/core/shape.js';
import { convFamily } from '../../src/ts/core/dispatch.js';
import type { Padding } from '../../src/ts/core/shape.js';


t.test('conv2d: impossible configurations', async (tt) => {
  throwsNaming(tt, () => conv2dParams([1, 3, 3, 1], [1, 5, 5, 1]), [/^conv2d:/, /kernel height \(5/, /larger than the padded input height/],
    'kernel larger than input');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 1], [1, 3, 3, 1], { dilation: 3 }), [/^conv2d:/, /dilation 3, effective 7/],
    'dilated kernel larger than input');
  throwsNaming(tt, () => conv2dParams([1, 3, 9, 1], [1, 6, 3, 1], { padding: [1, 0] }), [/^conv2d: kernel height \(6/, /\(3 \+ 1 \+ 1 = 5\)/],
    'kernel larger than padded input');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 6], [4, 3, 3, 2], { groups: 4 }), [/^conv2d:/, /input channels \(6\)/, /groups \(4\)/],
    'input channels not divisible by groups');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 4], [6, 3, 3, 1], { groups: 4 }), [/^conv2d:/, /output channels \(6\)/, /groups \(4\)/],
    'output channels not divisible by groups');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 3], [4, 3, 3, 5]), [/^conv2d:/, /filter shape \[4, 3, 3, 5\]/, /input \[1, 5, 5, 3\]/],
    'filter/input channel mismatch');
  throwsNaming(tt, () => conv2dParams([1, 0, 5, 3], [4, 3, 3, 3]), [/^conv2d:/, /input sizes must be positive integers/, /\[1, 0, 5, 3\]/],
    'zero size');
  throwsNaming(tt, () => conv2dParams([1, 5, -5, 3], [4, 3, 3, 3]), [/^conv2d: input/], 'negative size');
  throwsNaming(tt, () => conv2dParams([1, 5.5, 5, 3], [4, 3, 3, 3]), [/^conv2d: input/], 'non-integer size');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 3], [4, 3, 0, 3]), [/^conv2d: filter sizes/], 'zero-size filter');
  throwsNaming(tt, () => conv2dParams([5, 5, 3], [4, 3, 3, 3]), [/^conv2d: input must have rank 4/], 'rank 3 input');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 3], [4, 3, 3, 3], { stride: 0 }), [/^conv2d: stride must be a positive integer, got 0/], 'stride 0');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 3], [4, 3, 3, 3], { dilation: 1.5 }), [/^conv2d: dilation/], 'dilation 1.5');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 3], [4, 3, 3, 3], { groups: 0 }), [/^conv2d: groups/], 'groups 0');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 3], [4, 3, 3, 3], { stride: [1, 2, 3] as unknown as [number, number] }),
    [/^conv2d: stride must be a number or \[h, w\]/], 'stride of 3 numbers');
  throwsNaming(tt, () => conv2dParams([1, 5, 5, 3], [4, 3, 3, 5], {}, 'Conv2d(layer1.0.conv1)'), [/^Conv2d\(layer1\.0\.conv1\):/],
    'op name passed through');
});

t.test('padding specs', async (tt) => {
  const bad: [unknown, RegExp][] = [
    [[1, 2, 3], /padding must be a number, \[h, w\], \[top, bottom, left, right\], 'same' or 'valid'/],
    ['full', /padding must be/],
    [-1, /padding\.top must be a non-negative integer, got -1/],
    [1.5, /padding\.top must be a non-negative integer, got 1\.5/],
    [[0, 0, 0, -2], /padding\.right must be a non-negative integer, got -2/],
  ];
  for (const [p, re] of bad) {
    throwsNaming(tt, () => conv2dParams([1, 5, 5, 3], [4, 3, 3, 3], { padding: p as Padding }), [/^conv2d:/, re], `padding ${JSON.stringify(p)}`);
  }
  tt.same(resolvePadding('op', [1, 2], 5, 5, 3, 3, 1, 1, 1, 1), { top: 1, bottom: 1, left: 2, right: 2 }, '[h, w] is symmetric per axis');
  tt.same(resolvePadding('op', [1, 2, 3, 4], 5, 5, 3, 3, 1, 1, 1, 1), { top: 1, bottom: 2, left: 3, right: 4 }, '[t, b, l, r]');
  tt.same(resolvePadding('op', 'valid', 5, 5, 3, 3, 1, 1, 1, 1), { top: 0, bottom: 0, left: 0, right: 0 }, "'valid'");
});

t.test("'same' padding: output ceil(in / stride), extra padding at the bottom/right (TensorFlow)", async (tt) => {
  // [in, k, stride, dilation] -> [out, top, bottom], by hand: total = max((out - 1) * s + (k - 1) * d + 1 - in, 0).
  const cases: [number, number, number, number, number, number, number][] = [
    [7, 3, 2, 1, 4, 1, 1],     // total (3*2 + 3 - 7) = 2
    [8, 3, 2, 1, 4, 0, 1],     // total 1: all at the bottom
    [224, 7, 2, 1, 112, 2, 3], // total 5
    [5, 3, 1, 1, 5, 1, 1],
    [5, 3, 1, 2, 5, 2, 2],     // effective kernel 5
    [9, 1, 2, 1, 5, 0, 0],
  ];
  for (const [inS, k, s, d, out, top, bottom] of cases) {
    const p = conv2dParams([1, inS, inS, 2], [3, k, k, 2], { stride: s, dilation: d, padding: 'same' });
    const r = resolvePadding('conv2d', 'same', inS, inS, k, k, s, s, d, d);
    tt.same([p.outH, p.outW, p.padTop, r.bottom, p.padLeft, r.right], [out, out, top, bottom, top, bottom],
      `in ${inS} k ${k} s ${s} d ${d}: out ${out}, pad ${top}/${bottom}`);
  }
});

t.test('pool output sizes match torch (floor and ceil mode)', async (tt) => {
  // torch: out = floor((in + 2p - k + (ceil ? s - 1 : 0)) / s) + 1; in ceil mode the last window must
  // start inside the input or the left padding: if (out - 1) * s >= in + p, out -= 1.
  const torchOut = (inS: number, k: number, s: number, p: number, ceil: boolean) => {
    let o = Math.floor((inS + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
    if (ceil && (o - 1) * s >= inS + p) o--;
    return o;
  };
  const hand: [number, number, number, number, boolean, number][] = [
    [6, 3, 2, 1, true, 4], [8, 3, 2, 0, true, 4], [4, 3, 2, 0, true, 2], [4, 3, 2, 0, false, 1],
    [7, 3, 2, 0, true, 3], [5, 2, 2, 0, true, 3], [5, 2, 2, 0, false, 2],
    [5, 3, 3, 1, true, 2], // the decrement case: without it the formula gives 3
    [112, 3, 2, 1, false, 56], [55, 3, 2, 0, true, 27], [147, 3, 2, 0, false, 73],
  ];
  for (const [inS, k, s, p, ceil, want] of hand) {
    const r = pool2dParams([1, inS, inS, 1], { kernel: k, stride: s, padding: p, ceilMode: ceil });
    tt.equal(r.outH, want, `in ${inS} k ${k} s ${s} p ${p} ${ceil ? 'ceil' : 'floor'}: ${want} (hand)`);
    tt.equal(torchOut(inS, k, s, p, ceil), want, 'torch formula agrees with the hand value');
  }
  for (let inS = 3; inS <= 12; inS++) for (const k of [2, 3]) for (const s of [1, 2, 3]) for (const p of [0, 1]) for (const ceil of [false, true]) {
    if (p > k / 2) continue;
    const r = pool2dParams([1, inS, inS + 1, 1], { kernel: k, stride: s, padding: p, ceilMode: ceil });
    if (r.outH !== torchOut(inS, k, s, p, ceil) || r.outW !== torchOut(inS + 1, k, s, p, ceil)) {
      tt.fail(`in ${inS} k ${k} s ${s} p ${p} ceil ${ceil}: got ${r.outH}x${r.outW}`);
    }
  }
  tt.pass('sweep of 3..12 x k 2,3 x s 1..3 x p 0,1 x floor/ceil agrees with torch');
  tt.equal(windowOutSize('op', 'height', 7, 3, 2, 1, 1, 1), 4, 'windowOutSize floor');
  tt.equal(pool2dParams([1, 8, 8, 1], { kernel: 2 }).strideH, 2, 'pool stride defaults to the kernel (torch)');
});

t.test('pool: impossible configurations', async (tt) => {
  throwsNaming(tt, () => pool2dParams([1, 5, 5, 1], { kernel: 2, padding: 2 }, 'maxPool2d'),
    [/^maxPool2d:/, /padding must be at most half the kernel/], 'padding over half the kernel');
  throwsNaming(tt, () => pool2dParams([1, 2, 2, 1], { kernel: 3 }, 'maxPool2d'), [/^maxPool2d: kernel height \(3/], 'window larger than input');
  throwsNaming(tt, () => pool2dParams([1, 5, 5, 1], { kernel: 0 }, 'avgPool2d'), [/^avgPool2d: kernel must be a positive integer, got 0/], 'kernel 0');
  throwsNaming(tt, () => pool2dParams([1, 5, 5, 1], { kernel: 2, stride: -1 }, 'avgPool2d'), [/^avgPool2d: stride/], 'negative stride');
  throwsNaming(tt, () => pool2dParams([5, 5, 1], { kernel: 2 }, 'avgPool2d'), [/^avgPool2d: input must have rank 4/], 'rank 3');
});

t.test('concat / same-shape checks and conv kind', async (tt) => {
  throwsNaming(tt, () => concatShape('Concat(inception3a)', [[1, 4, 4, 3], [1, 4, 5, 2]]),
    [/^Concat\(inception3a\):/, /input 1 has shape \[1, 4, 5, 2\]/, /\[1, 4, 4\]/], 'spatial mismatch');
  throwsNaming(tt, () => concatShape('concat', []), [/^concat: needs at least one input/], 'no inputs');
  tt.same(concatShape('concat', [[2, 3, 3, 4], [2, 3, 3, 1], [2, 3, 3, 5]]), [2, 3, 3, 10], 'channels add up');
  throwsNaming(tt, () => checkSameShape('add', [1, 2, 3], [1, 2, 4], 'x', 'shortcut'), [/^add: x \[1, 2, 3\] and shortcut \[1, 2, 4\]/],
    'add with different shapes');
  tt.equal(convFamily(conv2dParams([1, 5, 5, 8], [4, 1, 1, 8])), 'pwconv2d');
  tt.equal(convFamily(conv2dParams([1, 5, 5, 8], [4, 1, 1, 8], { stride: 2 })), 'conv2d', 'strided 1x1 is general');
  tt.equal(convFamily(conv2dParams([1, 5, 5, 8], [16, 3, 3, 1], { groups: 8, padding: 1 })), 'dwconv2d', 'multiplier 2 is depthwise');
  tt.equal(convFamily(conv2dParams([1, 5, 5, 8], [8, 3, 3, 4], { groups: 2, padding: 1 })), 'conv2d', 'groups 2 is general');
  tt.equal(convFamily(conv2dParams([1, 5, 5, 1], [1, 3, 3, 1], { padding: 1 })), 'conv2d', 'one channel (groups 1) is general');
});
