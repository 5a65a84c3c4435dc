// Training checkpoints: a safetensors file of parameters, BN buffers and optimiser state, with the
// run's position (epoch, step, seed, curves) in its metadata. Loading treats the file as untrusted,
// as torch.load(weights_only=True) does: every metadata field is checked against a schema, every
// tensor against the model's shape and for finite values, before anything is copied into the model.
import { ConvnetsError } from '../core/backend.js';
import { boundMessage, describeValue, jsonDepth, safeText } from '../core/text.js';
import type { Tensor } from '../core/tensor.js';
import { readSafetensorsFile } from '../io/safetensors.js';
import type { DecodedTensor, SafetensorsEntry } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from './optim.js';

export const CHECKPOINT_FORMAT = 'convnets-checkpoint-1';

/** One epoch of the training curve, as fit() records it. */
export interface EpochRecord {
  epoch: number;
  step: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number | null;
  testAccuracy: number | null;
  /** Training seconds of this epoch (evaluation excluded). */
  seconds: number;
  imagesPerSecond: number;
  rssMB: number;
  backendAllocated: number;
}

export interface ResumeState { epoch: number; step: number; seed: number; history: EpochRecord[]; stepLosses: number[]; }

/** Upper bounds of the schema: far above any real run, low enough that arithmetic stays exact. */
const MAX_EPOCH = 10_000_000;
const MAX_STEP = 2 ** 48;
const MAX_SEED = 2 ** 32 - 1;

function bad(file: string, field: string, want: string, got: unknown): never {
  throw new ConvnetsError(boundMessage(`${safeText(file, 200)}: checkpoint metadata field '${field}' must be ${want}, got ${describeValue(got, 80)}`));
}

/** A decimal integer string in [min, max] (no sign, exponent, fraction or spaces). */
function intField(file: string, meta: Record<string, string>, field: string, min: number, max: number, required: boolean): number | undefined {
  const v = meta[field];
  if (v === undefined) {
    if (required) bad(file, field, `an integer in [${min}, ${max}]`, 'missing');
    return undefined;
  }
  if (!/^\d{1,16}$/.test(v) || Number(v) < min || Number(v) > max) bad(file, field, `an integer in [${min}, ${max}]`, v);
  return Number(v);
}

const RECORD_NUMBERS = ['epoch', 'step', 'lr', 'trainLoss', 'trainAccuracy', 'seconds', 'imagesPerSecond', 'rssMB', 'backendAllocated'] as const;

/** The curves field: JSON {history: EpochRecord[], stepLosses: number[]}, every entry checked. */
function parseCurves(file: string, text: string | undefined, step: number): { history: EpochRecord[]; stepLosses: number[] } {
  if (text === undefined) return { history: [], stepLosses: [] };
  let c: unknown;
  // Curves nest four levels ({history: [{...}]}): deeper text is refused before parsing.
  if (jsonDepth(text, 16) > 16) bad(file, 'curves', 'JSON nested at most 16 levels deep', 'deeper nesting');
  try { c = JSON.parse(text); } catch (e) { bad(file, 'curves', 'JSON', `invalid JSON (${safeText((e as Error).message, 100)})`); }
  if (c === null || typeof c !== 'object' || Array.isArray(c)) bad(file, 'curves', 'an object {history, stepLosses}', c);
  const { history = [], stepLosses = [] } = c as { history?: unknown; stepLosses?: unknown };
  if (!Array.isArray(stepLosses)) bad(file, 'curves.stepLosses', 'a list of finite numbers', stepLosses);
  if (stepLosses.length > step) bad(file, 'curves.stepLosses', `a list of at most 'step' (${step}) losses`, `${stepLosses.length} entries`);
  for (let i = 0; i < stepLosses.length; i++) {
    if (typeof stepLosses[i] !== 'number' || !Number.isFinite(stepLosses[i])) bad(file, `curves.stepLosses[${i}]`, 'a finite number', stepLosses[i]);
  }
  if (!Array.isArray(history)) bad(file, 'curves.history', 'a list of epoch records', history);
  for (let i = 0; i < history.length; i++) {
    const r = history[i] as Record<string, unknown>;
    const f = `curves.history[${i}]`;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) bad(file, f, 'an epoch record object', r);
    for (const k of RECORD_NUMBERS) if (typeof r[k] !== 'number') bad(file, `${f}.${k}`, 'a number', r[k]);
    for (const k of ['testLoss', 'testAccuracy']) if (r[k] !== null && typeof r[k] !== 'number') bad(file, `${f}.${k}`, 'a number or null', r[k]);
    if (!Number.isInteger(r.epoch) || (r.epoch as number) < 1) bad(file, `${f}.epoch`, 'a positive integer', r.epoch);
    if (!Number.isInteger(r.step) || (r.step as number) < 0 || (r.step as number) > step) bad(file, `${f}.step`, `an integer in [0, ${step}]`, r.step);
  }
  return { history: history as EpochRecord[], stepLosses: stepLosses as number[] };
}

export interface CheckpointMetadata {
  format: string; model?: string; epoch: number; step: number; seed: number; epochs?: number;
  optimizer: 'sgd' | 'adamw'; optimizerSteps: number; history: EpochRecord[]; stepLosses: number[];
}

/** Validates the metadata of a checkpoint against its schema; every error names the file and field. */
export function parseCheckpointMetadata(file: string, meta: Record<string, string>): CheckpointMetadata {
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new ConvnetsError(`${safeText(file, 200)}: not a convnets training checkpoint (metadata format ${meta.format === undefined ? 'missing' : `'${safeText(meta.format, 60)}'`}, expected '${CHECKPOINT_FORMAT}')`);
  }
  for (const k of ['model', 'backend', 'data']) if (meta[k] !== undefined && meta[k].length > 1000) bad(file, k, 'a name of at most 1000 characters', `${meta[k].length} characters`);
  const epoch = intField(file, meta, 'epoch', 0, MAX_EPOCH, true)!;
  const step = intField(file, meta, 'step', 0, MAX_STEP, true)!;
  const seed = intField(file, meta, 'seed', 0, MAX_SEED, true)!;
  const epochs = intField(file, meta, 'epochs', 1, MAX_EPOCH, false);
  const optimizerSteps = intField(file, meta, 'optimizerSteps', 0, MAX_STEP, false) ?? 0;
  if (meta.optimizer !== 'sgd' && meta.optimizer !== 'adamw') bad(file, 'optimizer', "'sgd' or 'adamw'", meta.optimizer ?? 'missing');
  if (meta.lr !== undefined && !(Number(meta.lr) >= 0 && Number.isFinite(Number(meta.lr)) && meta.lr.trim() !== '')) bad(file, 'lr', 'a non-negative number', meta.lr);
  const { history, stepLosses } = parseCurves(file, meta.curves, step);
  return { format: meta.format, model: meta.model, epoch, step, seed, epochs, optimizer: meta.optimizer, optimizerSteps, history, stepLosses };
}

/** The tensors a checkpoint holds for a model and its optimiser. */
export function checkpointEntries(model: Module, opt: Optimizer): SafetensorsEntry[] {
  const entries: SafetensorsEntry[] = [];
  for (const [name, p] of model.namedParameters()) entries.push({ name, shape: [...p.value.shape], data: p.value.toFloat32() });
  for (const [name, b] of model.namedBuffers()) entries.push({ name, shape: [...b.shape], data: b.toFloat32() });
  for (const [name, t] of opt.namedState()) entries.push({ name, shape: [...t.shape], data: t.toFloat32() });
  return entries;
}

/** Index of the first non-finite value, or -1. */
function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Throws unless `e` exists, has exactly `shape`, and holds only finite values. */
function checkTensor(file: string, name: string, e: DecodedTensor | undefined, shape: readonly number[], what: string, model: string | undefined): DecodedTensor {
  const f = safeText(file, 200), n = safeText(name, 100);
  if (!e) throw new ConvnetsError(`${f}: ${what} '${n}' is missing (checkpoint of model '${safeText(model ?? '?', 60)}'${what === 'tensor' ? '' : ', or of another optimizer'})`);
  if (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) {
    throw new ConvnetsError(`${f}: ${what} '${n}' has shape [${e.shape.join(', ')}], the model expects [${shape.join(', ')}]`);
  }
  const bad = firstNonFinite(e.data);
  if (bad >= 0) {
    throw new ConvnetsError(`${f}: ${what} '${n}' holds a non-finite value (${e.data[bad]} at element ${bad}): the run that wrote this checkpoint had diverged; resume from an earlier checkpoint or start again`);
  }
  return e;
}

/**
 * Loads model tensors (and optimiser state) from a checkpoint. Everything is checked first (metadata
 * schema, every tensor present with its exact shape and finite), and only then copied, so a refused
 * checkpoint leaves the model as it was.
 */
export function loadCheckpoint(file: string, model: Module, opt?: Optimizer): ResumeState & { metadata: Record<string, string> } {
  const { tensors, metadata } = readSafetensorsFile(file);
  const meta = parseCheckpointMetadata(file, metadata);
  const writes: [Tensor, Float32Array][] = [];
  for (const [name, p] of model.namedParameters()) writes.push([p.value, checkTensor(file, name, tensors.get(name), p.value.shape, 'tensor', meta.model).data]);
  for (const [name, b] of model.namedBuffers()) writes.push([b, checkTensor(file, name, tensors.get(name), b.shape, 'tensor', meta.model).data]);
  if (opt) {
    if (meta.optimizer !== opt.kind) {
      throw new ConvnetsError(`${safeText(file, 200)}: saved with optimizer '${meta.optimizer}', cannot resume with '${opt.kind}'`);
    }
    for (const [name, t] of opt.namedState()) checkTensor(file, name, tensors.get(name), t.shape, 'optimizer state', meta.model);
  }
  for (const [t, d] of writes) t.set(d);
  if (opt) {
    opt.loadState((n) => tensors.get(n), file);
    opt.stepCount = meta.optimizerSteps;
  }
  return { epoch: meta.epoch, step: meta.step, seed: meta.seed, history: meta.history, stepLosses: meta.stepLosses, metadata };
}
