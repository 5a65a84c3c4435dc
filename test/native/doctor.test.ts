// `convnets doctor`: every registered backend is listed, available or with a reason; the native
// section says whether the addon is built and what CUDA/cuDNN/cuBLAS it found.
import t from 'tap';
import { doctorReport, formatDoctor } from '../../src/ts/cli/doctor.js';
import { program } from '../../src/ts/cli/index.js';

const r = await doctorReport();
t.ok(r.backends.some((b) => b.name === 'js' && b.available), 'js is always available');
const native = r.backends.find((b) => b.name === 'native');
t.ok(native, 'native is registered');
if (native && !native.available) t.ok((native.reason ?? '').length > 10, `native unavailable, with a reason: ${native.reason}`);
t.not(r.defaultBackend, null);
if (native && !native.available) t.not(r.defaultBackend, 'native', `falls back to ${r.defaultBackend}`);
if (r.native.addonBuilt) {
  t.ok(r.native.cudaRuntime, `CUDA runtime ${r.native.cudaRuntime}`);
  t.ok(r.native.cudnn && r.native.cublas, 'library probes reported');
}
const text = formatDoctor(r);
t.match(text, /backends:\n  native  (available|unavailable: .+)/);
t.match(text, /addon: (built|not built)/);
t.match(text, /cuDNN: /);

// Through the CLI, as JSON.
const logs: string[] = [];
const orig = console.log;
console.log = (s: string) => { logs.push(s); };
try {
  await program().parseAsync(['node', 'convnets', 'doctor', '--json']);
} finally {
  console.log = orig;
}
const parsed = JSON.parse(logs.join('\n'));
t.same(parsed.backends.map((b: { name: string }) => b.name), r.backends.map((b) => b.name), '--json prints the report');

// The path table doctor prints under native (with a GPU it probes the device; here the same probe runs
// on a host-only context whose cuDNN stand-in refuses batch norm).
const { loadAddon } = await import('../../src/ts/backends/native/index.js');
const { probePaths } = await import('../../src/ts/backends/native/probe.js');
const addon = loadAddon().addon;
if (addon) {
  const paths = probePaths(addon, { hostOnly: true, fakeLibs: { statuses: { bnFwdTrain: [3000] } } });
  t.same(Object.keys(paths).sort(), ['batchNormTrain', 'conv2d', 'conv2dBackwardData', 'conv2dBackwardFilter', 'dense']);
  t.equal(paths.conv2d.cudnn, 1);
  t.equal(paths.dense.cublas, 1);
  const shown = formatDoctor({ ...r, native: { ...r.native, paths } });
  t.match(shown, /  path conv2d: cudnn 1\n/);
  t.match(shown, /  path batchNormTrain: nothing ran; cuDNN refused 1: CUDNN_STATUS_NOT_SUPPORTED \(3000\) at batch norm train:128x8 \(x1\)/);
  t.match(shown, /  path dense: cublas 1/);
  if (!r.native.devices.length) t.equal(r.native.paths, null, 'no GPU: no device probe');
} else {
  t.comment('SKIP doctor path table: addon not built');
}
