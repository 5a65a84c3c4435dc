// Issue 15 regressions for checkpoint loading: every metadata field schema-checked with the file and
// field named (item 4), optimizer state checked by shape, not element count (item 5), a NaN
// checkpoint refused with the real reason (item 6), and a refused checkpoint leaves the model as it was.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { setBackend } from '../../src/ts/core/registry.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../src/ts/io/safetensors.js';
import type { SafetensorsEntry } from '../../src/ts/io/safetensors.js';
import * as nn from '../../src/ts/nn/index.js';
import { createOptimizer } from '../../src/ts/train/optim.js';
import { fit, loadCheckpoint } from '../../src/ts/train/trainer.js';
import { quadrantSplit, tinyNet } from './fixtures.js';

setBackend(new JsBackend());
const dir = mkdtempSync(join(tmpdir(), 'convnets-ckval-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const data = quadrantSplit();
const base = { epochs: 1, batchSize: 16, lr: 0.02, progress: 'none' as const, seed: 5 };

// One real checkpoint, then variants of it.
const good = join(dir, 'good.safetensors');
await fit(tinyNet(), data, { ...base, checkpoint: good });
const orig = readSafetensorsFile(good);
const entries = (): SafetensorsEntry[] => [...orig.tensors].map(([name, e]) => ({ name, shape: [...e.shape], data: e.data.slice() }));

function variant(name: string, meta: Record<string, string | undefined>, edit?: (es: SafetensorsEntry[]) => void): string {
  const es = entries();
  edit?.(es);
  const m: Record<string, string> = { ...orig.metadata };
  for (const [k, v] of Object.entries(meta)) { if (v === undefined) delete m[k]; else m[k] = v; }
  const f = join(dir, `${name}.safetensors`);
  writeSafetensorsFile(f, es, m);
  return f;
}

async function resumeError(f: string): Promise<string> {
  let steps = 0;
  try {
    await fit(tinyNet(), data, { ...base, epochs: 5, resume: f, onStep: () => { steps++; } });
  } catch (e) {
    if (!(e instanceof ConvnetsError)) throw e;
    if (steps !== 0) throw new Error(`trained ${steps} steps before refusing`);
    return e.message;
  }
  throw new Error(`${f}: resumed (${steps} steps)`);
}

t.test('item 4: metadata fields are schema-checked; errors name the file and the field', async (t) => {
  const cases: [string, Record<string, string | undefined>, RegExp][] = [
    ['epoch-abc', { epoch: 'abc' }, /epoch-abc\.safetensors: checkpoint metadata field 'epoch' must be an integer in \[0, 10000000\], got "abc"/],
    ['epoch-neg', { epoch: '-3' }, /epoch-neg\.safetensors: checkpoint metadata field 'epoch' must be an integer .*got "-3"/],
    ['epoch-half', { epoch: '0.5' }, /field 'epoch' must be an integer .*got "0\.5"/],
    ['epoch-missing', { epoch: undefined }, /field 'epoch' must be an integer .*got "missing"/],
    ['step-neg', { step: '-50' }, /step-neg\.safetensors: checkpoint metadata field 'step' must be an integer .*got "-50"/],
    ['step-abc', { step: 'abc' }, /step-abc\.safetensors: checkpoint metadata field 'step' must be an integer .*got "abc"/],
    ['seed-big', { seed: '4294967296' }, /field 'seed' must be an integer in \[0, 4294967295\], got "4294967296"/],
    ['steps-abc', { optimizerSteps: '1e3' }, /field 'optimizerSteps' must be an integer .*got "1e3"/],
    ['opt-bad', { optimizer: 'lamb' }, /field 'optimizer' must be 'sgd' or 'adamw', got "lamb"/],
    ['curves-x', { curves: '{"stepLosses": "x"}' }, /curves-x\.safetensors: checkpoint metadata field 'curves\.stepLosses' must be a list of finite numbers, got "x"/],
    ['curves-nan', { curves: '{"stepLosses": [1, null]}' }, /field 'curves\.stepLosses\[1\]' must be a finite number, got null/],
    ['curves-json', { curves: '{"stepLosses": [' }, /field 'curves' must be JSON/],
    ['curves-hist', { curves: '{"history": [{"epoch": "1"}]}' }, /field 'curves\.history\[0\]\.epoch' must be a number, got "1"/],
    ['format', { format: 'pt' }, /format\.safetensors: not a convnets training checkpoint \(metadata format 'pt'/],
  ];
  for (const [name, meta, re] of cases) {
    const f = variant(name, meta);
    t.throws(() => loadCheckpoint(f, tinyNet()), re, `${name}: loadCheckpoint`);
    t.match(await resumeError(f), re, `${name}: resume refused before training`);
  }
});

t.test('item 5: optimizer state is checked by shape, not element count', async (t) => {
  const f = variant('transposed', {}, (es) => {
    const e = es.find((x) => x.name === 'optim.0.weight.exp_avg')!; // conv filter [4, 3, 3, 1]
    e.shape = [1, 3, 3, 4];
  });
  t.match(await resumeError(f), /transposed\.safetensors: optimizer state 'optim\.0\.weight\.exp_avg' has shape \[1, 3, 3, 4\], the model expects \[4, 3, 3, 1\]/);
  // Optimizer.loadState checks shapes on its own too (for API callers).
  const m = tinyNet();
  const opt = createOptimizer('adamw', m, { lr: 0.01 });
  const state = new Map(entries().map((e) => [e.name, e]));
  state.get('optim.0.weight.exp_avg')!.shape = [1, 3, 3, 4];
  t.throws(() => opt.loadState((n) => state.get(n), 'api'), /api: optimizer state 'optim\.0\.weight\.exp_avg' has shape \[1, 3, 3, 4\], expected \[4, 3, 3, 1\]/);
  opt.dispose();
});

t.test('item 6: a NaN checkpoint is refused as diverged, not blamed on the learning rate', async (t) => {
  for (const [name, which] of [['nan-param', '0.weight'], ['nan-buffer', '1.running_var'], ['inf-state', 'optim.5.weight.exp_avg_sq']] as const) {
    const f = variant(name, {}, (es) => { es.find((x) => x.name === which)!.data[1] = name.startsWith('inf') ? Infinity : NaN; });
    const m = await resumeError(f);
    t.match(m, new RegExp(`${name}\\.safetensors: .*'${which.replace(/\./g, '\\.')}' holds a non-finite value .*the run that wrote this checkpoint had diverged`), name);
    t.notMatch(m, /lr|learning rate/, `${name}: not blamed on the learning rate`);
  }
});

t.test('a refused checkpoint leaves the model untouched', async (t) => {
  const m = tinyNet();
  const before = [...m.namedParameters()].map(([, p]) => p.value.toFloat32());
  const f = variant('late-nan', {}, (es) => { es.find((x) => x.name === '5.bias')!.data[0] = NaN; });
  t.throws(() => loadCheckpoint(f, m));
  t.same([...m.namedParameters()].map(([, p]) => p.value.toFloat32()), before, 'no parameter was overwritten');
  m.dispose();
});

t.test('the good checkpoint still resumes', async (t) => {
  const r = await fit(tinyNet(), data, { ...base, epochs: 2, resume: good });
  t.equal(r.epochs, 2);
  t.ok(Number.isFinite(r.testLoss));
  void nn;
});
