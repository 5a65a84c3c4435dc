// Fuzz target: training checkpoints. A real checkpoint of a tiny net (parameters, BN buffers, AdamW
// state, metadata as fit() writes it), then mutations of the metadata fields (schema types, ranges,
// curves structure), of the tensors (missing, transposed shapes, NaN/Inf, other dtypes) and of bytes.
// loadCheckpoint must refuse with a ConvnetsError or return a position that is in range.
import { JsBackend } from '../../../src/ts/backends/js/index.js';
import type { Rng } from '../../../src/ts/core/random.js';
import { setBackend } from '../../../src/ts/core/registry.js';
import { encodeSafetensors } from '../../../src/ts/io/safetensors.js';
import type { SafetensorsEntry } from '../../../src/ts/io/safetensors.js';
import type { Module } from '../../../src/ts/nn/module.js';
import * as nn from '../../../src/ts/nn/index.js';
import { CHECKPOINT_FORMAT, checkpointEntries, loadCheckpoint } from '../../../src/ts/train/checkpoint.js';
import { createOptimizer } from '../../../src/ts/train/optim.js';
import type { Optimizer } from '../../../src/ts/train/optim.js';
import { deepText, isObject, mutateBytes, pick, weirdValue, writeCase } from '../harness.js';
import type { FuzzTarget } from '../harness.js';

let model: Module, opt: Optimizer, entries: SafetensorsEntry[];

function validMeta(rng: Rng): Record<string, string> {
  const step = rng.int(50);
  const epoch = rng.int(5);
  const history = Array.from({ length: Math.min(epoch, 3) }, (_, i) => ({
    epoch: i + 1, step: Math.min(step, (i + 1) * 4), lr: 0.01, trainLoss: 1, trainAccuracy: 0.5, testLoss: rng.int(2) ? null : 1,
    testAccuracy: 0.5, seconds: 1, imagesPerSecond: 10, rssMB: 100, backendAllocated: 0,
  }));
  return {
    format: CHECKPOINT_FORMAT, model: 'tiny', epoch: String(epoch), step: String(step), seed: String(rng.int(2 ** 31)),
    epochs: String(5), optimizer: 'adamw', optimizerSteps: String(step), lr: '0.003', backend: 'js', data: 'fuzz',
    curves: JSON.stringify({ history, stepLosses: Array.from({ length: step }, () => rng.uniform() * 2) }),
  };
}

const FIELD_VALUES = ['abc', '-3', '0.5', '1e3', ' 2', '', '4294967296', '4294967295', '99999999999999999999', '0', '7', 'NaN', '\u001b[2J', 'sgd', 'adamw', 'lamb'];

function mutateMeta(rng: Rng, m: Record<string, string>): void {
  const field = pick(rng, ['format', 'model', 'epoch', 'step', 'seed', 'epochs', 'optimizer', 'optimizerSteps', 'lr', 'curves', 'curves', 'curves']);
  if (field !== 'curves') {
    if (rng.int(8) === 0) delete m[field];
    else m[field] = rng.int(3) ? pick(rng, FIELD_VALUES) : String(weirdValue(rng, 100)).slice(0, 100000);
    return;
  }
  let c: Record<string, unknown>;
  try { c = JSON.parse(m.curves); } catch { c = {}; }
  if (!isObject(c) || Array.isArray(c)) c = {};
  switch (rng.int(6)) {
    case 0: c.stepLosses = weirdValue(rng); break;
    case 1: c.history = weirdValue(rng); break;
    case 2: if (Array.isArray(c.history) && isObject(c.history[0])) (c.history[0] as Record<string, unknown>)[pick(rng, ['epoch', 'step', 'testLoss', 'lr', 'rssMB'])] = weirdValue(rng, 100); else c.history = [weirdValue(rng, 100)]; break;
    case 3: if (Array.isArray(c.stepLosses)) (c.stepLosses as unknown[]).push(pick(rng, ['x', null, 1e400, -1, {}])); break;
    case 4: m.curves = m.curves.slice(0, rng.int(m.curves.length + 1)); return;
    default: m.curves = rng.int(4) ? JSON.stringify(weirdValue(rng, 200)) : `{"stepLosses":${deepText(1 + rng.int(100000))}}`; return;
  }
  try { m.curves = JSON.stringify(c); } catch { m.curves = `{"history":${deepText(5000)}}`; } // too deep for JSON.stringify itself
}

function mutateTensors(rng: Rng, es: SafetensorsEntry[]): SafetensorsEntry[] {
  const out = es.map((e) => ({ ...e, shape: [...e.shape], data: e.data.slice() }));
  const i = rng.int(out.length);
  switch (rng.int(5)) {
    case 0: out.splice(i, 1); break;
    case 1: out[i].shape.reverse(); break; // same element count, other shape
    case 2: if (out[i].data.length) out[i].data[rng.int(out[i].data.length)] = pick(rng, [NaN, Infinity, -Infinity]); break;
    case 3: out[i].shape = [out[i].data.length]; break;
    default: out[i] = { ...out[i], name: out[i].name + pick(rng, ['x', '\u001b[0m', '.0']) };
  }
  return out;
}

export const checkpointTarget: FuzzTarget = {
  name: 'checkpoint',
  setup() {
    setBackend(new JsBackend());
    nn.manualSeed(1);
    model = new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(64, 3));
    opt = createOptimizer('adamw', model, { lr: 0.01 });
    entries = checkpointEntries(model, opt);
  },
  make(rng, dir) {
    const meta = validMeta(rng);
    const kind = rng.int(4);
    for (let k = 0, n = kind === 0 ? 0 : 1 + rng.int(2); k < n; k++) mutateMeta(rng, meta);
    const es = kind === 1 ? mutateTensors(rng, entries) : entries;
    let bytes = encodeSafetensors(es, meta);
    if (kind === 2) bytes = mutateBytes(rng, bytes);
    const file = writeCase(dir, bytes, '.safetensors');
    return { label: ['metadata', 'tensors', 'bytes', 'metadata+'][kind], run: () => loadCheckpoint(file, model, opt) };
  },
  check(r) {
    const s = r as ReturnType<typeof loadCheckpoint>;
    for (const k of ['epoch', 'step', 'seed'] as const) if (!Number.isSafeInteger(s[k]) || s[k] < 0) return `${k} = ${s[k]}`;
    if (s.seed > 0xffffffff) return `seed ${s.seed} out of uint32 range`;
    if (!Array.isArray(s.history) || !Array.isArray(s.stepLosses)) return 'curves not lists';
    if (s.stepLosses.some((v) => typeof v !== 'number' || !Number.isFinite(v))) return 'non-finite step loss accepted';
    if (!Number.isSafeInteger(opt.stepCount) || opt.stepCount < 0) return `optimizer step count ${opt.stepCount}`;
    return null;
  },
};
