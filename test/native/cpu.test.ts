// The cpu backend as a whole (the kernels themselves are in test/conformance): the addon loads and says
// which ISA paths it has and which it chose; bad options, bad buffers and bad records are
// ConvnetsErrors with the same text as the js reference where js has one; dropout masks and label
// checks agree with js bit for bit and word for word.
import t from 'tap';
import { existsSync } from 'node:fs';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import type { Backend, KernelName } from '../../src/ts/core/backend.js';
import { KERNELS, RECORDS, recordLayout } from '../../src/ts/core/abi.js';
import { hash32 } from '../../src/ts/core/random.js';
import { createBackend } from '../../src/ts/core/registry.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { CpuBackend, cpuInfo, loadCpuAddon } from '../../src/ts/backends/native/cpu.js';
import { throwsNaming } from '../helpers/assert.js';

const load = loadCpuAddon();
if (!load.addon) {
  // The CPU addon is built by `npm ci` (cmake + a C++ compiler) or shipped prebuilt: its absence is a failure.
  t.fail(`cpu addon not loadable: ${load.error}`);
} else {
  const addon = load.addon;
  const info = cpuInfo()!;
  const runnable = info.isas.filter((i) => i.runs).map((i) => i.name);

  t.test('the addon loads and reports its ISA paths', async (t) => {
    t.ok(load.path && existsSync(load.path), `loaded from ${load.path}`);
    t.ok(info.isas.length >= 1, `compiled: ${info.isas.map((i) => i.name).join(', ')}`);
    t.ok(info.isas.some((i) => i.name === 'portable' && i.runs), 'the portable path is compiled and always runs');
    for (const i of info.isas) {
      t.type(i.runs, 'boolean', `${i.name}: runs is a boolean`);
      t.ok(i.vectorBytes >= 16 && /^\d+x\d+$/.test(i.gemmTile), `${i.name}: ${i.vectorBytes}-byte vectors, ${i.gemmTile} GEMM tile`);
      if (!i.runs) t.ok(i.why.length > 5, `${i.name} cannot run, and says why: ${i.why}`);
      else t.equal(i.why, '', `${i.name} runs`);
    }
    // The widest runnable path, except on a CPU that splits 512-bit ops (AMD Zen 4), where avx2 is
    // chosen and the reason says why.
    if (info.chosen === runnable[0]) t.match(info.reason, /widest the CPU supports/, `the widest runnable path is chosen (${info.chosen})`);
    else {
      t.same([runnable[0], info.chosen], ['avx512', 'avx2'], 'only avx512 is ever passed over, for avx2');
      t.match(info.reason, /splits 512-bit ops into two 256-bit halves: the avx2 path is as fast/, info.reason);
    }
    t.ok(Number.isInteger(info.hardwareThreads) && info.hardwareThreads >= 1, `${info.hardwareThreads} hardware threads`);
    const b = await createBackend('cpu', { threads: 1 }) as CpuBackend;
    t.equal(b.name, 'cpu');
    t.equal(b.isa, info.chosen, 'a backend without an isa option takes the chosen path');
    t.equal(b.stats().isaReason, info.reason);
    b.dispose();
    for (const isa of runnable) {
      const c = new CpuBackend(addon, { threads: 1, isa });
      t.equal(c.isa, isa, `isa: '${isa}' is honoured`);
      t.equal(c.stats().isaReason, 'requested');
      c.dispose();
    }
  });

  t.test('an ISA the CPU cannot run, or an unknown one, is refused naming it and the runnable ones', async (t) => {
    const all = new RegExp(runnable.join(', '));
    throwsNaming(t, () => new CpuBackend(addon, { isa: 'neon' }), [/isa 'neon' is not compiled/, all], 'unknown isa');
    let blocked = info.isas.find((i) => !i.runs)?.name;
    if (!blocked && runnable.length > 1) {
      // This CPU runs every path: mask the widest off as a CPU without it would report.
      blocked = runnable[0];
      process.env.CONVNETS_CPU_MAX_ISA = runnable[1];
    }
    try {
      if (!blocked) {
        t.comment('SKIP: only the portable path is compiled');
        return;
      }
      const now = addon.info();
      const left = now.isas.filter((i) => i.runs).map((i) => i.name);
      t.notOk(now.isas.find((i) => i.name === blocked)!.runs, `${blocked} is reported as not runnable`);
      t.equal(now.chosen, left[0], `the default falls back to ${left[0]}`);
      t.match(now.reason, new RegExp(`${blocked}: `), `the reason says why ${blocked} was passed over: ${now.reason}`);
      throwsNaming(t, () => new CpuBackend(addon, { isa: blocked }),
        [new RegExp(`isa '${blocked}' cannot run on this CPU \\(.+\\); it can run: ${left.join(', ')}$`)], `isa ${blocked}`);
      const d = new CpuBackend(addon, { threads: 1 });
      t.equal(d.isa, left[0]);
      d.dispose();
      if (process.env.CONVNETS_CPU_MAX_ISA) {
        process.env.CONVNETS_CPU_MAX_ISA = 'sse9';
        throwsNaming(t, () => new CpuBackend(addon, {}), [/CONVNETS_CPU_MAX_ISA='sse9' is not an ISA of this binary/], 'bad mask');
      }
    } finally {
      delete process.env.CONVNETS_CPU_MAX_ISA;
    }
  });

  t.test('bad options', async (t) => {
    for (const threads of [0, -1, 1.5, 257, NaN]) {
      throwsNaming(t, () => new CpuBackend(addon, { threads }), [/cpu backend: threads must be an integer in \[1, 256\], got /], `threads ${threads}`);
    }
    await t.rejects(createBackend('cpu', { threads: 0 }), /threads must be an integer in \[1, 256\], got 0/);
    throwsNaming(t, () => new CpuBackend(addon, { isa: 3 as unknown as string }), [/isa must be a string/], 'isa 3');
    const b = new CpuBackend(addon, { threads: 3 });
    t.equal(b.threads, 3, 'threads: 3 gives a pool of 3');
    b.dispose();
  });

  t.test('buffers: views, free, use after free, another backend\'s buffer', async (t) => {
    const b = new CpuBackend(addon, { threads: 2 });
    const a = b.alloc(10);
    b.write(a, Array.from({ length: 10 }, (_, i) => i));
    const v = b.view(a, 3, 4);
    t.same(Array.from(b.read(v)), [3, 4, 5, 6], 'a view reads its slice');
    b.write(v, [40, 50], 1);
    t.same(Array.from(b.read(a)), [0, 1, 2, 3, 40, 50, 6, 7, 8, 9], 'writes through a view reach the parent');
    b.fill(b.view(v, 2, 2), -1);
    t.same(Array.from(b.read(a)).slice(3, 8), [3, 40, -1, -1, 7], 'a view of a view, filled in place');
    t.equal(b.allocated(), 10, 'views own no memory');
    t.equal(b.stats().bytesInUse, 40);
    throwsNaming(t, () => b.view(a, 8, 3), [/view: \[8, 11\) does not lie in a buffer of 10/], 'view past the end');
    throwsNaming(t, () => b.free(v), [/free: buffer \d+ is a view; free the buffer it views/], 'free of a view');
    throwsNaming(t, () => b.write(a, [1, 2, 3], 9), [/write: 3 values at offset 9 do not fit a buffer of 10/], 'write past the end');
    b.free(a);
    t.equal(b.allocated(), 0);
    t.equal(b.stats().bytesInUse, 0);
    throwsNaming(t, () => b.read(a), [/read: argument 'buffer': buffer \d+ was already freed/], 'read after free');
    throwsNaming(t, () => b.read(v), [/read: argument 'buffer': buffer \d+ was already freed/], 'a view dies with its parent');
    const y = b.alloc(10);
    throwsNaming(t, () => b.scale(10, 2, a, y), [/scale: argument 'x': buffer \d+ was already freed/], 'a kernel given a freed buffer');
    throwsNaming(t, () => b.free(a), [/free: double free: buffer \d+ was already freed/], 'double free');
    const js = new JsBackend();
    const jb = js.alloc(10);
    throwsNaming(t, () => b.scale(10, 2, jb, y), [/scale: argument 'x' is not a cpu buffer \(it belongs to another backend/], 'a js buffer');
    const other = new CpuBackend(addon, { threads: 1 });
    const ob = other.alloc(10);
    throwsNaming(t, () => b.copy(ob, y), [/copy: argument 'src' belongs to another cpu backend instance/], 'another cpu backend\'s buffer');
    throwsNaming(t, () => b.scale(10, 2, y, b.alloc(5)), [/scale: argument 'y' has 5 elements, needs 10/], 'a buffer too small');
    other.dispose();
    b.dispose();
  });

  t.test('every kernel checks its record in the addon (bypassing the TS checks)', async (t) => {
    const ctx = new addon.Context({ threads: 1 });
    const ids: number[] = [];
    const one = (): number => { const id = ctx.alloc(16); ids.push(id); return id; };
    for (const name of Object.keys(KERNELS) as KernelName[]) {
      const spec = KERNELS[name];
      const fields = RECORDS[spec.record];
      const l = recordLayout(spec.record);
      const rec = new Int32Array(l.fixedSlots), f32 = new Float32Array(rec.buffer);
      // Every integer field -1 (enums the first member, bools false, floats 0.5, a list empty).
      fields.forEach((f, i) => {
        if (f.type === 'i32' || f.type === 'u32') rec[i] = -1;
        else if (f.type === 'f32') f32[i] = 0.5;
        else rec[i] = 0;
      });
      const bufs = spec.buffers.map(() => one()); // a list argument: one buffer
      const names = fields.map((f) => f.name).join('|');
      try {
        ctx.run(name, rec, Float64Array.from(bufs));
        t.fail(`${name}: a record of -1 fields was accepted`);
      } catch (e) {
        t.match((e as Error).message, new RegExp(`^${name}: params\\.(${names}) `), `${name}: ${(e as Error).message}`);
      }
    }
    for (const id of ids) ctx.free(id);
    ctx.dispose();
  });

  t.test('bad fields and buffers: the same message as the js reference', async (t) => {
    const cpu = new CpuBackend(addon, { threads: 2 }), js = new JsBackend();
    const same = (what: string, run: (b: Backend) => void): void => {
      const msg = (b: Backend): string => {
        try { run(b); } catch (e) {
          t.ok(e instanceof ConvnetsError, `${what} on ${b.name}: a ConvnetsError`);
          return (e as Error).message.replace(/^native: /, '');
        }
        return `${b.name} did not throw`;
      };
      const want = msg(js);
      t.not(want, 'js did not throw', `${what}: js refuses it (${want})`);
      t.equal(msg(cpu), want, `${what}: cpu says the same`);
    };
    const with1 = (b: Backend, lens: number[], f: (bufs: ReturnType<Backend['alloc']>[]) => void): void => {
      const bufs = lens.map((n) => b.alloc(n));
      try { f(bufs); } finally { for (const x of bufs) b.free(x); }
    };
    same('channelScale n 0', (b) => with1(b, [6, 2, 6], ([x, s, y]) => b.channelScale({ n: 0, hw: 3, c: 2 }, x, s, y)));
    same('concat channels [2, 0]', (b) => with1(b, [4, 0, 4], ([x0, x1, y]) => b.concat({ rows: 2, channels: [2, 0] }, [x0, x1], y)));
    same('concat: 1 input for 2 channel counts', (b) => with1(b, [4, 8], ([x0, y]) => b.concat({ rows: 2, channels: [2, 2] }, [x0], y)));
    same('split: 3 outputs for 2 channel counts', (b) => with1(b, [8, 4, 4, 4], ([y, a, c, d]) => b.split({ rows: 2, channels: [2, 2] }, y, [a, c, d])));
    same('dropout rate 1', (b) => with1(b, [4], ([m]) => b.dropoutMask(4, 1, 3, m)));
    same('dropout seed 1.5', (b) => with1(b, [4], ([m]) => b.dropoutMask(4, 0.5, 1.5, m)));
    same('softmax smoothing 1.5', (b) => with1(b, [6, 2, 6, 2], ([z, l, p, s]) => b.softmaxCrossEntropy({ n: 2, classes: 3, smoothing: 1.5 }, z, l, p, s)));
    same('adamw step 0', (b) => with1(b, [3, 3, 3, 3], ([p, g, m, v]) =>
      b.adamwUpdate({ length: 3, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 0 }, p, g, m, v)));
    same('sgd length -1', (b) => with1(b, [3, 3, 3], ([p, g, v]) => b.sgdUpdate({ length: -1, lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false }, p, g, v)));
    same('conv2d stride 0', (b) => with1(b, [16, 9, 16], ([x, w, y]) => b.conv2d({
      n: 1, inH: 4, inW: 4, inC: 1, outH: 4, outW: 4, outC: 1, kH: 3, kW: 3, strideH: 0, strideW: 1, padTop: 1, padLeft: 1,
      dilationH: 1, dilationW: 1, groups: 1 }, x, w, null, y)));
    cpu.dispose();
  });

  t.test('softmax labels: checked by the kernels, before anything is written, in the js reference\'s words', async (t) => {
    const cpu = new CpuBackend(addon, { threads: 2 }), js = new JsBackend();
    const p = { n: 4, classes: 3, smoothing: 0.1 };
    for (const labels of [[0, 1, 3, 2], [0, -1, 1, 1], [0, 1, 1.5, 2], [NaN, 0, 0, 0], [0, 1, 2, 1e-7], [0, Infinity, 0, 0], [0, 1, 2, 2 ** 40]]) {
      const want = (() => {
        const l = js.alloc(4);
        js.write(l, labels);
        try { js.softmaxCrossEntropy(p, js.alloc(12), l, js.alloc(12), js.alloc(4)); } catch (e) { return (e as Error).message; }
        return 'no error';
      })();
      t.match(want, /label of sample \d must be an integer class index in \[0, 2\], got /, `js: ${want}`);
      const z = cpu.alloc(12), l = cpu.alloc(4), pr = cpu.alloc(12), loss = cpu.alloc(4), d = cpu.alloc(12);
      cpu.write(l, labels);
      cpu.fill(pr, 7); cpu.fill(loss, 7); cpu.fill(d, 7);
      throwsNaming(t, () => cpu.softmaxCrossEntropy(p, z, l, pr, loss), [new RegExp(`^native: ${want.replace(/[[\]().+*?^$]/g, '\\$&')}$`)],
        `labels ${labels.join(', ')}`);
      throwsNaming(t, () => cpu.softmaxCrossEntropyBackward(p, pr, l, 1, d),
        [new RegExp(`^native: ${want.replace('softmaxCrossEntropy', 'softmaxCrossEntropyBackward').replace(/[[\]().+*?^$]/g, '\\$&')}$`)], 'backward too');
      t.ok([...cpu.read(pr), ...cpu.read(loss), ...cpu.read(d)].every((v) => v === 7), 'nothing was written');
      for (const b of [z, l, pr, loss, d]) cpu.free(b);
    }
    // Smoothing 0: zero targets whose log-probability underflows to -inf add nothing (no 0 * -inf = NaN).
    const z = cpu.alloc(3), l = cpu.alloc(1), pr = cpu.alloc(3), loss = cpu.alloc(1);
    cpu.write(z, [0, -3e38, 3e38]); cpu.write(l, [2]);
    cpu.softmaxCrossEntropy({ n: 1, classes: 3, smoothing: 0 }, z, l, pr, loss);
    t.same(Array.from(cpu.read(loss)), [0], 'loss 0, not NaN');
    t.same(Array.from(cpu.read(pr)), [0, 0, 1]);
    cpu.dispose();
  });

  t.test('dropout: the js mask bit for bit, at the float32 rounding edge of the threshold too', async (t) => {
    // floor(0.3 * 2^24) = 5033164 but floor(float32(0.3) * 2^24) = 5033165: find an index whose hash
    // lands exactly there, where a backend thresholding the record's float32 rate would drop it.
    const seed = 11, rate = 0.3, edge = Math.floor(rate * 16777216);
    let at = -1;
    for (let i = 0; i < 1 << 27 && at < 0; i++) if (hash32(seed, i) >>> 8 === edge) at = i;
    t.ok(at >= 0, `index ${at} hashes to the threshold`);
    const n = at + 1;
    const js = new JsBackend(), jm = js.alloc(n);
    js.dropoutMask(n, rate, seed, jm);
    const want = js.read(jm);
    t.ok(want[at] > 0, 'js keeps it');
    for (const threads of [1, 3]) {
      const b = new CpuBackend(addon, { threads });
      const m = b.alloc(n);
      b.dropoutMask(n, rate, seed, m);
      const got = b.read(m);
      let diff = 0;
      for (let i = 0; i < n; i++) if (got[i] !== want[i]) diff++;
      t.equal(diff, 0, `${threads} thread(s): ${n} elements equal the js mask`);
      t.equal(got[at], want[at], 'including the edge index');
      b.dispose();
    }
  });
}
