// Every independent-value check of the coverage manifest (hand-computed examples, naive formulas,
// torch's documented divisor and derivative rules), on the js backend in float64 and in float32.
import t from 'tap';
import { KERNEL_NAMES } from '../../src/ts/core/backend.js';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { COVERAGE } from '../helpers/coverage.js';
import { relError } from '../helpers/conformance.js';

for (const [dtype, tol] of [['float64', 1e-12], ['float32', 1e-5]] as const) {
  t.test(`js ${dtype}`, async (tt) => {
    const b = new JsBackend({ dtype });
    for (const kernel of KERNEL_NAMES) {
      for (const check of COVERAGE[kernel].values) {
        const { got, want } = check.run(b);
        const err = relError(got, want);
        tt.ok(err <= tol, `${kernel}: ${check.what} (error ${err.toExponential(2)})`, err <= tol ? {} : { got: Array.from(got), want: Array.from(want) });
      }
    }
    tt.equal(b.allocated(), 0, 'the checks freed every buffer');
  });
}
