// The PyTorch CPU peer's subprocess protocol (bench/torch.ts), with a fake peer that prints the JSON
// line (no torch needed), a missing interpreter, a torch that cannot be imported, and (when Debian's
// torch is installed) the real script loading our weights into torchvision with outputs compared.
import t from 'tap';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/ts/core/registry.js';
import { runTorchPeer, torchScript } from '../../bench/torch.js';
import { buildOn, keepTorchWeights, timeOurForward, timePeers, traceMacs } from '../../bench/models.js';
import { defaultJobSuite } from '../../bench/suites/defaultjob.js';

const fake = fileURLToPath(new URL('./fixtures/fake-torch-peer.mjs', import.meta.url));
const viaFake = (mode = 'ok', extra: NodeJS.ProcessEnv = {}) => ({ python: process.execPath, script: fake, env: { FAKE_TORCH_MODE: mode, ...extra } });

t.test('a fake peer: samples become a timing, RSS and versions are kept, threads reach torch and its BLAS', async (t) => {
  const r = await runTorchPeer('train', ['mobilenet_v2', '--batch', '8'], 2, viaFake());
  t.equal(r.error, undefined);
  t.equal(r.timing!.median, 20, 'median of [30, 10, 20]');
  t.equal(r.timing!.min, 10);
  t.equal(r.timing!.samples, 3);
  t.equal(r.timing!.cpuMedian, 9);
  t.equal(r.peakRssMB, 321.5);
  t.match(r.note, /torch 9\.9\.9, BLAS openblas-pthread\/libblas\.so\.3/);
  const raw = r.raw as { args: string[]; env: Record<string, string> };
  t.same(raw.args, ['train', 'mobilenet_v2', '--batch', '8', '--threads', '2']);
  t.same(raw.env, { OMP_NUM_THREADS: '2', MKL_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2' });
});

t.test('the reference BLAS is a warning on a timed row; a failed case or a crash is an error row', async (t) => {
  const w = await runTorchPeer('infer', ['resnet50'], 1, viaFake('warn'));
  t.ok(w.timing);
  t.match(w.warning, /reference BLAS.*6x slower/);
  const e = await runTorchPeer('infer', ['plain4'], 1, viaFake('error'));
  t.equal(e.timing, undefined);
  t.match(e.error, /torchvision has no model plain4/);
  t.equal(e.peakRssMB, 200);
  const c = await runTorchPeer('infer', ['resnet50'], 1, viaFake('crash'));
  t.match(c.error, /torch peer .* failed: exit 139: .*Segfault-ish failure/);
});

t.test('no interpreter, or no torch in it: "PyTorch is not installed" with the apt-get line', async (t) => {
  const r = await runTorchPeer('info', [], 1, { python: '/nonexistent/python3' });
  t.match(r.error, /^PyTorch is not installed: \/nonexistent\/python3 not found \(Debian: apt-get install -y python3-torch python3-torchvision libopenblas0-pthread/);
  const n = await runTorchPeer('info', [], 1, viaFake('notinstalled'));
  t.match(n.error, /^PyTorch is not installed: No module named 'torch' \(fake\)/);
  // The real script under a python whose `import torch` fails (a stub package on PYTHONPATH).
  const py = ['/usr/bin/python3', 'python3'].find((p) => { try { execFileSync(p, ['-c', 'pass']); return true; } catch { return false; } });
  if (!py) { t.comment('no python3 here: the real script is not run'); return; }
  const stub = mkdtempSync(join(tmpdir(), 'convnets-notorch-'));
  mkdirSync(join(stub, 'torch'));
  writeFileSync(join(stub, 'torch', '__init__.py'), "raise ImportError(\"No module named 'torch'\")\n");
  const s = await runTorchPeer('info', [], 1, { python: py, env: { PYTHONPATH: stub } });
  t.match(s.error, /^PyTorch is not installed: No module named 'torch' \(.*; Debian: apt-get install -y python3-torch python3-torchvision libopenblas0-pthread\)/);
  t.ok(existsSync(torchScript()), 'the default script is bench/torch_peer.py');
});

t.test('our weights for the cross-check: one float file matching the name list; parameter counts are compared', async (t) => {
  const b = await initBackend('js');
  const built = await buildOn(b, 'plain4', 1, { inputSize: 12 });
  try {
    keepTorchWeights(built);
    const w = built.torchWeights!;
    t.ok(existsSync(w.weights) && existsSync(w.names));
    const r = await timeOurForward(b, built, { minSamples: 1, maxTime: 0 });
    const timing = { minSamples: 1, maxTime: 0 };
    const [ok] = await timePeers(['torch'], built, r.trace, r.output, 1, timing, traceMacs(r.trace), () => {}, viaFake('ok', { FAKE_TORCH_PARAMS: String(built.params) }));
    t.equal(ok.runtime, 'torch-1t');
    t.equal(ok.error, undefined);
    t.equal(ok.maxRelDiff, 0);
    t.equal(ok.peakRssMB, 321.5);
    t.ok(ok.timing && ok.gflops! > 0);
    const [bad] = await timePeers(['torch'], built, r.trace, r.output, 2, timing, 1, () => {}, viaFake('params'));
    t.equal(bad.runtime, 'torch-2t');
    t.match(bad.error, /torchvision's plain4 has 1 parameters, ours \d+: not the same network/);
    t.equal(bad.timing, undefined);
    const dir = w.dir;
    built.dispose();
    t.notOk(existsSync(dir), 'the weights folder goes with the model');
  } finally { built.dispose(); }
});

t.test('default job: the twin must have our parameter count; images/s is the ratio', async (t) => {
  const ok = await defaultJobSuite([], { threads: [1, 2], torch: true, steps: 8, warmup: 2, torchOptions: viaFake() });
  t.same(ok.map((r) => r.runtime), ['torch-1t', 'torch-2t']);
  t.equal(ok[0].imagesPerSecond, 3200);
  t.same(ok[1].timing!.median, 20);
  t.equal(ok[0].error, undefined);
  const bad = await defaultJobSuite([], { threads: [1], torch: true, steps: 8, torchOptions: viaFake('params') });
  t.match(bad[0].error, /the PyTorch twin has 1234 parameters, ours 77754/);
  t.equal(bad[0].imagesPerSecond, undefined);
});

const torchHere = (() => { try { execFileSync('/usr/bin/python3', ['-c', 'import torch, torchvision']); return true; } catch { return false; } })();
t.test('real PyTorch: torchvision models loaded with our weights compute our outputs', { skip: torchHere ? false : 'no torch in /usr/bin/python3' }, async (t) => {
  const b = await initBackend('js');
  for (const name of ['mobilenet_v2', 'resnet18']) {
    const built = await buildOn(b, name, 1, { inputSize: 32 });
    try {
      keepTorchWeights(built);
      const r = await timeOurForward(b, built, { minSamples: 1, maxTime: 0 }, false);
      const [p] = await timePeers(['torch'], built, r.trace, r.output, 1, { minSamples: 1, maxTime: 0, warmup: 0 }, traceMacs(r.trace));
      t.equal(p.error, undefined, `${name}: ${p.error}`);
      t.ok(p.maxRelDiff! < 1e-4, `${name}: max rel diff ${p.maxRelDiff}`);
      t.ok(p.peakRssMB! > 0);
    } finally { built.dispose(); }
  }
});
