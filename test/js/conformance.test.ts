// The js backend in float32 against itself in float64: checks the harness end to end and the reference's
// float32 rounding behaviour. Other backends call runConformance the same way.
import t from 'tap';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { runConformance } from '../helpers/conformance.js';

await runConformance(t, 'js float32', async () => new JsBackend({ dtype: 'float32' }));
