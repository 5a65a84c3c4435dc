// The coverage test, driven by the kernel families of test/conformance/ (index.ts lists them). Fails when
//   - the families' kernels (the keys of each family's `coverage`) are not exactly KERNEL_NAMES, each in
//     one family: a kernel added to the contract without a family entry fails here;
//   - a family has no test file test/conformance/<family>.test.ts or no js reference file of that name;
//   - a kernel lacks (a) a check against independent values: a value check in its family's coverage,
//     or (for backward kernels) a finite-difference gradient check, whose numeric derivative is
//     independent of it; (b) a gradient check (as the forward kernel or a backward kernel of a spec)
//     or an explicit, reasoned exemption. Exempt (not differentiated, formula-checked instead):
//     sumSquares (clipping norm only), dropoutMask (random mask, no differentiable input), sgdUpdate and
//     adamwUpdate (optimiser steps after backward); (c) a conformance case (so every other backend is
//     compared with the reference on it).
// It also checks KERNEL_NAMES, the Backend interface and the js backend agree, and that the conformance
// harness really fails on a missing, throwing, wrong or accumulating kernel.
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { Test } from 'tap';
import { KERNEL_NAMES } from '../src/ts/core/backend.js';
import type { Buf, Conv2dParams, DenseParams, KernelName } from '../src/ts/core/backend.js';
import { JsBackend } from '../src/ts/backends/js/index.js';
import { FAMILIES, runConformance } from './conformance/index.js';
import type { KernelCoverage } from './conformance/lib/harness.js';
import { checkGradient } from './conformance/lib/gradcheck.js';
import { checkViews } from './helpers/views.js';

const MEMORY_METHODS = ['alloc', 'free', 'write', 'read', 'readAsync', 'fill', 'copy', 'view', 'allocated', 'dispose'];
const EXPECTED_EXEMPT = ['sumSquares', 'dropoutMask', 'sgdUpdate', 'adamwUpdate'];

const familyOf = new Map<string, string[]>();
for (const f of FAMILIES) for (const k of Object.keys(f.coverage)) familyOf.set(k, [...(familyOf.get(k) ?? []), f.name]);
const COVERAGE = Object.assign({}, ...FAMILIES.map((f) => f.coverage)) as Partial<Record<KernelName, KernelCoverage>>;
const GRADCHECKS = FAMILIES.flatMap((f) => f.gradchecks());

t.test('the families list exactly the kernels of KERNEL_NAMES, each in one family', async (tt) => {
  tt.same([...familyOf.keys()].sort(), [...KERNEL_NAMES].sort(), 'kernels of the families = KERNEL_NAMES');
  for (const k of KERNEL_NAMES) tt.equal(familyOf.get(k)?.length, 1, `${k}: in one family (${familyOf.get(k)?.join(', ') ?? 'none'})`);
  tt.equal(new Set(KERNEL_NAMES).size, KERNEL_NAMES.length, 'KERNEL_NAMES has no duplicates');
});

t.test('every family has its test file and a js reference file of the same base name', async (tt) => {
  const tests = readdirSync(new URL('./conformance/', import.meta.url)).filter((f) => f.endsWith('.test.ts'));
  tt.same(tests.map((f) => f.replace(/\.test\.ts$/, '')).sort(), FAMILIES.map((f) => f.name).sort(),
    'test/conformance/<family>.test.ts for each family of index.ts, and no other');
  for (const f of FAMILIES) {
    tt.ok(existsSync(new URL(`../src/ts/backends/js/${f.name}.ts`, import.meta.url)), `src/ts/backends/js/${f.name}.ts exists`);
    const body = readFileSync(new URL(`./conformance/${f.name}.test.ts`, import.meta.url), 'utf8');
    tt.match(body, new RegExp(`runFamily\\(t, ${f.name}\\)`), `${f.name}.test.ts runs its own family's body`);
  }
});

t.test('KERNEL_NAMES matches the methods of the Backend interface in core/backend.ts', async (tt) => {
  const src = readFileSync(new URL('../src/ts/core/backend.ts', import.meta.url), 'utf8');
  const start = src.indexOf('export interface Backend {');
  tt.ok(start >= 0, 'found interface Backend');
  const body = src.slice(start, src.indexOf('\n}', start));
  const methods = [...body.matchAll(/^\s+(\w+)\(/gm)].map((m) => m[1]);
  tt.same(methods.filter((m) => !MEMORY_METHODS.includes(m)).sort(), [...KERNEL_NAMES].sort(),
    'every kernel method of the interface is in KERNEL_NAMES and vice versa');
  tt.same(methods.filter((m) => MEMORY_METHODS.includes(m)).sort(), [...MEMORY_METHODS].sort(), 'memory methods');
});

t.test('the js backend implements every method', async (tt) => {
  const b = new JsBackend() as unknown as Record<string, unknown>;
  for (const m of [...MEMORY_METHODS, ...KERNEL_NAMES]) tt.equal(typeof b[m], 'function', `js has ${m}`);
});

t.test('view(): sub-buffers without a copy (js)', async (tt) => { await checkViews(tt, new JsBackend()); });

t.test('every kernel is covered', async (tt) => {
  const cases = FAMILIES.flatMap((f) => f.cases('small'));
  for (const k of KERNEL_NAMES) {
    const cov = COVERAGE[k];
    if (!cov) { tt.fail(`${k}: no family of test/conformance/ lists it (add it to its family's coverage)`); continue; }
    const asBackward = GRADCHECKS.filter((s) => s.backwardKernels.includes(k));
    const asForward = GRADCHECKS.filter((s) => s.forwardKernel === k);
    tt.ok(cov.values.length > 0 || asBackward.length > 0,
      `${k}: (a) checked against independent values (${cov.values.length} value checks, ${asBackward.length} gradient checks of it)`);
    if (cov.exempt !== undefined) {
      tt.ok(cov.exempt.length >= 30, `${k}: (b) exempt from gradient checks, with a reason: "${cov.exempt}"`);
      tt.ok(cov.values.length > 0, `${k}: exempt, so its formula has value checks`);
      tt.equal(asForward.length + asBackward.length, 0, `${k}: exempt kernels have no gradient check (the exemption would be stale)`);
    } else {
      tt.ok(asForward.length + asBackward.length > 0,
        `${k}: (b) gradient-checked (${asForward.length} specs as forward, ${asBackward.length} as backward)`);
    }
    tt.ok(cases.some((c) => c.kernel === k), `${k}: (c) has a conformance case`);
  }
  tt.same(KERNEL_NAMES.filter((k) => COVERAGE[k]?.exempt !== undefined).sort(), [...EXPECTED_EXEMPT].sort(),
    'the exempt kernels are exactly the non-differentiable ones');
  // Every backward kernel is the adjoint of some forward kernel that a spec pairs it with.
  for (const k of KERNEL_NAMES.filter((n) => n.includes('Backward'))) {
    tt.ok(GRADCHECKS.some((s) => s.backwardKernels.includes(k)), `${k}: checked as the gradient of its forward kernel`);
  }
});

/** A stand-in for tap's Test that records failures, so the harness itself can be tested. */
function recorder(): { t: Test; failures: Map<string, string[]> } {
  const failures = new Map<string, string[]>();
  const note = (name: string, msg: string) => failures.set(name, [...(failures.get(name) ?? []), msg]);
  const mk = (name: string): unknown => ({
    test: async (sub: string, fn: (tt: unknown) => Promise<void>) => { await fn(mk(sub)); },
    fail: (msg: string) => note(name, msg),
    ok: (c: boolean, msg: string) => { if (!c) note(name, msg); },
    equal: (a: unknown, b: unknown, msg: string) => { if (a !== b) note(name, msg); },
  });
  return { t: mk('root') as Test, failures };
}

class BrokenBackend extends JsBackend {
  constructor() {
    super();
    // A missing kernel.
    (this as unknown as Record<string, unknown>).conv2d = undefined;
  }
  override dwconv2d(): void { throw new Error('not implemented'); }
  // Slightly wrong: one output off by 1e-3.
  override dense(p: DenseParams, x: Buf, w: Buf, bias: Buf | null, y: Buf): void {
    super.dense(p, x, w, bias, y);
    const v = this.read(y);
    this.write(y, [v[0] + 1e-3]);
  }
  // Accumulates into its output instead of overwriting it.
  override pwconv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
    const tmp = this.alloc(dx.length);
    super.pwconv2dBackwardData(p, dy, w, tmp);
    this.axpy(dx.length, 1, tmp, dx);
    this.free(tmp);
  }
}

t.test('the conformance harness fails on missing, throwing, wrong and accumulating kernels', async (tt) => {
  const { t: fake, failures } = recorder();
  await runConformance(fake, 'broken', async () => new BrokenBackend());
  const failed = [...failures.keys()].sort();
  tt.same(failed, ['broken: conv2d', 'broken: dense', 'broken: dwconv2d', 'broken: pwconv2dBackwardData'],
    'exactly the broken kernels fail, each in its own named sub-test');
  tt.match(failures.get('broken: conv2d')?.[0] ?? '', /lacks kernel conv2d/);
  tt.match(failures.get('broken: dwconv2d')?.[0] ?? '', /dwconv2d \[.*\] threw: not implemented/);
  tt.match(failures.get('broken: dense')?.[0] ?? '', /dense \[.*\] y: rel error/);
  const k: KernelName = 'pwconv2dBackwardData';
  tt.match(failures.get(`broken: ${k}`)?.[0] ?? '', /pwconv2dBackwardData \[.*\] dx: rel error NaN/);
});

t.test('the gradient check catches a gradient off by 0.1%', async (tt) => {
  class Skewed extends JsBackend {
    constructor() { super({ dtype: 'float64' }); }
    override conv2dBackwardData(p: Conv2dParams, dy: Buf, w: Buf, dx: Buf): void {
      super.conv2dBackwardData(p, dy, w, dx);
      this.scale(dx.length, 1.001, dx, dx);
    }
  }
  const spec = GRADCHECKS.find((s) => s.forwardKernel === 'conv2d');
  if (!spec) { tt.fail('no conv2d gradient check'); return; }
  const good = checkGradient(spec, { backend: new JsBackend({ dtype: 'float64' }) });
  const bad = checkGradient(spec, { backend: new Skewed() });
  tt.ok(good.errors.x <= 1e-6, `correct kernel passes (${good.errors.x.toExponential(2)})`);
  tt.ok(bad.errors.x > 1e-6, `skewed dx fails (${bad.errors.x.toExponential(2)})`);
  tt.ok(bad.errors.w <= 1e-6, 'and only dx is blamed');
});
