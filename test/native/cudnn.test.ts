// The cuDNN / cuBLAS paths of the native backend, on every machine: a host-only context with recording
// stand-ins for both libraries (native/src/lib/fake.cpp) runs the real descriptor setup, algorithm
// cache, status classification, counters and retries, and shows what the GPU path hands the libraries.
import t from 'tap';
import { conv2dParams } from '../../src/ts/core/shape.js';
import type { Buf } from '../../src/ts/core/backend.js';
import { loadAddon, NativeBackend, NativeBackendError } from '../../src/ts/backends/native/index.js';
import type { NativeFakeLibs, NativeHostCall } from '../../src/ts/backends/native/index.js';

const addon = loadAddon().addon;
const NHWC = 1, FLOAT = 0, FMA_MATH = 3, DEFAULT_MATH = 0, TENSOR_OP_MATH = 1;

function caught(f: () => unknown): Error | undefined {
  try { f(); } catch (e) { return e as Error; }
  return undefined;
}

if (!addon) {
  t.comment(`SKIP native cuDNN-path tests: ${loadAddon().error}`);
  t.pass('skipped: addon not built');
} else {
  const fake = (fakeLibs: NativeFakeLibs = {}, tf32 = false) => new NativeBackend(addon, { hostOnly: true, fakeLibs, tf32 });
  const calls = (b: NativeBackend): NativeHostCall[] => (b as unknown as { ctx: { hostCalls(): NativeHostCall[] } }).ctx.hostCalls();
  const named = (cs: NativeHostCall[], fn: string) => cs.filter((c) => c.fn === fn);
  const bufs = (b: NativeBackend, ...lens: number[]): Buf[] => lens.map((n) => b.alloc(n));

  function bnTrain(b: NativeBackend, rows: number, c: number, eps = 1e-3, momentum = 0.1) {
    const [x, y, g, be, rm, rv, sm, si] = bufs(b, rows * c, rows * c, c, c, c, c, c, c);
    b.batchNormTrain({ rows, c, eps, momentum }, x, g, be, y, rm, rv, sm, si);
    return { x, y, g, be, rm, rv, sm, si };
  }

  t.test('batch norm: cuDNN sees an NHWC tensor with N = 1, never rows folded into N', async (tt) => {
    tt.same(addon._test.bnShape(64 * 112 * 112, 64), [1, 64, 896, 896], 'ResNet-50 b64 stem: 802816 rows -> 1 x 896 x 896');
    tt.same(addon._test.bnShape(13, 8), [1, 8, 1, 13], 'a prime row count: 1 x 13');
    for (const rows of [2, 6, 49, 5000, 65536 * 3, 880802]) {
      const [n, c, h, w] = addon._test.bnShape(rows, 3);
      tt.ok(n === 1 && c === 3 && h * w === rows && h <= w, `${rows} rows -> ${n} x ${h} x ${w}`);
    }
    const b = fake();
    const rows = 64 * 112 * 112, c = 2;
    bnTrain(b, rows, c);
    const cs = calls(b);
    const shapes = named(cs, 'setTensor4d').map((s) => s.args.slice(1));
    tt.same(shapes, [[NHWC, FLOAT, 1, c, 896, 896], [NHWC, FLOAT, 1, c, 1, 1]], 'x/y descriptor and the per-channel descriptor');
    tt.equal(named(cs, 'bnFwdTrain').length, 1, 'cuDNN ran it');
    tt.same(b.stats().paths.batchNormTrain, { cudnn: 1, cublas: 0, own: 0, refused: 0, reasons: {} });
    b.dispose();
  });

  t.test('batch norm: the forward eps reaches cuDNN in every direction, momentum as the factor', async (tt) => {
    const b = fake();
    const eps = 1e-3, f32eps = Math.fround(eps), rows = 6, c = 3;
    const a = bnTrain(b, rows, c, eps, 0.25);
    const [dy, dx, dg, db] = bufs(b, rows * c, rows * c, c, c);
    b.batchNormTrainBackward({ rows, c, eps, momentum: 0.25 }, a.x, dy, a.g, a.sm, a.si, dx, dg, db);
    b.batchNormInference({ rows, c, eps, momentum: 0.25 }, a.x, a.g, a.be, a.rm, a.rv, a.y);
    const cs = calls(b);
    tt.same(named(cs, 'bnFwdTrain')[0].args.slice(3), [0.25, f32eps], 'train: factor = momentum, eps');
    tt.equal(named(cs, 'bnBwd')[0].args[3], f32eps, 'backward: the forward eps (not a fixed 1e-5)');
    tt.equal(named(cs, 'bnFwdInference')[0].args[3], f32eps, 'inference: eps');
    tt.equal(named(cs, 'bnBwd')[0].args[0], 1, 'spatial mode');
    // torch's default 1e-5 is below cuDNN's minimum once rounded to float32: it must still go to cuDNN, as 1e-5.
    bnTrain(b, rows, c, 1e-5);
    tt.equal(named(calls(b), 'bnFwdTrain')[0]?.args[4], 1e-5, 'eps 1e-5 (float32-rounded) reaches cuDNN as its minimum 1e-5');
    // eps really below cuDNN's minimum: our kernels, counted as a refusal with its reason.
    bnTrain(b, rows, c, 1e-6);
    tt.equal(named(calls(b), 'bnFwdTrain').length, 0);
    tt.same(b.stats().paths.batchNormTrain.reasons, { 'eps below CUDNN_BN_MIN_EPSILON (1e-5)': 1 });
    b.dispose();
  });

  t.test('batch norm: NOT_SUPPORTED is remembered for that shape only', async (tt) => {
    const b = fake({ statuses: { bnFwdTrain: [3002] } });
    bnTrain(b, 8, 4);
    tt.equal(named(calls(b), 'bnFwdTrain').length, 1, 'cuDNN was asked once and refused');
    bnTrain(b, 8, 4);
    tt.equal(named(calls(b), 'bnFwdTrain').length, 0, 'the same shape is not asked again');
    bnTrain(b, 16, 4);
    tt.equal(named(calls(b), 'bnFwdTrain').length, 1, 'another shape still goes to cuDNN');
    const p = b.stats().paths.batchNormTrain;
    tt.equal(p.cudnn, 1, 'the other shape ran on cuDNN');
    tt.equal(p.refused, 2);
    tt.same(p.reasons, { 'CUDNN_STATUS_NOT_SUPPORTED_SHAPE (3002) at batch norm train:8x4': 2 });
    b.dispose();
  });

  t.test('status classification: bad-parameter, internal and execution statuses are errors naming the op', async (tt) => {
    for (const [status, name] of [[2002, 'CUDNN_STATUS_BAD_PARAM_NULL_POINTER'], [2003, 'CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER'],
      [4000, 'CUDNN_STATUS_INTERNAL_ERROR'], [5000, 'CUDNN_STATUS_EXECUTION_FAILED'], [1001, 'CUDNN_STATUS_NOT_INITIALIZED']] as const) {
      const b = fake({ statuses: { bnFwdTrain: [status] } });
      const e = caught(() => bnTrain(b, 8, 4));
      tt.ok(e instanceof NativeBackendError, `${status} throws`);
      const ne = e as NativeBackendError;
      tt.equal(ne.op, 'batchNormTrain');
      tt.equal(ne.lib, 'cuDNN');
      tt.equal(ne.code, status);
      tt.equal(ne.codeName, name);
      tt.match(ne.message, new RegExp(`^native: batchNormTrain: cuDNN error ${status} \\(${name}\\)`));
      tt.equal(b.stats().paths.batchNormTrain?.refused ?? 0, 0, 'not counted as a refusal');
      b.dispose();
    }
    const p = conv2dParams([1, 5, 5, 2], [3, 3, 3, 2], { padding: 1 });
    const b = fake({ statuses: { findFwd: [2000] } });
    const [x, w, y] = bufs(b, 50, 54, 75);
    const e = caught(() => b.conv2d(p, x, w, null, y)) as NativeBackendError;
    tt.equal(e?.op, 'conv2d', 'a bad parameter at algorithm search is an error of the op');
    tt.equal(e?.code, 2000);
    b.dispose();
    const b2 = fake({ statuses: { 'findFwd.algo': [2008] } });
    const [x2, w2, y2] = bufs(b2, 50, 54, 75);
    tt.match(caught(() => b2.conv2d(p, x2, w2, null, y2))?.message, /conv2d: cuDNN error 2008 \(CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH\)/,
      'an algorithm failing with a bad parameter is an error, not a skipped algorithm');
    b2.dispose();
  });

  t.test('convolution: descriptors, algorithm cache, refusals counted with reasons', async (tt) => {
    const p = conv2dParams([2, 9, 11, 4], [8, 3, 3, 2], { stride: 2, padding: 1, groups: 2 });
    const b = fake();
    const [x, w, y, dy, dx, dw, db] = bufs(b, 2 * 9 * 11 * 4, 8 * 9 * 2, 2 * p.outH * p.outW * 8, 2 * p.outH * p.outW * 8,
      2 * 9 * 11 * 4, 8 * 9 * 2, 8);
    b.conv2d(p, x, w, null, y);
    let cs = calls(b);
    tt.same(named(cs, 'setTensor4d').map((c) => c.args.slice(1)), [[NHWC, FLOAT, 2, 4, 9, 11], [NHWC, FLOAT, 2, 8, p.outH, p.outW]]);
    tt.same(named(cs, 'setFilter4d')[0].args.slice(1), [FLOAT, NHWC, 8, 2, 3, 3], 'KRSC filter, C per group');
    tt.same(named(cs, 'setConv2d')[0].args.slice(1), [1, 1, 2, 2, 1, 1, 1, FLOAT], 'pad, stride, dilation, cross-correlation');
    tt.same(named(cs, 'setConvGroups')[0].args.slice(1), [2]);
    tt.same(named(cs, 'setConvMath').map((c) => c.args[1]), [FMA_MATH], 'TF32 off: FMA math, nothing else');
    tt.equal(named(cs, 'findFwd').length, 1);
    b.conv2d(p, x, w, null, y);
    cs = calls(b);
    tt.equal(named(cs, 'findFwd').length, 0, 'the second call uses the cached algorithm');
    tt.equal(named(cs, 'fwd').length, 1);
    b.conv2dBackwardData(p, dy, w, dx);
    b.conv2dBackwardFilter(p, x, dy, dw, db);
    cs = calls(b);
    tt.equal(named(cs, 'findBwdData').length + named(cs, 'findBwdFilter').length, 2, 'one search per direction');
    const s = b.stats();
    tt.equal(s.paths.conv2d.cudnn, 2);
    tt.equal(s.paths.conv2dBackwardData.cudnn, 1);
    tt.equal(s.paths.conv2dBackwardFilter.cudnn, 1);
    tt.equal(s.algoCacheSize, 3);
    b.dispose();

    // Asymmetric padding cuDNN cannot express: refused before any cuDNN call, GEMM path (cuBLAS) instead.
    const asym = conv2dParams([1, 8, 8, 3], [4, 3, 3, 3], { stride: 1, padding: [0, 2, 1, 1] });
    const a = fake();
    const [ax, aw, ay] = bufs(a, 192, 108, asym.outH * asym.outW * 4);
    a.conv2d(asym, ax, aw, null, ay);
    cs = calls(a);
    tt.equal(named(cs, 'findFwd').length, 0);
    tt.ok(named(cs, 'sgemm').length >= 1, 'im2col + GEMM through cuBLAS');
    const pa = a.stats().paths.conv2d;
    tt.equal(pa.refused, 1);
    tt.equal(pa.cublas, 1);
    tt.match(Object.keys(pa.reasons)[0], /^asymmetric padding: cuDNN would produce/);
    a.dispose();

    // NOT_SUPPORTED at search and at execution: remembered per shape.
    const r = fake({ statuses: { findFwd: [3000], fwd: [3004] } });
    const q = conv2dParams([1, 5, 5, 2], [3, 3, 3, 2], { padding: 1 });
    const q2 = conv2dParams([1, 6, 6, 2], [3, 3, 3, 2], { padding: 1 });
    const [rx, rw, ry] = bufs(r, 72, 54, 108);
    r.conv2d(q, rx, rw, null, ry);
    r.conv2d(q, rx, rw, null, ry);
    r.conv2d(q2, rx, rw, null, ry); // searched fine, refused at execution
    r.conv2d(q2, rx, rw, null, ry);
    cs = calls(r);
    tt.equal(named(cs, 'findFwd').length, 2, 'one search per shape');
    tt.equal(named(cs, 'fwd').length, 1, 'an execution refusal is not retried');
    tt.same(r.stats().paths.conv2d.reasons, {
      'CUDNN_STATUS_NOT_SUPPORTED (3000) at algorithm search': 2, 'CUDNN_STATUS_NOT_SUPPORTED_LAYOUT (3004) at execution': 2 });
    tt.equal(r.stats().paths.conv2d.cublas, 4, 'every refused call ran the GEMM path');
    r.dispose();
  });

  t.test('TF32: the search runs with default math, the call with the math type the search reports', async (tt) => {
    const p = conv2dParams([1, 5, 5, 2], [3, 3, 3, 2], { padding: 1 });
    const b = fake({ findMathType: TENSOR_OP_MATH }, true);
    const [x, w, y] = bufs(b, 50, 54, 75);
    b.conv2d(p, x, w, null, y);
    tt.same(named(calls(b), 'setConvMath').map((c) => c.args[1]), [DEFAULT_MATH, TENSOR_OP_MATH]);
    b.conv2d(p, x, w, null, y);
    tt.same(named(calls(b), 'setConvMath').map((c) => c.args[1]), [DEFAULT_MATH, TENSOR_OP_MATH], 'cached with its math type');
    b.dispose();
  });

  t.test('out-of-memory retries cover cuDNN and cuBLAS allocations', async (tt) => {
    const p = conv2dParams([1, 5, 5, 2], [3, 3, 3, 2], { padding: 1 });
    const b = fake({ statuses: { findFwd: [4004], bnFwdTrain: [4004], sgemm: [3] } });
    const [x, w, y] = bufs(b, 50, 54, 75);
    b.free(b.alloc(1000)); // something cached to return
    b.conv2d(p, x, w, null, y);
    tt.equal(named(calls(b), 'findFwd').length, 2, 'search retried after the cache was returned');
    tt.equal(b.stats().oomRetries, 1);
    tt.equal(b.stats().bytesCached, 0, 'the cache was returned to the device');
    b.free(b.alloc(1000));
    bnTrain(b, 8, 4);
    tt.equal(named(calls(b), 'bnFwdTrain').length, 2, 'batch norm retried');
    tt.equal(b.stats().oomRetries, 2);
    b.free(b.alloc(1000));
    const [dy, dw, dx] = bufs(b, 12, 16, 12);
    b.denseBackwardData({ n: 3, inF: 4, outF: 4 }, dy, dw, dx);
    tt.equal(named(calls(b), 'sgemm').length, 2, 'cuBLAS GEMM retried');
    tt.equal(b.stats().oomRetries, 3);
    tt.equal(b.stats().paths.denseBackwardData.cublas, 1);
    b.dispose();
    // Nothing cached: the failure is an error naming the op.
    const e = fake({ statuses: { bnFwdTrain: [4004] } });
    const err = caught(() => bnTrain(e, 8, 4)) as NativeBackendError;
    tt.equal(err?.code, 4004);
    tt.equal(err?.op, 'batchNormTrain');
    e.dispose();
  });
}
