// Invalid inputs on the native backend behave as on the js reference: bad labels are reported by the
// softmax kernels' status (deferred to the next synchronisation point, no readback of its own), and a
// max-pool window entirely in padding is refused with the reference's message. Host-only contexts
// run the same status logic as the device (labels checked on the host into the same deferred status).
import t from 'tap';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import type { Backend, Buf } from '../../src/ts/core/backend.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { loadAddon, NativeBackend } from '../../src/ts/backends/native/index.js';

const addon = loadAddon().addon;

function message(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as Error).message; }
  return undefined;
}
async function messageAsync(f: () => Promise<unknown>): Promise<string | undefined> {
  try { await f(); } catch (e) { return (e as Error).message; }
  return undefined;
}
const strip = (m: string | undefined) => m?.replace(/^native: /, '');

if (!addon) {
  t.comment(`SKIP native invalid-input tests: ${loadAddon().error}`);
  t.pass('skipped: addon not built');
} else {
  const host = () => new NativeBackend(addon, { hostOnly: true });
  const classes = 3, n = 4;
  function xent(b: Backend, labels: number[]) {
    const z = b.alloc(n * classes), l = b.alloc(n), pr = b.alloc(n * classes), loss = b.alloc(n), dl = b.alloc(n * classes);
    b.write(z, Array.from({ length: n * classes }, (_, i) => i / 7));
    b.write(l, labels);
    return { z, l, pr, loss, dl, fwd: () => b.softmaxCrossEntropy({ n, classes, smoothing: 0 }, z, l, pr, loss),
      bwd: () => b.softmaxCrossEntropyBackward({ n, classes, smoothing: 0 }, pr, l, 1 / n, dl) };
  }

  t.test('a bad label is an error naming the sample, with the js reference message, at the next read', async (tt) => {
    for (const bad of [3, -1, 1.5, NaN, 1e9]) {
      const labels = [0, 2, bad, 1];
      const js = new JsBackend();
      const want = message(() => xent(js, labels).fwd());
      tt.match(want, /^softmaxCrossEntropy: label of sample 2 must be an integer class index in \[0, 2\], got /);
      const b = host();
      const k = xent(b, labels);
      tt.equal(message(k.fwd), undefined, `label ${bad}: the launch itself does not read back`);
      const e = (() => { try { b.read(k.loss); } catch (err) { return err as Error; } return undefined; })();
      tt.ok(e instanceof ConvnetsError, 'read() reports it as a ConvnetsError');
      tt.equal(strip(e?.message), want, `label ${bad}: same message as the js reference`);
      tt.equal(message(() => b.read(k.loss)), undefined, 'reported once; the backend stays usable');
      b.dispose();
    }
  });

  t.test('backward, synchronize(), readAsync() and the first failing launch', async (tt) => {
    const b = host();
    const k = xent(b, [0, 1, 2, 7]);
    k.bwd();
    tt.equal(strip(message(() => b.synchronize())),
      'softmaxCrossEntropyBackward: label of sample 3 must be an integer class index in [0, 2], got 7');
    k.fwd();
    tt.equal(strip(await messageAsync(() => b.readAsync(k.loss))),
      'softmaxCrossEntropy: label of sample 3 must be an integer class index in [0, 2], got 7', 'readAsync reports it');
    tt.same([...await b.readAsync(k.l)], [0, 1, 2, 7], 'then reads normally');
    // Two launches before a check: the earlier one's error is the one reported.
    k.fwd();
    b.write(k.l, [5, 0, 0, 0]);
    k.bwd();
    tt.match(message(() => b.read(k.l)), /softmaxCrossEntropy: label of sample 3 .* got 7/);
    b.dispose();
  });

  t.test('good labels cost no readback and raise nothing', async (tt) => {
    const b = host();
    const k = xent(b, [0, 1, 2, 1]);
    k.fwd();
    k.bwd();
    tt.equal(message(() => b.synchronize()), undefined);
    tt.equal(b.read(k.loss).length, n);
    b.dispose();
  });

  t.test('CONVNETS_NATIVE_SYNC=1: the failing call itself throws', async (tt) => {
    const old = process.env.CONVNETS_NATIVE_SYNC;
    process.env.CONVNETS_NATIVE_SYNC = '1';
    try {
      const b = host();
      const k = xent(b, [0, 4, 0, 0]);
      tt.match(message(k.fwd), /^native: softmaxCrossEntropy: label of sample 1 must be an integer class index in \[0, 2\], got 4$/);
      b.dispose();
    } finally {
      if (old === undefined) delete process.env.CONVNETS_NATIVE_SYNC;
      else process.env.CONVNETS_NATIVE_SYNC = old;
    }
  });

  t.test('max pool: a window entirely in padding is refused as by the js reference', async (tt) => {
    const base = { n: 1, inH: 4, inW: 4, c: 1, outH: 2, outW: 2, kH: 2, kW: 2, strideH: 2, strideW: 2,
      padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, countIncludePad: false };
    const bad = [
      { ...base, padTop: 2, padBottom: 2, outH: 4 }, // pad >= kernel: the first window is all padding
      { ...base, outW: 3, padRight: 2 },             // the last window starts past the input
    ];
    for (const p of bad) {
      const js = new JsBackend(), b = host();
      const run = (be: Backend) => {
        const x: Buf = be.alloc(16), y: Buf = be.alloc(p.outH * p.outW);
        return message(() => be.maxPool2d(p, x, y));
      };
      const want = run(js);
      tt.match(want, /maxPool2d: a window would lie entirely in padding/);
      tt.equal(strip(run(b)), want);
      b.dispose();
    }
  });

  t.test('readAsync returns what read() returns', async (tt) => {
    const b = host();
    const x = b.alloc(5);
    b.write(x, [1, 2, 3, 4, 5]);
    tt.same(await b.readAsync(x), b.read(x));
    const p = b.readAsync(x); // host-only: the copy is complete at the first poll
    b.dispose();
    tt.same([...await p], [1, 2, 3, 4, 5]);
    tt.match(await messageAsync(() => b.readAsync(x)), /readAsync: the native backend was disposed/);
  });
}
