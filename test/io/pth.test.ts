// PyTorch checkpoints read directly: real torch.save files (scripts/make-pth-fixtures.py, torch 1.13 /
// torchvision 0.14) reproduce torchvision's outputs; hostile archives and pickles are refused with a
// clear error and bounded memory.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { Rng } from '../../src/ts/core/random.js';
import { Tensor } from '../../src/ts/core/tensor.js';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../src/ts/nn/index.js';
import type { Module } from '../../src/ts/nn/module.js';
import { createModel } from '../../src/architectures/index.js';
import { readSafetensorsFile } from '../../src/ts/io/safetensors.js';
import { readPthFile, readWeightsFile } from '../../src/ts/io/pth.js';
import { unpickle } from '../../src/ts/io/pickle.js';
import { loadWeightsFile } from '../../src/ts/io/torchvision.js';
import { Pickle, makeZip, pthArchive } from './pth-util.js';

await initBackend('js');
const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pth');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-pth-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The custom net of the fixture script, with the same names. */
function tiny(): Sequential {
  return Sequential.named([
    ['features', Sequential.named([
      ['0', new Conv2d(3, 8, 3, { stride: 2, padding: 1 })], ['1', new BatchNorm2d(8)], ['2', new ReLU()],
      ['3', new Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false })], ['4', new BatchNorm2d(8)], ['5', new ReLU()],
      ['6', new MaxPool2d(2)],
    ])],
    ['flatten', new Flatten()],
    ['classifier', new Linear(8 * 4 * 4, 5)],
  ]);
}

function nchwToNhwc(d: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(d.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    out[((b * h + y) * w + x) * c + ch] = d[((b * c + ch) * h + y) * w + x];
  }
  return out;
}

/** Runs `model` (weights from `<name>.pth`) on the fixture input; returns the worst error relative to max |torchvision|. */
function compare(name: string, model: Module): { rel: number; ours: Float32Array; ref: Float32Array } {
  const rep = loadWeightsFile(model, path.join(FIX, `${name}.pth`));
  if (rep.missing.length || rep.unexpected.length) throw new Error(`unclean load: ${rep.missing} / ${rep.unexpected}`);
  const exp = readSafetensorsFile(path.join(FIX, `${name}.expected.safetensors`)).tensors;
  const input = exp.get('input')!; const ref = exp.get('output')!.data;
  const [n, c, h, w] = input.shape;
  const x = Tensor.from(nchwToNhwc(input.data, input.shape), [n, h, w, c]);
  const ours = model.eval().forward(x, { training: false }).toFloat32();
  let scale = 0; let err = 0;
  for (let i = 0; i < ref.length; i++) { scale = Math.max(scale, Math.abs(ref[i])); err = Math.max(err, Math.abs(ours[i] - ref[i])); }
  return { rel: err / scale, ours, ref };
}

t.test('real torch.save files reproduce torchvision (relative error <= 1e-5)', async (t) => {
  // float16 files are compared with torchvision run in float32 on the same float16-rounded weights
  // (the fixture script does model.half() -> save -> model.float()): float16 -> float32 is exact, so the
  // float32 tolerance applies unchanged.
  for (const [name, build] of [
    ['tiny', tiny], ['tiny_f16', tiny], ['tiny_legacy', tiny],
    ['squeezenet1_1_f16', () => createModel('squeezenet1_1')],
    ['mobilenet_v3_small_w05_c10_f16', () => createModel('mobilenet_v3_small', { numClasses: 10, width: 0.5 })],
  ] as [string, () => Module][]) {
    const { rel, ours, ref } = compare(name, build());
    t.ok(rel <= 1e-5, `${name}: max error / max |output| = ${rel.toExponential(2)}`);
    t.equal(ours.length, ref.length, `${name}: output size`);
  }
});

t.test('file kinds: zip, legacy and safetensors through one entry point', async (t) => {
  t.equal(readWeightsFile(path.join(FIX, 'tiny.pth')).format, 'pth-zip');
  t.equal(readWeightsFile(path.join(FIX, 'tiny_legacy.pth')).format, 'pth-legacy');
  t.equal(readWeightsFile(path.join(FIX, 'tiny.expected.safetensors')).format, 'safetensors');
  const a = readPthFile(path.join(FIX, 'tiny.pth')).tensors; const b = readPthFile(path.join(FIX, 'tiny_legacy.pth')).tensors;
  t.same([...a.keys()], [...b.keys()], 'same names in both formats');
  t.same(Array.from(a.get('classifier.weight')!.data), Array.from(b.get('classifier.weight')!.data), 'same values in both formats');
  t.equal(a.get('features.1.num_batches_tracked')!.dtype, 'I64');
});

t.test('views, strides, float16, bfloat16 and integers decode exactly', async (t) => {
  const got = readPthFile(path.join(FIX, 'views.pth')).tensors;
  const want = readSafetensorsFile(path.join(FIX, 'views.expected.safetensors')).tensors;
  for (const [k, w] of want) {
    const g = got.get(k)!;
    t.same(g.shape, w.shape, `${k}: shape`);
    t.same(Array.from(g.data), Array.from(w.data), `${k}: values`);
  }
  t.same(['transposed', 'strided', 'half', 'bfloat', 'long', 'int32'].map((k) => got.get(k)!.dtype), ['F32', 'F32', 'F16', 'BF16', 'I64', 'I32']);
});

t.test('torch < 0.4 tensors (_rebuild_tensor, 4 arguments) decode too', async (t) => {
  const p = new Pickle().emptyDict().str('w').global('torch._utils', '_rebuild_tensor').mark();
  p.mark().str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(6).tuple().op(0x51);
  p.int(1).ints([2, 2]).ints([1, 2]).tuple().reduce().setitem().stop();
  const f = path.join(dir, 'v1.pth');
  fs.writeFileSync(f, pthArchive(p.bytes(), { 0: new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer) }));
  const w = readPthFile(f).tensors.get('w')!;
  t.same(Array.from(w.data), [1, 3, 2, 4], 'offset 1, transposed strides');
});

t.test('code-running pickles are refused by name, nothing runs', async (t) => {
  const marker = path.join(dir, 'pwned');
  // A real torch.save whose pickle has a __reduce__ payload (posix.system).
  t.throws(() => readPthFile(path.join(FIX, 'evil-reduce.pth')), /refusing global 'posix\.system'/);
  const cases: [string, Pickle, RegExp][] = [
    ['GLOBAL builtins.eval', new Pickle().global('builtins', 'eval').mark().str(`open('${marker}','w')`).tuple().reduce().stop(), /refusing global 'builtins\.eval'/],
    ['STACK_GLOBAL os.system', new Pickle().str('os').str('system').op(0x93).mark().str(`touch ${marker}`).tuple().reduce().stop(), /refusing global 'os\.system'/],
    ['NEWOBJ', new Pickle().global('collections', 'OrderedDict').emptyTuple().op(0x81).stop(), /NEWOBJ .* not allowed/],
    ['INST', new Pickle().mark().op(0x69, ...new TextEncoder().encode('os\nsystem\n')).stop(), /INST .* not allowed/],
    ['calling a storage class', new Pickle().global('torch', 'FloatStorage').emptyTuple().reduce().stop(), /type marker and cannot be called/],
    ['BUILD on a tensor', new Pickle().emptyDict().str('w').tensor('0', 4, 0, [4], [1]).emptyDict().op(0x62).setitem().stop(), /BUILD on tensor/],
  ];
  for (const [what, p, re] of cases) {
    const f = path.join(dir, 'evil.pth');
    fs.writeFileSync(f, pthArchive(p.bytes(), { 0: new Uint8Array(16) }));
    t.throws(() => readPthFile(f), re, what);
    t.throws(() => readPthFile(f), ConvnetsError);
  }
  t.notOk(fs.existsSync(marker), 'no payload ran');
});

t.test('forged sizes, truncation and bombs: clear errors, bounded memory', async (t) => {
  const rss0 = process.memoryUsage().rss;
  const f = path.join(dir, 'bad.pth');
  const sd = (key: string, numel: number, offset: number, shape: number[], stride: number[]): Uint8Array =>
    new Pickle().emptyDict().str('w').tensor(key, numel, offset, shape, stride).setitem().stop().bytes();
  const check = (bytes: Uint8Array, re: RegExp, what: string): void => {
    fs.writeFileSync(f, bytes);
    t.throws(() => readPthFile(f), re, what);
  };
  check(pthArchive(sd('0', 1e15, 0, [1e7, 1e8], [1e8, 1]), { 0: new Uint8Array(64) }), /declares 1000000000000000 F32 elements but holds 16/, 'storage numel 1e15');
  check(pthArchive(sd('0', 16, 0, [1e9, 1e9], [1e9, 1]), { 0: new Uint8Array(64) }), /size \[1000000000, 1000000000\] overflows/, 'absurd tensor size');
  check(pthArchive(sd('0', 16, 0, [100], [1]), { 0: new Uint8Array(64) }), /reach element 99, past the 16 of storage 0/, 'tensor larger than its storage');
  check(pthArchive(sd('0', 16, 10, [4], [2]), { 0: new Uint8Array(64) }), /reach element 16, past the 16/, 'strided view past the end');
  check(pthArchive(sd('0', 16, 0, new Array(40).fill(1), new Array(40).fill(1)), { 0: new Uint8Array(64) }), /40 dimensions/, 'absurd rank');
  check(pthArchive(sd('7', 16, 0, [4], [1]), { 0: new Uint8Array(64) }), /storage 7, which the file does not contain/, 'missing storage');
  check(pthArchive(new Pickle().op(0x58, 0xff, 0xff, 0xff, 0x7f).stop().bytes(), {}), /BINUNICODE of 2147483647 bytes .* runs past the end/, 'string length past the end');
  check(pthArchive(new Pickle().op(0x8b, 0, 0, 0, 1).stop().bytes(), {}), /LONG4 of 16777216 bytes/, 'huge LONG4');
  // Deep nesting: a million MARKs, and a 900,000-deep list built through the memo with a flat stack.
  check(pthArchive(new Pickle().repeat(0x28, 1_000_000).stop().bytes(), {}), /MARKs nested deeper than 10000/, 'deep MARKs');
  const deep = new Pickle().op(0x5d, 0x72, 0, 0, 0, 0); // [] memo 0
  for (let i = 1; i <= 900_000; i++) deep.op(0x5d, 0x72, ...new Uint8Array(new Uint32Array([i]).buffer), 0x61, 0x30, 0x6a, ...new Uint8Array(new Uint32Array([i]).buffer));
  deep.op(0x30, 0x6a, 0, 0, 0, 0).stop();
  check(pthArchive(deep.bytes(), {}), /holds list\(1\), not a state dict/, '900,000-deep list');
  // A hostile tensor name (escape sequences, 100k characters) stays out of the message.
  fs.writeFileSync(f, pthArchive(new Pickle().emptyDict().str(`\x1b[31m${'x'.repeat(100_000)}`).tensor('9', 4, 0, [4], [1]).setitem().stop().bytes(), {}));
  try { readPthFile(f); t.fail('accepted'); } catch (e) {
    const msg = (e as Error).message;
    t.ok(msg.length < 500 && !msg.includes('\x1b'), `bounded, printable message (${msg.length} characters)`);
  }
  // Truncations of a real file at every tenth of its length.
  const real = fs.readFileSync(path.join(FIX, 'squeezenet1_1_f16.pth'));
  for (let k = 1; k < 10; k++) check(real.subarray(0, Math.floor((real.length * k) / 10)), /zip .*(end-of-central-directory|truncated|runs past)/, `truncated at ${k}/10`);
  // Zip bombs: a forged size beyond deflate's ratio; a small declared size over a large real stream;
  // a data.pkl over its limit.
  const zeros = new Uint8Array((64 << 20) + 4096);
  check(pthArchive(sd('0', 2 ** 28, 0, [2 ** 28], [1]), { 0: zeros.subarray(0, 1 << 20) }, { deflate: true, declared: { 0: 2 ** 30 } }),
    /a ratio deflate cannot reach/, 'forged inflated size');
  check(pthArchive(sd('0', 16, 0, [16], [1]), { 0: zeros }, { deflate: true, declared: { 0: 64 } }), /exceeded its declared 64 bytes/, 'stream longer than declared');
  check(makeZip([{ name: 'archive/data.pkl', data: zeros, deflate: true }]), /over the 67108864-byte limit/, 'data.pkl bomb');
  check(makeZip([{ name: 'a/data.pkl', data: new Uint8Array(8) }, { name: 'b/data.pkl', data: new Uint8Array(8) }]), /expected one <name>\/data\.pkl/, 'two roots');
  check(new TextEncoder().encode('not a checkpoint at all, just text'), /neither a torch.save zip archive/, 'not a checkpoint');
  const grew = (process.memoryUsage().rss - rss0) / 2 ** 20;
  t.ok(grew < 600, `RSS grew ${grew.toFixed(0)} MB over all hostile cases (bound 600 MB; the 1 GiB / 1e15-element claims never allocated)`);
});

t.test('special files and non-files are refused before reading', async (t) => {
  t.throws(() => readWeightsFile('/dev/zero'), /not a regular file/);
  t.throws(() => readWeightsFile(dir), /not a regular file/);
  t.throws(() => readWeightsFile(path.join(dir, 'absent.pth')), /cannot open \(ENOENT\)/);
  const fifo = path.join(dir, 'fifo.pth');
  try { execFileSync('mkfifo', [fifo]); } catch { t.comment('no mkfifo here: FIFO case skipped'); return; }
  t.throws(() => readWeightsFile(fifo), /not a regular file/, 'a FIFO is refused without blocking');
});

t.test('the unpickler limits are enforced (memo, stack)', async (t) => {
  const memo = new Pickle().op(0x4e); for (let i = 0; i < 20; i++) memo.op(0x71, i);
  t.throws(() => unpickle(memo.stop().bytes(), { source: 't', maxMemo: 10 }), /memo exceeds 10 entries/);
  const stack = new Pickle(); for (let i = 0; i < 20; i++) stack.op(0x4e);
  t.throws(() => unpickle(stack.stop().bytes(), { source: 't', maxStack: 10 }), /stack exceeds 10 entries/);
  t.throws(() => unpickle(new Pickle().op(0x30).stop().bytes(), { source: 't' }), /stack underflow/);
});

t.test('seeded mutations of real files: a valid result or a ConvnetsError, nothing else', async (t) => {
  const rng = new Rng(16);
  const f = path.join(dir, 'mut.pth');
  let ok = 0; let refused = 0;
  const reasons = new Set<string>();
  for (const name of ['tiny.pth', 'tiny_legacy.pth', 'views.pth']) {
    const orig = fs.readFileSync(path.join(FIX, name));
    for (let i = 0; i < 150; i++) {
      const b = new Uint8Array(orig);
      // 1-8 random byte edits (half of them inside the pickle region, where structure lives), sometimes a cut.
      const edits = 1 + rng.int(8);
      for (let e = 0; e < edits; e++) b[rng.int(rng.int(2) ? Math.min(b.length, 2048) : b.length)] = rng.int(256);
      const bytes = rng.int(5) === 0 ? b.subarray(0, rng.int(b.length)) : b;
      fs.writeFileSync(f, bytes);
      try {
        readWeightsFile(f); ok++;
      } catch (e) {
        if (!(e instanceof ConvnetsError)) { t.fail(`${name} mutation ${i}: ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`); continue; }
        t.ok((e as Error).message.length < 2000, 'bounded message');
        reasons.add((e as Error).message.replace(/^.*?: /, '').replace(/\d+/g, 'N').slice(0, 40));
        refused++;
      }
    }
  }
  t.equal(ok + refused, 450);
  t.comment(`${ok} decoded, ${refused} refused, ${reasons.size} distinct reasons`);
});
