// `convnets doctor`: every registered backend is listed (cuda, cpu, wasm, js; 'native' an alias of
// cuda), available or with a reason; the cpu section names the CPU addon, each compiled ISA path
// (runs here, or why not), the chosen one and why, and the hardware threads; the cuda section says
// whether the CUDA addon is built and what CUDA/cuDNN/cuBLAS it found.
import t from 'tap';
import { doctorReport, formatDoctor } from '../../src/ts/cli/doctor.js';
import type { DoctorReport } from '../../src/ts/cli/doctor.js';
import { program } from '../../src/ts/cli/index.js';
import { cpuInfo, loadCpuAddon } from '../../src/ts/backends/native/cpu.js';

const r = await doctorReport();
t.same(r.backends.map((b) => b.name), ['cuda', 'cpu', 'wasm', 'js'], 'the backends in priority order');
t.same(r.aliases, { native: 'cuda' }, "'native' is an alias of cuda");
t.ok(r.backends.some((b) => b.name === 'js' && b.available), 'js is always available');
const cuda = r.backends.find((b) => b.name === 'cuda')!;
if (!cuda.available) t.ok((cuda.reason ?? '').length > 10, `cuda unavailable, with a reason: ${cuda.reason}`);
t.not(r.defaultBackend, null);
if (!cuda.available) t.not(r.defaultBackend, 'cuda', `falls back to ${r.defaultBackend}`);
if (r.native.addonBuilt) {
  t.ok(r.native.cudaRuntime, `CUDA runtime ${r.native.cudaRuntime}`);
  t.ok(r.native.cudnn && r.native.cublas, 'library probes reported');
}
const text = formatDoctor(r);
t.match(text, /backends:\n  cuda    (available|unavailable: .+)\n  cpu     (available|unavailable: .+)\n  wasm    .+\n  js      available\n  \('native' is an alias of cuda\)/);
t.match(text, /cuda \(GPU; the CUDA addon\):\n  addon: (built|not built)/);
t.match(text, /cuDNN: /);

t.test('the cpu section', async (t) => {
  const l = loadCpuAddon();
  const cpu = r.backends.find((b) => b.name === 'cpu')!;
  if (!l.addon) {
    t.equal(cpu.available, false);
    t.equal(r.cpu.loadError, l.error);
    t.match(text, /cpu \(native CPU kernels\):\n  addon: not loaded - /);
    return;
  }
  const info = cpuInfo()!;
  t.equal(cpu.available, true, 'the cpu backend is available');
  t.equal(r.defaultBackend, cuda.available ? 'cuda' : 'cpu', `the default is ${r.defaultBackend}: cpu comes before wasm`);
  t.equal(r.cpu.addonPath, l.path);
  t.equal(r.cpu.loadError, null);
  t.same(r.cpu.isas, info.isas, 'every compiled ISA path');
  t.equal(r.cpu.chosen, info.chosen);
  t.equal(r.cpu.reason, info.reason);
  t.equal(r.cpu.hardwareThreads, info.hardwareThreads);
  t.match(text, new RegExp(`cpu \\(native CPU kernels\\):\n  addon: loaded \\(${l.path!.replace(/[.+()[\]\\/]/g, '\\$&')}\\)`));
  for (const i of info.isas) {
    t.match(text, new RegExp(`  isa ${i.name} +${i.runs ? 'runs' : 'cannot run: .+'} \\(${8 * i.vectorBytes}-bit vectors, ${i.gemmTile} GEMM tile\\)`), `isa ${i.name} listed`);
  }
  t.match(text, new RegExp(`  chosen: ${info.chosen} \\(${info.reason.replace(/[.+()[\]]/g, '\\$&')}\\)`));
  t.match(text, new RegExp(`  hardware threads: ${info.hardwareThreads}`));
  // A path that cannot run shows why, and the env override is named (a report built by hand).
  const masked: DoctorReport = {
    ...r, cpu: { ...r.cpu, envIsa: 'portable',
      isas: [{ name: 'avx512', vectorBytes: 64, gemmTile: '14x32', runs: false, why: 'the CPU has no AVX-512F' }, ...r.cpu.isas.slice(1)] },
  };
  const mt = formatDoctor(masked);
  t.match(mt, /  isa avx512   cannot run: the CPU has no AVX-512F \(512-bit vectors, 14x32 GEMM tile\)/);
  t.match(mt, /; CONVNETS_CPU_ISA=portable overrides it for new backends/);
  t.match(formatDoctor({ ...r, cpu: { ...r.cpu, envMaxIsa: 'sse9' } }), /  CONVNETS_CPU_MAX_ISA=sse9 is not an ISA of this addon: creating a cpu backend will fail/);
  const gone = formatDoctor({ ...r, cpu: { ...r.cpu, addonPath: null, loadError: 'the CPU addon is not built (looked for x)', isas: [], chosen: null, reason: null, hardwareThreads: null } });
  t.match(gone, /cpu \(native CPU kernels\):\n  addon: not loaded - the CPU addon is not built \(looked for x\)\ncuda/);
});

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
t.same(parsed.cpu.isas, r.cpu.isas, '--json has the cpu section');

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
