// Every kernel of the contract on the CUDA backend against the js float64 reference (TF32 off), with
// the shared harness. Needs a GPU: without one it skips, saying why (scripts/gpu-check.sh runs it on
// the lent GPU machine). CONVNETS_NO_CUDNN=1 / CONVNETS_NO_CUBLAS=1 select the own-kernel paths.
import t from 'tap';
import { backendAvailability, createBackend } from '../../src/ts/core/registry.js';
import '../../src/ts/backends/native/index.js';
import { runConformance } from '../helpers/conformance.js';

const why = await backendAvailability('native');
if (why) {
  t.comment(`SKIP native conformance (needs a CUDA GPU): ${why}`);
  t.pass(`skipped: ${why}`);
} else {
  const cases = process.env.CONVNETS_CONFORMANCE_FULL ? 'full' : 'small';
  await runConformance(t, 'native', () => createBackend('native', { tf32: false }), { cases });
}
