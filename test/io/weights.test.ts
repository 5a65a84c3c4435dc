// The weights table (coverage of the registered models, consistency with the models and torchvision's
// transforms) and the cache + download path, against a local HTTP server on 127.0.0.1 only.
import t from 'tap';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { initBackend } from '../../src/ts/core/registry.js';
import { createModel, listModels } from '../../src/architectures/index.js';
import { cacheDirs, ensureWeights, getWeights, isWeightsName, listWeights, weightsPreprocess } from '../../src/ts/io/weights.js';
import type { CacheDirs, WeightsRecord } from '../../src/ts/io/weights.js';

await initBackend('js');
const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pth');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-weights-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Registered models torchvision has no ImageNet weights for: Keras' ResNet v2, MobileNet v1, and the
// compound-scaling 'efficientnet' entry (its b0..b7 have weights).
const NO_TORCHVISION_WEIGHTS = new Set(['efficientnet', 'mobilenet_v1', 'resnet50_v2', 'resnet101_v2', 'resnet152_v2', 'resnet_digits']);

t.test('every registered torchvision model has its published weights, consistent with the model', async (t) => {
  for (const name of listModels()) {
    const ws = listWeights(name);
    if (NO_TORCHVISION_WEIGHTS.has(name)) { t.equal(ws.length, 0, `${name}: none`); continue; }
    t.ok(ws.length >= 1, `${name}: ${ws.map((w) => w.name).join(', ')}`);
    t.equal(ws.filter((w) => w.default).length, 1, `${name}: one DEFAULT`);
    for (const w of ws) {
      t.match(w.file, new RegExp(`-${w.sha256}\\.pth$`), `${name} ${w.name}: hash prefix from the file name`);
      t.equal(w.url, `https://download.pytorch.org/models/${w.file}`);
      // torchvision's num_params counts Inception-v3's aux head; our inference build has none unless asked.
      const m = createModel(name, { init: 'none', ...(name === 'inception_v3' ? { aux: true } : {}) });
      let params = 0;
      for (const [, p] of m.namedParameters()) params += p.value.size;
      t.equal(params, w.params, `${name} ${w.name}: ${w.params} parameters, as torchvision publishes`);
    }
  }
  t.equal(listWeights().length, 42);
});

t.test('transforms and names follow torchvision', async (t) => {
  t.match(getWeights('resnet50', 'IMAGENET1K_V2'), { resize: 232, crop: 224, interpolation: 'bilinear', acc1: 80.858, acc5: 95.434, file: 'resnet50-11ad3fa6.pth' });
  t.match(getWeights('resnet50'), { name: 'IMAGENET1K_V2' }, 'DEFAULT is V2');
  t.match(getWeights('resnet50', 'imagenet1k_v1'), { resize: 256, crop: 224, acc1: 76.13 });
  t.match(getWeights('inception_v3'), { resize: 342, crop: 299, transformInput: true });
  t.match(getWeights('efficientnet_b3'), { resize: 320, crop: 300, interpolation: 'bicubic', file: 'efficientnet_b3_rwightman-b3899882.pth', aliases: ['efficientnet_b3_rwightman-cf984f9c.pth'] });
  t.match(getWeights('efficientnet_b1', 'IMAGENET1K_V2'), { resize: 255, crop: 240, interpolation: 'bilinear' });
  t.same(weightsPreprocess(getWeights('googlenet')).mean, [0.5, 0.5, 0.5], 'transform_input folded into the normalisation');
  t.same(weightsPreprocess(getWeights('resnet18')).mean, [0.485, 0.456, 0.406]);
  t.equal(getWeights('vgg16').categories().length, 1000);
  t.ok(isWeightsName('IMAGENET1K_V2') && isWeightsName('default') && !isWeightsName('resnet50.pth'));
  t.throws(() => getWeights('resnet18', 'IMAGENET1K_V2'), /no weights 'IMAGENET1K_V2' \(available: IMAGENET1K_V1, DEFAULT\)/);
  t.throws(() => getWeights('mobilenet_v1'), /no published ImageNet weights for model 'mobilenet_v1'/);
});

t.test('cache folders honour CONVNETS_HOME, TORCH_HOME and XDG_CACHE_HOME', async (t) => {
  t.same(cacheDirs({ CONVNETS_HOME: '/a', TORCH_HOME: '/b' }), { convnets: '/a/weights', torch: '/b/hub/checkpoints' });
  t.same(cacheDirs({ XDG_CACHE_HOME: '/c' }), { convnets: '/c/convnets/weights', torch: '/c/torch/hub/checkpoints' });
  t.equal(cacheDirs({}).torch, path.join(os.homedir(), '.cache', 'torch', 'hub', 'checkpoints'));
});

// ---- download against a local server ---------------------------------------------------------------

const payload = fs.readFileSync(path.join(FIX, 'squeezenet1_1_f16.pth'));
const prefix = crypto.createHash('sha256').update(payload).digest('hex').slice(0, 8);
const record = (sha256 = prefix): WeightsRecord => ({
  model: 'squeezenet1_1', name: 'IMAGENET1K_V1', default: true, file: `squeezenet1_1-${sha256}.pth`, sha256,
  resize: 256, crop: 224, interpolation: 'bilinear', acc1: 0, acc5: 0, params: 0, aliases: ['squeezenet1_1-old.pth'],
});

interface Seen { url: string; range?: string }
const seen: Seen[] = [];
let cutFirst = 0; // bytes sent before the connection is dropped, for the next request only
const server = http.createServer((req, res) => {
  seen.push({ url: req.url ?? '', range: req.headers.range });
  if (!req.url?.startsWith('/ok/')) { res.writeHead(404).end('no'); return; }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m ? Number(m[1]) : 0;
  const body = payload.subarray(start);
  const head: http.OutgoingHttpHeaders = { 'content-length': body.length };
  if (m) head['content-range'] = `bytes ${start}-${payload.length - 1}/${payload.length}`;
  res.writeHead(m ? 206 : 200, head);
  if (cutFirst) {
    const n = cutFirst; cutFirst = 0;
    res.write(body.subarray(0, n), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
t.teardown(() => new Promise<void>((r) => server.close(() => r())));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

let n = 0;
function freshDirs(): CacheDirs {
  const d = path.join(tmp, `c${n++}`);
  return { convnets: path.join(d, 'convnets'), torch: path.join(d, 'torch') };
}

t.test('download: success, atomic, then found in the cache without a request', async (t) => {
  const dirs = freshDirs(); seen.length = 0;
  const f = await ensureWeights(record(), { dirs, url: `${base}/ok/x.pth`, progress: false });
  t.equal(f, path.join(dirs.convnets, record().file));
  t.ok(Buffer.compare(fs.readFileSync(f), payload) === 0, 'bytes equal');
  t.notOk(fs.existsSync(`${f}.part`), 'no partial file left');
  t.equal(seen.length, 1);
  t.equal(await ensureWeights(record(), { dirs, url: `${base}/ok/x.pth` }), f);
  t.equal(seen.length, 1, 'second call: cache hit, no request');
});

t.test('download: a progress line on stderr when asked (a terminal)', async (t) => {
  const dirs = freshDirs();
  const writes: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string | Uint8Array) => { writes.push(String(c)); return true; }) as typeof process.stderr.write;
  try {
    await ensureWeights(record(), { dirs, url: `${base}/ok/x.pth`, progress: true });
  } finally {
    process.stderr.write = write;
  }
  t.ok(writes.some((w) => /\r\s+\d+% [\d.]+\/2\.5 MB\s+[\d.]+ MB\/s/.test(w)), `progress written (${JSON.stringify(writes.slice(0, 2))})`);
  t.equal(writes.at(-1), '\n', 'ends the line');
});

t.test('download: an interrupted transfer resumes with a Range request', async (t) => {
  const dirs = freshDirs(); seen.length = 0;
  cutFirst = 1_000_000;
  const f = await ensureWeights(record(), { dirs, url: `${base}/ok/x.pth`, progress: false });
  t.ok(Buffer.compare(fs.readFileSync(f), payload) === 0, 'complete and equal after resuming');
  t.equal(seen.length, 2);
  t.equal(seen[0].range, undefined);
  t.match(seen[1].range ?? '', /^bytes=\d+-$/, 'second request resumes');
  t.ok(Number(/\d+/.exec(seen[1].range ?? '')![0]) >= 1_000_000 - 65536, `resumed near the cut (${seen[1].range})`);
});

t.test('download: resumes across runs from the kept partial file', async (t) => {
  const dirs = freshDirs(); seen.length = 0;
  cutFirst = 700_000;
  await t.rejects(ensureWeights(record(), { dirs, url: `${base}/ok/x.pth`, progress: false, attempts: 1 }), /bytes kept in .*\.part; the next run resumes/);
  const part = path.join(dirs.convnets, `${record().file}.part`);
  t.ok(fs.statSync(part).size > 0, 'partial file kept');
  const f = await ensureWeights(record(), { dirs, url: `${base}/ok/x.pth`, progress: false });
  t.ok(Buffer.compare(fs.readFileSync(f), payload) === 0);
  t.match(seen[1].range ?? '', /^bytes=[1-9]\d*-$/);
});

t.test('download: wrong hash is discarded; 404 and no server are clear errors with what to do', async (t) => {
  const dirs = freshDirs();
  const bad = record('deadbeef');
  await t.rejects(ensureWeights(bad, { dirs, url: `${base}/ok/x.pth`, progress: false }), /SHA-256 [0-9a-f]{16}\.\.\. does not start with deadbeef; the file was discarded/);
  t.same(fs.readdirSync(dirs.convnets).filter((f) => !f.startsWith('.')), [], 'nothing left behind');
  await t.rejects(ensureWeights(record(), { dirs, url: `${base}/missing.pth`, progress: false }),
    new RegExp(`HTTP 404 \\(no such file on the server\\); download https://download.pytorch.org/models/${record().file} and put it at ${dirs.convnets}/${record().file}`));
  const closed = http.createServer(); await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as AddressInfo).port; await new Promise<void>((r) => closed.close(() => r()));
  await t.rejects(ensureWeights(record(), { dirs, url: `http://127.0.0.1:${port}/x.pth`, progress: false }),
    new RegExp(`ECONNREFUSED.*without a network: download .* and put it at ${dirs.convnets}/${record().file} \\(or ${dirs.torch}/${record().file}, torch's cache\\)`));
  await t.rejects(ensureWeights(record(), { dirs, download: false }), /not in the cache \(offline\): download/);
});

t.test('files torchvision downloaded are found in torch\'s cache, also under an old name; corrupt ones are named', async (t) => {
  const dirs = freshDirs(); seen.length = 0;
  fs.mkdirSync(dirs.torch, { recursive: true });
  fs.writeFileSync(path.join(dirs.torch, 'squeezenet1_1-old.pth'), payload);
  t.equal(await ensureWeights(record(), { dirs, download: false }), path.join(dirs.torch, 'squeezenet1_1-old.pth'));
  fs.writeFileSync(path.join(dirs.torch, record().file), payload.subarray(0, 1000));
  await t.rejects(ensureWeights(record(), { dirs, download: false }), new RegExp(`${record().file}: SHA-256 does not start with ${prefix} .*delete it`));
  t.equal(seen.length, 0, 'no network use');
  t.ok(ConvnetsError);
});
