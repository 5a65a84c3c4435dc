// The native backend's handles, caching allocator and argument checking, on every machine: a
// host-only context uses host memory and the same handle table, allocator and op decoders as the GPU
// path, and stops right before the kernel launch.
import t from 'tap';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import type { Buf } from '../../src/ts/core/backend.js';
import { conv2dParams } from '../../src/ts/core/shape.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { loadAddon, NativeBackend, NativeBackendError } from '../../src/ts/backends/native/index.js';
import { FAMILIES } from '../conformance/index.js';

function caught(f: () => unknown): Error | undefined {
  try { f(); } catch (e) { return e as Error; }
  return undefined;
}

const addon = loadAddon().addon;
if (!addon) {
  t.comment(`SKIP native host-logic tests: ${loadAddon().error}`);
  t.pass('skipped: addon not built');
} else {
  const host = (opts = {}) => new NativeBackend(addon, { hostOnly: true, ...opts });

  t.test('views: the parent\'s storage with no copy, not counted, never freed themselves, dying with the parent', async (tt) => {
    const b = host();
    const p = b.alloc(64);
    b.write(p, Array.from({ length: 64 }, (_, i) => i));
    const v = b.view(p, 16, 8);
    tt.equal(v.length, 8);
    tt.equal(b.allocated(), 64, 'a view is not counted by allocated()');
    tt.same([...b.read(v)], [16, 17, 18, 19, 20, 21, 22, 23], "reads the parent's scalars");
    b.write(v, [-1, -2], 6);
    tt.same([...b.read(p).slice(20, 26)], [20, 21, -1, -2, 24, 25], 'writes land in the parent, neighbours untouched');
    const vv = b.view(v, 2, 3);
    tt.same([...b.read(vv)], [18, 19, 20], 'a view of a view');
    tt.ok(caught(() => b.view(p, 60, 5)) instanceof ConvnetsError, 'a view past the end is refused');
    tt.match(caught(() => b.free(v))?.message ?? '', /is a view; free the buffer it views/, 'freeing a view is refused');
    b.free(p);
    tt.match(caught(() => b.read(v))?.message ?? '', /already freed|not a buffer/, 'a view dies with its parent');
    tt.match(caught(() => b.read(vv))?.message ?? '', /already freed|not a buffer/, 'and so does a view of it');
    tt.equal(b.allocated(), 0);
    b.dispose();
  });

  t.test('memory round trip and accounting', async (tt) => {
    const b = host();
    const a = b.alloc(10);
    b.fill(a, 2.5);
    b.write(a, [1, 2, 3], 4);
    tt.same([...b.read(a)], [2.5, 2.5, 2.5, 2.5, 1, 2, 3, 2.5, 2.5, 2.5]);
    const c = b.alloc(10);
    b.copy(a, c);
    tt.same(b.read(c), b.read(a));
    tt.equal(b.allocated(), 20);
    b.free(a);
    b.free(c);
    tt.equal(b.allocated(), 0);
    const e = caught(() => b.write(b.alloc(3), [1, 2, 3, 4]));
    tt.ok(e instanceof ConvnetsError && /write: 4 values at offset 0 do not fit a buffer of 3/.test(e.message), String(e?.message));
    b.dispose();
  });

  t.test('handle lifetimes: use after free and double free are errors, not crashes', async (tt) => {
    const b = host();
    const x = b.alloc(8);
    b.free(x);
    const df = caught(() => b.free(x));
    tt.ok(df instanceof NativeBackendError, 'double free throws NativeBackendError');
    tt.match(df?.message, /free: double free: buffer \d+ was already freed/);
    tt.match(caught(() => b.read(x))?.message, /read: argument 'buffer': buffer \d+ was already freed/);
    const y = b.alloc(8);
    const p = { length: 8, lr: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false };
    const uaf = caught(() => b.sgdUpdate(p, y, x, y));
    tt.match(uaf?.message, /sgdUpdate: argument 'grad': buffer \d+ was already freed/, 'a kernel names the freed argument');
    // Buffers of another backend, or of another native instance, are refused before reaching the addon.
    const js = new JsBackend();
    tt.match(caught(() => b.fill(js.alloc(4), 0))?.message, /fill: argument 'buffer' is not a cuda buffer/);
    const other = host();
    tt.match(caught(() => b.copy(y, other.alloc(8)))?.message, /copy: argument 'dst' belongs to another cuda backend instance/);
    other.dispose();
    b.free(y);
    tt.equal(b.allocated(), 0);
    const late = b.alloc(4);
    b.dispose();
    tt.match(caught(() => b.alloc(1))?.message, /alloc: the native backend was disposed/);
    tt.equal(caught(() => b.free(late)), undefined, 'freeing after dispose() is a no-op (teardown order does not matter)');
  });

  t.test('caching allocator reuses freed blocks by size bucket', async (tt) => {
    const b = host();
    const a = b.alloc(1000);
    const s0 = b.stats();
    b.free(a);
    tt.equal(b.stats().bytesCached, 4096, 'freed block kept in its 4 KiB bucket');
    const a2 = b.alloc(1020); // same 512-byte bucket
    const s1 = b.stats();
    tt.equal(s1.rawAllocs, s0.rawAllocs, 'no new device allocation');
    tt.equal(s1.cacheHits, s0.cacheHits + 1, 'served from the cache');
    tt.equal(s1.bytesCached, 0);
    b.free(a2);
    b.emptyCache();
    tt.equal(b.stats().bytesCached, 0);
    b.dispose();
  });

  t.test('out of memory is a catchable error and the backend stays usable', async (tt) => {
    const b = host({ hostLimitBytes: 1 << 20 });
    const small = b.alloc(10_000);
    b.free(small); // cached: must be returned before an allocation fails
    const big = b.alloc(255_000); // 1020 KB: fits only after the cached 40 KB are returned
    tt.equal(b.stats().oomRetries, 1, 'the cache was flushed and the allocation retried');
    const e = caught(() => b.alloc(100_000));
    tt.ok(e instanceof NativeBackendError, 'OOM throws NativeBackendError');
    const ne = e as NativeBackendError;
    tt.equal(ne.code, 2);
    tt.equal(ne.codeName, 'cudaErrorMemoryAllocation');
    tt.match(ne.message, /alloc: CUDA error 2 \(cudaErrorMemoryAllocation\).*could not allocate/);
    b.free(big);
    const again = b.alloc(100_000);
    b.write(again, [7], 99_999);
    tt.equal(b.read(again)[99_999], 7, 'usable after the failure');
    b.free(again);
    b.dispose();
  });

  t.test('every conformance case, GPU-sized ones too, marshals and validates (host-only: no launch)', async (tt) => {
    const b = host();
    let n = 0;
    for (const kc of FAMILIES.flatMap((f) => [...f.cases('small'), ...(f.large?.() ?? [])])) {
      const bufs: Record<string, Buf> = {};
      for (const [k, spec] of Object.entries(kc.bufs)) bufs[k] = b.alloc(typeof spec === 'number' ? spec : spec.length);
      const e = caught(() => kc.call(b, bufs));
      if (e) tt.fail(`${kc.kernel} [${kc.name}]: ${e.message}`);
      n++;
      for (const buf of Object.values(bufs)) b.free(buf);
    }
    tt.ok(n > 100, `${n} cases accepted`);
    tt.equal(b.allocated(), 0);
    b.dispose();
  });

  t.test('short or missing buffers are refused, naming op and argument', async (tt) => {
    const b = host();
    const p = conv2dParams([2, 7, 9, 3], [4, 3, 3, 3], { padding: 1 });
    const x = b.alloc(2 * 7 * 9 * 3), w = b.alloc(4 * 3 * 3 * 3), y = b.alloc(2 * 7 * 9 * 4 - 1);
    tt.match(caught(() => b.conv2d(p, x, w, null, y))?.message, /conv2d: argument 'y' has 503 elements, needs 504/);
    const bias = b.alloc(3);
    tt.match(caught(() => b.conv2d(p, x, w, bias, x))?.message, /conv2d: argument 'bias' has 3 elements, needs 4/);
    tt.match(caught(() => b.dwconv2d(p, x, w, null, y))?.message, /dwconv2d: depthwise needs groups == inC/);
    tt.match(caught(() => b.pwconv2d(p, x, w, null, y))?.message, /pwconv2d: pointwise needs a 1x1 kernel/);
    const bn = { rows: 1, c: 4, eps: 1e-5, momentum: 0.1 };
    const c4 = b.alloc(4);
    tt.match(caught(() => b.batchNormTrain(bn, c4, c4, c4, c4, c4, c4, c4, c4))?.message, /batchNormTrain: params.rows must be at least 2/);
    tt.match(caught(() => b.dropoutMask(4, 1, 0, c4))?.message, /dropoutMask: params.rate must be in \[0, 1\)/);
    tt.match(caught(() => b.axpy(4, NaN, c4, c4))?.message, /axpy: params.alpha must be a finite number, got NaN/);
    tt.match(caught(() => b.concat({ rows: 1, channels: [2, 2] }, [c4], c4))?.message, /concat: params.channels has 2 entries but 1 buffers/);
    // A bad bottom/right pad must land in its own slot of the C++ struct (not, say, in countIncludePad)
    // and be refused there, by name.
    const pool = { n: 1, inH: 4, inW: 4, c: 1, outH: 2, outW: 2, kH: 2, kW: 2, strideH: 2, strideW: 2,
      padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, countIncludePad: true };
    const x16 = b.alloc(16);
    b.avgPool2d(pool, x16, c4);
    tt.match(caught(() => b.avgPool2d({ ...pool, padBottom: -1 }, x16, c4))?.message, /avgPool2d: params.padBottom must be non-negative, got -1/);
    tt.match(caught(() => b.avgPool2d({ ...pool, padRight: -1 }, x16, c4))?.message, /avgPool2d: params.padRight must be non-negative, got -1/);
    b.free(x16);
    for (const buf of [x, w, y, bias, c4]) b.free(buf);
    b.dispose();
  });
}
