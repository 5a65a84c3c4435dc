// The activation family: every kind in ACTIVATIONS (a new kind is picked up here by itself), forward and
// backward, with the kinks where backends most easily disagree with torch's derivative rules.
import { ACTIVATIONS } from '../../src/ts/core/backend.js';
import type { Backend } from '../../src/ts/core/backend.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { Gen, VECTOR_LENGTHS, caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

type Kind = Parameters<Backend['activation']>[0];

function activationCases(lengths: number[], seed: number): KernelCase[] {
  const out: KernelCase[] = [];
  for (const kind of ACTIVATIONS) {
    for (const n of lengths) {
      const g = new Gen(seed++);
      const x = g.uniform(n, -8, 8);
      // The kinks, where backends most easily disagree with torch's rules.
      const kinks = [-3, 0, 3, 6, -6, 1e-3, -1e-3];
      for (let i = 0; i < Math.min(n, kinks.length); i++) x[i] = kinks[i];
      // The backward takes y = f(x) as an input: the reference's, rounded as a float32 backend stores it.
      const y = new Float64Array(n);
      const ref = new JsBackend({ dtype: 'float64' });
      { const xb = ref.alloc(n), yb = ref.alloc(n); ref.write(xb, x); ref.activation(kind, n, xb, yb); y.set(ref.read(yb)); }
      for (let i = 0; i < n; i++) y[i] = Math.fround(y[i]);
      const dy = g.normal(n);
      out.push({
        kernel: 'activation', name: `${kind} n${n}`, bufs: { x, y: n }, outputs: ['y'],
        call: (b, B) => b.activation(kind, n, B.x, B.y),
      });
      out.push({
        kernel: 'activationBackward', name: `${kind} n${n}`, bufs: { x, y, dy, dx: n }, outputs: ['dx'],
        call: (b, B) => b.activationBackward(kind, n, B.x, B.y, B.dy, B.dx),
      });
    }
  }
  return out;
}

/** Values away from activation kinks by more than the finite-difference step. */
function awayFromKinks(x: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) {
    for (const k of [-3, 0, 3, 6]) if (Math.abs(x[i] - k) < 1e-3) x[i] = k + 2e-3;
  }
  return x;
}

function specs(): GradCheckSpec[] {
  const n = 301;
  return ACTIVATIONS.map((kind, i) => ({
    name: `activation ${kind}`, forwardKernel: 'activation', backwardKernels: ['activationBackward'],
    inputs: { x: awayFromKinks(new Gen(900 + i).uniform(n, -8, 8)) }, wrt: ['x'], outLen: n,
    forward: (b, B, y) => b.activation(kind, n, B.x, y),
    backward: (b, B, dy, G) => {
      const y = b.alloc(n);
      b.activation(kind, n, B.x, y);
      b.activationBackward(kind, n, B.x, y, dy, G.x);
      b.free(y);
    },
  }));
}

export const activation: Family = {
  name: 'activation',
  coverage: {
    activation: {
      values: [{
        what: 'hand values of every activation (including kinks)',
        run: (b) => {
          const cases: [Kind, number, number][] = [
            ['relu', -1, 0], ['relu', 0, 0], ['relu', 2.5, 2.5],
            ['relu6', -1, 0], ['relu6', 3, 3], ['relu6', 7, 6],
            ['sigmoid', 0, 0.5], ['sigmoid', -800, 0], ['sigmoid', 800, 1], ['sigmoid', Math.log(3), 0.75],
            ['silu', 0, 0], ['silu', Math.log(3), Math.log(3) * 0.75], ['silu', -800, 0],
            ['hardswish', -4, 0], ['hardswish', -3, 0], ['hardswish', 1, 4 / 6], ['hardswish', 3, 3], ['hardswish', 5, 5],
            ['hardsigmoid', -4, 0], ['hardsigmoid', 0, 0.5], ['hardsigmoid', 1.5, 0.75], ['hardsigmoid', 4, 1],
            // gelu = x Phi(x); Phi(1) = 0.8413447460685429, Phi(-5) = 2.866515718791939e-7 (the tail keeps its relative accuracy)
            ['gelu', 0, 0], ['gelu', 1, 0.8413447460685429], ['gelu', -1, -0.15865525393145707], ['gelu', -5, -1.4332578593959696e-6],
            ['gelu', 4, 4 * 0.9999683287581669],
          ];
          const got = cases.map(([k, x]) => withBufs(b, [[x]], [1], ([xb], [yb]) => b.activation(k, 1, xb, yb))[0][0]);
          return { got, want: cases.map((c) => c[2]) };
        },
      }],
    },
    activationBackward: {
      values: [{
        what: "torch's derivative rules at the kinks (relu'(0)=0, relu6' 0 at 0 and 6, hardswish' -1/2 at -3 and 3/2 at 3, hardsigmoid' 0 at +-3)",
        run: (b) => {
          const cases: [Kind, number, number, number][] = [
            // kind, x, y = f(x), dx for dy = 1
            ['relu', 0, 0, 0], ['relu', 2, 2, 1], ['relu', -2, 0, 0],
            ['relu6', 0, 0, 0], ['relu6', 6, 6, 0], ['relu6', 3, 3, 1],
            ['hardswish', -3, 0, -0.5], ['hardswish', 3, 3, 1.5], ['hardswish', -4, 0, 0], ['hardswish', 4, 4, 1], ['hardswish', 0, 0, 0.5],
            ['hardsigmoid', -3, 0, 0], ['hardsigmoid', 3, 1, 0], ['hardsigmoid', 0, 0.5, 1 / 6],
            ['sigmoid', 0, 0.5, 0.25], ['silu', 0, 0, 0.5],
            // gelu' = Phi(x) + x phi(x): 0.5 at 0; Phi(1) + phi(1) = 0.8413447460685429 + 0.24197072451914337
            ['gelu', 0, 0, 0.5], ['gelu', 1, 0.8413447460685429, 1.0833154705876864], ['gelu', -1, -0.15865525393145707, -0.08331547058768645],
          ];
          const got = cases.map(([k, x, y]) =>
            withBufs(b, [[x], [y], [1]], [1], ([xb, yb, dyb], [dxb]) => b.activationBackward(k, 1, xb, yb, dyb, dxb))[0][0]);
          return { got, want: cases.map((c) => c[3]) };
        },
      }],
    },
  },
  cases: caseLists(() => activationCases(VECTOR_LENGTHS.small, 9000), () => activationCases(VECTOR_LENGTHS.full, 9500)),
  gradchecks: specs,
};
