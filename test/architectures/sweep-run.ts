// Shared runner of the registry sweep (sweep-1/2.test.ts).
import t from 'tap';
import { sweepSettings } from './sweep-config.js';
import { createModel, listModels } from '../../src/architectures/index.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { initBackend } from '../../src/ts/core/registry.js';
import type { Backend } from '../../src/ts/core/backend.js';
import { manualSeed } from '../../src/ts/nn/init.js';
import '../../src/ts/backends/js/index.js';
import '../../src/ts/backends/wasm/index.js';

/**
 * The sweep runs on wasm when it is available (about 3x less CPU than the js reference for these
 * shapes; most of what remains is random initialisation), else on js. CONVNETS_SWEEP_BACKEND overrides.
 */
export async function sweepBackend(): Promise<Backend> {
  const wanted = process.env.CONVNETS_SWEEP_BACKEND;
  if (wanted) return initBackend(wanted);
  try {
    return await initBackend('wasm', { threads: 1 });
  } catch {
    return initBackend('js');
  }
}

/** Forward (no NaN/Inf, right shape) and one backward (every parameter gets a nonzero gradient) per model. */
export async function sweep(part: number, parts: number): Promise<void> {
  const be = await sweepBackend();
  const only = process.env.CONVNETS_SWEEP_ONLY ? new RegExp(process.env.CONVNETS_SWEEP_ONLY) : null;
  const names = listModels().filter((n, i) => i % parts === part && (!only || only.test(n)));
  t.comment(`registry sweep part ${part + 1}/${parts} on ${be.name}: ${names.join(', ')}`);
  const cpu0 = process.cpuUsage();
  for (const name of names) {
    t.test(name, async (t) => {
      manualSeed(11);
      const { opts, size } = sweepSettings(name);
      const m = createModel(name, { ...opts, numClasses: 3 });
      const x = Tensor.randn([2, size, size, m.inputChannels], 5, 1, 0, be);
      const dy = Tensor.randn([2, 3], 6, 1, 0, be);
      try {
        const y = m.forward(x, { training: true, seed: 3 });
        t.same(y.shape, [2, 3], `output shape at ${size}px`);
        const v = y.toFloat32();
        t.ok(v.every(Number.isFinite), 'logits are finite');
        const dx = m.backward(dy);
        t.same(dx.shape, x.shape, 'input gradient shape');
        t.ok(dx.toFloat32().every(Number.isFinite), 'input gradient is finite');
        const zero: string[] = [];
        let n = 0;
        for (const [pn, p] of m.namedParameters()) {
          n++;
          const g = p.grad?.toFloat32();
          if (!g || !g.some((a) => a !== 0) || !g.every(Number.isFinite)) zero.push(pn);
        }
        t.same(zero, [], `all ${n} parameters have a finite, nonzero gradient`);
      } finally {
        m.dispose(); x.dispose(); dy.dispose();
      }
    });
  }
  t.teardown(() => {
    const c = process.cpuUsage(cpu0);
    console.log(`# sweep part ${part + 1}/${parts} on ${be.name}: ${((c.user + c.system) / 1e3).toFixed(0)} ms CPU`);
  });
}
