// The harness's larger, real-layer-like cases (ResNet 3x3 at 14x14, 7x7 stem, MobileNet 96-channel
// depthwise, 65537-long vectors...) on 2 threads with the default grain, so kernels split work as they
// do in real models (row blocks, panels, channel blocks) rather than the forced split of grain 0.
import t from 'tap';
import { WasmBackend } from '../../src/ts/backends/wasm/index.js';
import { runConformance } from '../helpers/conformance.js';

await runConformance(t, 'wasm 2 threads (full cases)', () => WasmBackend.create({ threads: 2 }), { cases: 'full' });
