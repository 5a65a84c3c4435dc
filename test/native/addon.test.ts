// The addon's host logic, on every machine: loading, "no device" reporting, error translation, the
// parameter planning that feeds cuDNN and the im2col path, and the __host__ __device__ index math
// the kernels use (dropout hash, average-pool divisor) against the js reference.
import t from 'tap';
import { KERNEL_NAMES, ConvnetsError } from '../../src/ts/core/backend.js';
import { conv2dParams } from '../../src/ts/core/shape.js';
import { hash32 } from '../../src/ts/core/random.js';
import { backendAvailability } from '../../src/ts/core/registry.js';
import { avgDivisor } from '../../src/ts/backends/js/index.js';
import { encodeRecord, loadAddon, noDeviceReason, nativeUnavailableReason, NativeBackend, NativeBackendError }
  from '../../src/ts/backends/native/index.js';

function caught(f: () => unknown): Error | undefined {
  try { f(); } catch (e) { return e as Error; }
  return undefined;
}

const l = loadAddon();
if (!l.addon) {
  t.comment(`SKIP native addon tests: ${l.error}`);
  t.ok(/not built|failed to load/.test(l.error ?? ''), 'the reason says the addon is missing or broken');
  const why = await nativeUnavailableReason();
  t.ok(why && why.length > 0, `native reports itself unavailable: ${why}`);
} else {
  const addon = l.addon;
  const info = addon.deviceInfo();
  const hasGpu = info.count > 0;

  t.test('device detection', async (tt) => {
    tt.ok(info.runtimeVersion >= 12000, `CUDA runtime version ${info.runtimeVersion}`);
    const why = await nativeUnavailableReason();
    if (hasGpu) {
      tt.equal(why, null, 'a GPU is present: native is available');
      tt.ok(info.devices[0].name.length > 0, `device 0: ${info.devices[0].name}`);
    } else {
      t.comment(`no GPU here: ${why}`);
      tt.equal(info.devices.length, 0);
      tt.match(why, /no CUDA GPU|CUDA cannot use a GPU/, 'no device reads as "no GPU", not as a failure');
      tt.equal(await backendAvailability('cuda'), why, 'the registry reports the same reason');
      const e = caught(() => new NativeBackend(addon));
      tt.ok(e instanceof NativeBackendError, 'creating a device context without a GPU is a NativeBackendError');
      const ne = e as NativeBackendError;
      tt.equal(ne.op, 'init');
      tt.equal(ne.lib, 'CUDA');
      tt.ok(ne.code > 0 && ne.codeName.startsWith('cudaError'), `carrying the CUDA status (${ne.code} ${ne.codeName})`);
      tt.match(ne.message, /^native: init: CUDA error \d+ \(cudaError\w+\): /, ne.message);
    }
    tt.equal(noDeviceReason({ ...info, count: 0, status: 100, statusName: 'cudaErrorNoDevice', statusMessage: 'no CUDA-capable device is detected', devices: [] })?.includes('cudaErrorNoDevice'), true);
    tt.equal(noDeviceReason({ ...info, count: 1, status: 0 }), null);
  });

  t.test('libraries are optional and explain themselves', async (tt) => {
    const libs = addon.libraries();
    for (const [name, lib] of Object.entries(libs)) {
      if (lib.found) tt.match(lib.version, /^\d+\.\d+\.\d+$/, `${name} ${lib.version}`);
      else tt.ok(lib.error.length > 0, `${name} not found: ${lib.error}`);
    }
  });

  t.test('error translation: a CUDA status becomes an Error naming the op', async (tt) => {
    const e = addon._test.cudaError(2, 'conv2dBackwardFilter');
    tt.equal(e.op, 'conv2dBackwardFilter');
    tt.equal(e.lib, 'CUDA');
    tt.equal(e.code, 2);
    tt.equal(e.codeName, 'cudaErrorMemoryAllocation');
    tt.match(e.message, /^conv2dBackwardFilter: CUDA error 2 \(cudaErrorMemoryAllocation\): out of memory/);
    const e35 = addon._test.cudaError(35, 'read');
    tt.match(e35.message, /^read: CUDA error 35 \(cudaErrorInsufficientDriver\)/);
    const e700 = addon._test.cudaError(700, 'maxPool2dBackward');
    tt.match(e700.message, /maxPool2dBackward: .*cudaErrorIllegalAddress/);
  });

  t.test('the addon dispatches exactly the contract', async (tt) => {
    tt.same([...addon._test.kernelNames()].sort(), [...KERNEL_NAMES].sort());
  });

  t.test('dropout hash is bit-identical to core/random.ts hash32', async (tt) => {
    let bad = 0;
    const seeds = [0, 1, 7, 42, -1, -123456789, 0x7fffffff, 2 ** 31, 2 ** 32 - 1];
    const idx = [0, 1, 2, 3, 1000, 65535, 2 ** 20 + 7, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
    for (const s of seeds) for (const i of idx) if (addon._test.hash32(s >>> 0, i) !== hash32(s, i)) bad++;
    for (let k = 0; k < 2000; k++) if (addon._test.hash32(99, k) !== hash32(99, k)) bad++;
    tt.equal(bad, 0, 'no mismatches over seeds x indices');
  });

  t.test('average-pool divisor equals the js reference', async (tt) => {
    let bad = 0, n = 0;
    // [inH, kH, sH, pad top/left, pad bottom/right]: symmetric as torch, and asymmetric as 'same'.
    for (const [inH, kH, sH, pad, padB] of [[7, 3, 2, 1, 1], [8, 2, 2, 0, 0], [5, 3, 1, 1, 1], [9, 3, 2, 1, 1], [6, 4, 3, 2, 2], [8, 3, 2, 0, 1], [6, 4, 1, 1, 2]]) {
      const outH = Math.ceil((inH + pad + padB - kH) / sH) + 1; // ceil mode: includes overhang windows
      for (const cip of [true, false]) {
        const p = { n: 1, inH, inW: inH + 1, c: 1, outH, outW: outH, kH, kW: kH, strideH: sH, strideW: sH, padTop: pad, padLeft: pad,
          padBottom: padB, padRight: padB, countIncludePad: cip };
        for (let oh = 0; oh < outH; oh++) {
          for (let ow = 0; ow < outH; ow++) {
            n++;
            const want = avgDivisor(p, oh, ow);
            if (want <= 0) continue;
            if (addon._test.avgPoolDivisor(oh, ow, p.inH, p.inW, kH, kH, sH, sH, pad, pad, padB, padB, cip) !== want) bad++;
          }
        }
      }
    }
    tt.equal(bad, 0, `${n} windows agree`);
  });

  t.test('caching allocator buckets', async (tt) => {
    tt.equal(addon._test.bucket(1), 512);
    tt.equal(addon._test.bucket(512), 512);
    tt.equal(addon._test.bucket(513), 1024);
    tt.equal(addon._test.bucket(1 << 20), 2 << 20, '1 MiB and up round to 2 MiB');
    tt.equal(addon._test.bucket((2 << 20) + 1), 4 << 20);
  });

  t.test('conv plan: cuDNN descriptor values, cache keys, im2col chunking', async (tt) => {
    const p = conv2dParams([2, 9, 11, 4], [8, 3, 3, 2], { stride: 2, padding: 1, dilation: 1, groups: 2 });
    const plan = addon._test.convPlan(encodeRecord('conv2d', p));
    tt.same(plan.xDesc, [2, 4, 9, 11], 'x: n, c, h, w (NHWC format)');
    tt.same(plan.wDesc, [8, 2, 3, 3], 'w: k, c per group, r, s (KRSC)');
    tt.same(plan.yDesc, [2, 8, p.outH, p.outW]);
    tt.same(plan.convDesc, [1, 1, 2, 2, 1, 1], 'pad, stride, dilation');
    tt.equal(plan.groups, 2);
    tt.equal(plan.cudnnUsable, true);
    tt.equal(plan.mathType, 3, 'TF32 off: CUDNN_FMA_MATH');
    tt.equal(addon._test.convPlan(encodeRecord('conv2d', p), true).mathType, 0, 'TF32 on: CUDNN_DEFAULT_MATH');
    tt.equal(plan.im2colK, 3 * 3 * 2);
    tt.equal(plan.colFloats, 2 * p.outH * p.outW * 18);

    // keys: every geometric field matters, the fused activation does not, TF32 does.
    const k0 = plan.key;
    tt.equal(addon._test.convPlan(encodeRecord('conv2d', { ...p, activation: 'relu' })).key, k0);
    tt.not(addon._test.convPlan(encodeRecord('conv2d', p), true).key, k0);
    for (const f of ['n', 'inC', 'outC', 'padTop', 'dilationH'] as const) {
      const q = { ...p, [f]: p[f] + (f === 'inC' || f === 'outC' ? 2 : 1) };
      tt.not(addon._test.convPlan(encodeRecord('conv2d', q)).key, k0, `key changes with ${f}`);
    }

    // TF 'same' stride 2 on an even input puts the extra row at the bottom: cuDNN cannot express it.
    const asym = conv2dParams([1, 8, 8, 3], [4, 3, 3, 3], { stride: 1, padding: [0, 2, 1, 1] });
    const pa = addon._test.convPlan(encodeRecord('conv2d', asym));
    tt.equal(pa.cudnnUsable, false);
    tt.match(pa.reason, /asymmetric padding/);

    const one = conv2dParams([3, 5, 5, 8], [4, 1, 1, 8], {});
    tt.equal(addon._test.convPlan(encodeRecord('conv2d', one)).identity, true, '1x1 s1: no im2col copy');
    const big = conv2dParams([16, 56, 56, 64], [64, 3, 3, 64], { padding: 1 });
    const pb = addon._test.convPlan(encodeRecord('conv2d', big), false, 64 << 20);
    tt.ok(pb.colFloats * 4 <= 64 << 20 && pb.imgsPerChunk >= 1 && pb.imgsPerChunk < 16,
      `im2col chunks ${pb.imgsPerChunk} images to stay under the scratch limit`);
  });

  t.test('bad parameters are rejected by the decoder, naming the field', async (tt) => {
    const p = conv2dParams([1, 5, 5, 4], [6, 3, 3, 4], { padding: 1 });
    tt.throws(() => addon._test.convPlan(encodeRecord('conv2d', { ...p, groups: 3 })), /groups 3 must divide inC 4/);
    tt.throws(() => addon._test.convPlan(encodeRecord('conv2d', { ...p, strideH: 0 })), /strideH must be positive/);
    tt.throws(() => addon._test.convPlan(new Int32Array(5)), /record conv2d has 17 slots, got 5/);
    const e = caught(() => encodeRecord('conv2d', { ...p, kH: 1.5 }));
    tt.ok(e instanceof ConvnetsError && /conv2d: params.kH must be a 32-bit integer/.test(e.message), String(e));
  });
}

// The kernels' index math and formulas (device.cuh, __host__ __device__) run on the host here.
const l2 = loadAddon();
if (l2.addon) {
  const addon = l2.addon;
  t.test('adaptive pool windows are torch\'s and the backward gathers from exactly the windows holding each input', async (tt) => {
    let bad = 0, n = 0;
    const sizes: [number, number][] = [[224, 7], [7, 7], [7, 3], [10, 4], [5, 8], [1, 3], [13, 1], [9, 6], [300, 7]];
    for (let a = 1; a <= 12; a++) for (let b = 1; b <= 12; b++) sizes.push([a, b]);
    for (const [inS, outS] of sizes) {
      const { windows, gather } = addon._test.adaptiveWindows(inS, outS);
      for (let o = 0; o < outS; o++) {
        n++;
        if (windows[o][0] !== Math.floor((o * inS) / outS) || windows[o][1] !== Math.ceil(((o + 1) * inS) / outS)) bad++;
      }
      for (let i = 0; i < inS; i++) {
        const holding = windows.map((w, o) => (w[0] <= i && i < w[1] ? o : -1)).filter((o) => o >= 0);
        if (holding.length === 0 || gather[i][0] !== holding[0] || gather[i][1] !== holding[holding.length - 1] ||
          holding.length !== holding[holding.length - 1] - holding[0] + 1) bad++;
      }
    }
    tt.equal(bad, 0, `${n} windows and their inverse ranges agree with the definition`);
  });

  /** erfc in float64: series below 3, continued fraction above (both far past float32 accuracy). */
  function erfc(z: number): number {
    if (z < 0) return 2 - erfc(-z);
    if (z < 3) {
      let term = z, sum = z;
      for (let k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) { term *= -z * z / k; sum += term / (2 * k + 1); }
      return 1 - (2 / Math.sqrt(Math.PI)) * sum;
    }
    let f = z;
    for (let k = 80; k >= 1; k--) f = z + (k / 2) / f;
    return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
  }
  const phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

  t.test('activation formulas (the kernels\' own code, on the host) equal the reference for every schema code', async (tt) => {
    const { ENUMS, enumCode } = await import('../../src/ts/core/abi.js');
    const js = await import('../../src/ts/backends/js/activation.js');
    const xs = [-10, -6, -4.5, -3, -2.5, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2.5, 3, 4.5, 6, 7, 10];
    for (const kind of ENUMS.activation.filter((a) => a !== 'none')) {
      let worst = 0;
      for (const x0 of xs) {
        const x = Math.fround(x0);
        const [y, dx] = addon._test.activation(enumCode('activation', kind), x, 0.75);
        let want: number, wantDx: number;
        if (kind === 'gelu') {
          // exact form: x Phi(x); backward Phi(x) + x phi(x)
          want = x * phi(x);
          wantDx = 0.75 * (phi(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI));
        } else {
          want = js.activate(kind as never, x);
          wantDx = 0.75 * js.activateGrad(kind as never, x, Math.fround(want));
        }
        worst = Math.max(worst, Math.abs(y - want) / Math.max(1e-3, Math.abs(want)), Math.abs(dx - wantDx) / Math.max(1e-3, Math.abs(wantDx)));
      }
      // sigmoid's backward is y (1 - y) from a float32 y (as torch): 1 - y near 1 keeps ~1e-4 of relative accuracy.
      const tol = kind === 'sigmoid' ? 1e-4 : 2e-6;
      tt.ok(worst < tol, `${kind}: worst relative difference ${worst.toExponential(2)} over ${xs.length} points (< ${tol})`);
    }
  });
}
