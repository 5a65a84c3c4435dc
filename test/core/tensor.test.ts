// Error paths of core/tensor.ts and core/registry.ts, and seeded randomness (core/random.ts).
import t from 'tap';
import { Tensor, checkBackend } from '../../src/ts/core/tensor.js';
import { getBackend, hasBackend, initBackend, createBackend, registeredBackends } from '../../src/ts/core/registry.js';
import { Rng, hash32, dropoutKeep } from '../../src/ts/core/random.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { throwsNaming } from '../helpers/assert.js';

t.test('registry: no current backend until init; unknown names', async (tt) => {
  tt.equal(hasBackend(), false, 'nothing current at start');
  throwsNaming(tt, () => getBackend(), [/no current backend/, /initBackend/], 'getBackend before init');
  tt.same(registeredBackends(), ['cuda', 'cpu', 'wasm', 'js'], 'the built-in table, in priority order, before any import');
  await tt.rejects(createBackend('nope'), /unknown backend 'nope'/, 'unknown backend name');
  const b = await initBackend('js', { dtype: 'float64' });
  tt.equal(getBackend(), b, 'initBackend makes it current');
  tt.equal(b.dtype, 'float64', 'dtype option reaches the js backend');
  throwsNaming(tt, () => new JsBackend({ dtype: 'float16' as 'float32' }), [/js backend: dtype must be 'float32' or 'float64'/], 'bad dtype');
});

t.test('tensor errors name the op and argument', async (tt) => {
  const b = new JsBackend();
  throwsNaming(tt, () => new Tensor(b, [2, 0]), [/^Tensor: shape sizes must be positive integers, got \[2, 0\]/], 'zero-size shape');
  throwsNaming(tt, () => new Tensor(b, [2, 1.5]), [/^Tensor: shape/], 'non-integer shape');
  throwsNaming(tt, () => new Tensor(b, [2, 3], b.alloc(5)), [/^Tensor: buffer of 5 elements does not fit shape \[2, 3\] \(6\)/], 'buffer size');
  const before = b.allocated();
  throwsNaming(tt, () => Tensor.from([1, 2, 3, 4, 5], [2, 3], b), [/^Tensor\.set: 5 values for shape \[2, 3\] \(6\)/], 'Tensor.from wrong length');
  tt.equal(b.allocated(), before, 'a failed Tensor.from frees what it allocated');

  const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3], b);
  throwsNaming(tt, () => x.reshape([4, 2]), [/^reshape: cannot view \[2, 3\] \(6 elements\) as \[4, 2\] \(8\)/], 'reshape size mismatch');
  const v = x.reshape([3, 2]);
  v.set([6, 5, 4, 3, 2, 1]);
  tt.same(Array.from(x.data()), [6, 5, 4, 3, 2, 1], 'a reshape is a view of the same storage');
  v.dispose();
  tt.same(Array.from(x.data()), [6, 5, 4, 3, 2, 1], 'disposing a view does not free the storage');
  x.dispose();
  tt.equal(b.allocated(), before, 'dispose frees the storage');
  throwsNaming(tt, () => x.data(), [/^Tensor \[2, 3\]: used after dispose\(\)/], 'data() after dispose');
  throwsNaming(tt, () => x.set([1, 2, 3, 4, 5, 6]), [/used after dispose/], 'set() after dispose');
  x.dispose();
  tt.equal(b.allocated(), before, 'a second dispose is harmless');
});

t.test('tensors of two backends never mix silently', async (tt) => {
  const a = new JsBackend(), c = new JsBackend({ dtype: 'float64' });
  const x = Tensor.zeros([2, 2], a), y = Tensor.zeros([2, 2], c);
  throwsNaming(tt, () => checkBackend('add', a, x, y), [/^add: tensor \[2, 2\] belongs to another instance of backend 'js'/, /tensor\.to\(backend\)/], 'mixed backends');
  checkBackend('add', a, x, null, undefined);
  tt.pass('same backend (and null/undefined) passes');
  const z = y.to(a);
  tt.equal(z.backend, a, 'to() copies onto the other backend');
  tt.type(z.data(), Float32Array, 'in that backend\'s precision');
});

t.test('float64 tensors round to float32 on toFloat32', async (tt) => {
  const c = new JsBackend({ dtype: 'float64' });
  const x = Tensor.from([0.1, 1 / 3], [2], c);
  tt.equal(x.data()[0], 0.1, 'float64 storage keeps the double');
  tt.equal(x.toFloat32()[0], Math.fround(0.1), 'toFloat32 rounds');
});

t.test('seeded randomness is reproducible', async (tt) => {
  const b = new JsBackend();
  const r1 = Tensor.randn([3, 5], 42, 1, 0, b).data(), r2 = Tensor.randn([3, 5], 42, 1, 0, b).data();
  const r3 = Tensor.randn([3, 5], 43, 1, 0, b).data();
  tt.same(Array.from(r1), Array.from(r2), 'same seed, same values');
  tt.notSame(Array.from(r1), Array.from(r3), 'another seed, other values');
  const a = new Rng(7), c = new Rng(7);
  const seqA = Array.from({ length: 20 }, () => a.nextU32()), seqC = Array.from({ length: 20 }, () => c.nextU32());
  tt.same(seqA, seqC, 'Rng streams are reproducible');
  tt.equal(new Set(seqA).size, 20, 'and not constant');
  const r = new Rng(1);
  let s = 0, s2 = 0, lo = Infinity, hi = -Infinity;
  const N = 20000;
  for (let i = 0; i < N; i++) { const v = r.normal(); s += v; s2 += v * v; const u = r.uniform(); lo = Math.min(lo, u); hi = Math.max(hi, u); }
  tt.ok(Math.abs(s / N) < 0.03 && Math.abs(s2 / N - 1) < 0.05, `normal(): mean ${(s / N).toFixed(3)}, var ${(s2 / N).toFixed(3)}`);
  tt.ok(lo >= 0 && hi < 1, 'uniform() in [0, 1)');
  const u = Tensor.uniform([1000], 3, -2, 5, b).data();
  tt.ok(u.every((v) => v >= -2 && v <= 5), 'Tensor.uniform respects its range');
  tt.equal(hash32(5, 17), hash32(5, 17), 'hash32 is a pure function');
  tt.not(hash32(5, 17), hash32(6, 17), 'of the seed');
  let kept = 0;
  for (let i = 0; i < 10000; i++) if (dropoutKeep(9, i, 0.25)) kept++;
  tt.ok(Math.abs(kept / 10000 - 0.75) < 0.02, `dropoutKeep keeps about 1 - rate (${kept / 10000})`);
  const sh1 = [0, 1, 2, 3, 4, 5, 6, 7], sh2 = [...sh1];
  new Rng(3).shuffle(sh1); new Rng(3).shuffle(sh2);
  tt.same(sh1, sh2, 'shuffle is reproducible');
  tt.same([...sh1].sort(), [0, 1, 2, 3, 4, 5, 6, 7], 'and a permutation');
});
