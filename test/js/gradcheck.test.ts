// Every gradient check of the coverage manifest: backward kernels against central finite differences of
// their forward kernels, in float64 on the js backend (step 1e-6, error <= 1e-6).
import t from 'tap';
import { checkGradient } from '../helpers/gradcheck.js';
import { GRADCHECKS } from '../helpers/coverage.js';

const TOL = 1e-6;
for (const spec of GRADCHECKS) {
  t.test(spec.name, async (tt) => {
    const r = checkGradient(spec);
    for (const k of spec.wrt) {
      tt.ok(r.errors[k] <= TOL, `d/d${k} (${r.checked[k]} elements): error ${r.errors[k].toExponential(2)} <= ${TOL}` +
        ` [${[spec.forwardKernel, ...spec.backwardKernels].join(', ')}]`);
    }
  });
}
