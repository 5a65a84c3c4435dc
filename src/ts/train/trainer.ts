// fit(): the training loop. One step = forward (training mode), softmax cross-entropy (+ auxiliary
// classifier losses), backward, optional global-norm clipping, optimiser kernel update. Evaluation
// after every epoch; an atomic safetensors checkpoint (parameters, BN buffers, optimiser state,
// epoch/step/seed/curves in metadata) after every epoch; metrics as CSV + JSON.
//
// Reproducibility: every random choice derives from `seed`: data order and augmentation from
// (seed, epoch), dropout from (seed, global step); so the same seed + backend + threads gives the same
// curve, and a run resumed from an epoch checkpoint continues exactly as if it had not stopped.
import { SingleBar } from 'cli-progress';
import { ConvnetsError, RuntimeFailure } from '../core/backend.js';
import type { Backend } from '../core/backend.js';
import * as ops from '../core/ops.js';
import { hash32 } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import type { Dataset, DatasetSplit } from '../data/dataset.js';
import { DataLoader } from '../data/loader.js';
import type { Augmentation } from '../data/transforms.js';
import { safeText } from '../core/text.js';
import { writeFileAtomic, writeSafetensorsFile } from '../io/safetensors.js';
import { CHECKPOINT_FORMAT, checkpointEntries, loadCheckpoint } from './checkpoint.js';
import type { EpochRecord } from './checkpoint.js';
import { acquireLock, checkWritable, removeStaleTempFiles } from './lock.js';
import type { Lock } from './lock.js';
import type { Module } from '../nn/module.js';
import { MemoryPlanner } from '../nn/memory.js';
import { setRecompute } from '../nn/recompute.js';
import type { RecomputeSpec } from '../nn/recompute.js';
import { WASM32_LIMIT_BYTES, largestBatchThatFits, trainingMemory } from '../nn/stepplan.js';
import { GradClipper } from './clip.js';
import { AUX_LOSS_WEIGHTS, CrossEntropyLoss, countCorrect } from './losses.js';
export { evaluate } from './evaluate.js';
import { createOptimizer } from './optim.js';
import type { OptimizerName } from './optim.js';
import type { Callback, TrainingState } from './callbacks.js';
import { evaluate, evalProgress } from './evaluate.js';
import { createSchedule } from './schedules.js';
import type { ScheduleSpec } from './schedules.js';

// Checkpoint schema and loading live in checkpoint.ts; re-exported here, where they used to be.
export { CHECKPOINT_FORMAT, loadCheckpoint, parseCheckpointMetadata } from './checkpoint.js';
export type { CheckpointMetadata, EpochRecord, ResumeState } from './checkpoint.js';

export interface FitOptions {
  epochs: number;
  batchSize: number;
  optimizer?: OptimizerName;
  /** Peak learning rate (one-cycle) or base rate. */
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  /** No decay on parameters flagged decay = false (BN, biases). Default true. */
  skipDecayForBnAndBias?: boolean;
  schedule?: ScheduleSpec;
  warmupSteps?: number;
  labelSmoothing?: number;
  /** Global-norm gradient clipping (off when absent). */
  clipNorm?: number;
  augment?: Augmentation;
  seed?: number;
  /** Weight of each auxiliary classifier's loss (default: torchvision's for the model name, else 0.3). */
  auxWeight?: number;
  /** Model name stored in checkpoints (and used for the aux weight). */
  modelName?: string;
  /** Written atomically after every epoch. */
  checkpoint?: string;
  /** Continue from this checkpoint (must be of the same model and optimiser). */
  resume?: string;
  /** Writes <prefix>.csv and <prefix>.json after every epoch. */
  metrics?: string;
  /** 'auto': a bar when stdout is a TTY, log lines otherwise. */
  progress?: 'auto' | 'bar' | 'log' | 'none';
  log?: (line: string) => void;
  /** Stop after this many steps in total (tests, smoke runs). */
  maxSteps?: number;
  /** Called after every step. */
  onStep?: (s: StepInfo) => void;
  /** Skip the held-out evaluation after each epoch (evaluated once at the end instead). */
  evalEachEpoch?: boolean;
  /**
   * Recompute checkpointed segments' forward in backward (nn/recompute.ts): true = segments of
   * sqrt(blocks) per stage, k = every k blocks. Same gradients, less memory, up to one more forward.
   */
  recompute?: RecomputeSpec;
  /** Keras-style callbacks (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, or your own). */
  callbacks?: Callback[];
}

export interface StepInfo { epoch: number; step: number; loss: number; lr: number; batch: number; }

export interface FitResult {
  epochs: number;
  steps: number;
  testAccuracy: number;
  testLoss: number;
  trainLoss: number;
  /** Wall seconds of the whole fit (training + evaluation + checkpoints). */
  seconds: number;
  /** Training images per second over all epochs of this run. */
  imagesPerSecond: number;
  history: EpochRecord[];
  /** Loss of every step of this run (and of the resumed run before it). */
  stepLosses: number[];
}

/** Raised when the loss or gradient norm stops being finite. The last good checkpoint is left as it was. */
export class TrainingDivergedError extends RuntimeFailure {
  constructor(message: string, readonly epoch: number, readonly step: number) { super(message); }
}

interface AuxTapLike extends Module { readonly output: Tensor | null; setGradient(g: Tensor | null): void; }
function isAuxTap(m: Module): m is AuxTapLike {
  return typeof (m as unknown as Partial<AuxTapLike>).setGradient === 'function' && 'output' in m;
}

/** Checks the model accepts the data's images and predicts its classes; returns the logits shape per sample. */
export function checkModelFitsData(model: Module, data: DatasetSplit<Dataset>, modelName = 'model'): void {
  const d = data.train;
  const inC = (model as { inputChannels?: number }).inputChannels;
  if (inC !== undefined && inC !== d.channels) {
    throw new ConvnetsError(`${modelName} takes ${inC}-channel images, but ${d.name} has ${d.channels} channel(s) (${d.height}x${d.width}x${d.channels})`);
  }
  let out: number[];
  try {
    out = model.outputShape([1, d.height, d.width, d.channels]);
  } catch (e) {
    throw new ConvnetsError(`${modelName} cannot take ${d.height}x${d.width}x${d.channels} images from ${d.name}: ${(e as Error).message}`);
  }
  const classes = out[out.length - 1];
  if (out.slice(1, -1).some((v) => v !== 1)) {
    throw new ConvnetsError(`${modelName} on ${d.height}x${d.width} images gives output [${out.join(', ')}], not class scores [1, classes]`);
  }
  if (classes !== d.numClasses) {
    throw new ConvnetsError(`${modelName} predicts ${classes} classes but ${d.name} has ${d.numClasses} (build it with numClasses ${d.numClasses})`);
  }
}

function fmt(v: number, digits = 4): string { return Number.isFinite(v) ? v.toFixed(digits) : String(v); }

function writeMetrics(prefix: string, result: Omit<FitResult, 'seconds' | 'imagesPerSecond' | 'testAccuracy' | 'testLoss' | 'trainLoss' | 'epochs' | 'steps'>, extra: Record<string, unknown>): void {
  const cols: (keyof EpochRecord)[] = ['epoch', 'step', 'lr', 'trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'seconds', 'imagesPerSecond', 'rssMB', 'backendAllocated'];
  const csv = [cols.join(',')].concat(result.history.map((r) => cols.map((c) => r[c] ?? '').join(','))).join('\n') + '\n';
  writeFileAtomic(`${prefix}.csv`, new TextEncoder().encode(csv));
  writeFileAtomic(`${prefix}.json`, new TextEncoder().encode(JSON.stringify({ ...extra, history: result.history, stepLosses: result.stepLosses }, null, 1) + '\n'));
}

/**
 * Refuses, before any step, a run whose planned training memory cannot fit the backend (wasm32:
 * 4 GiB), naming the estimate and the largest batch that fits.
 */
export function checkMemoryFits(model: Module, backend: Backend, inputShape: number[], optimizer: string, modelName: string,
  limitBytes = backend.name === 'wasm' ? WASM32_LIMIT_BYTES : Infinity): void {
  if (limitBytes === Infinity) return;
  const opt = optimizer === 'sgd' ? 'sgd' : 'adamw';
  const m = trainingMemory(model, inputShape, { optimizer: opt, backend });
  if (m.total <= limitBytes) return;
  const b = largestBatchThatFits(model, inputShape, limitBytes, { optimizer: opt, backend });
  const gib = (v: number): string => `${(v / 2 ** 30).toFixed(2)} GiB`;
  throw new ConvnetsError(`train: ${modelName} at batch ${inputShape[0]} on ${inputShape[1]}x${inputShape[2]} needs about ${gib(m.total)} ` +
    `(planned: activations+gradients ${gib(m.arena)}, parameters+gradients+optimizer state ${gib(m.params + m.grads + m.optimizerState)}, ` +
    `packed weights ${gib(m.packedWeights)}), more than ${limitBytes === WASM32_LIMIT_BYTES ? "wasm32's 4 GiB" : gib(limitBytes)}; ` +
    (b > 0 ? `the largest batch that fits is ${b}` : 'not even batch 1 fits') + ' (or use --recompute, or the cpu or cuda backend: no 4 GiB ceiling)');
}

/**
 * Trains `model` on `data.train`, evaluating on `data.test`. Before the first step: the output paths
 * are checked writable, the checkpoint path is locked for this run (`<checkpoint>.lock`, released at
 * the end) and temp files that killed runs left next to it are removed.
 */
export async function fit(model: Module, data: DatasetSplit<Dataset>, options: FitOptions): Promise<FitResult> {
  const o = options;
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new ConvnetsError(`train: epochs must be a positive integer, got ${o.epochs}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new ConvnetsError(`train: batch size must be a positive integer, got ${o.batchSize}`);
  if (o.batchSize > data.train.count) {
    throw new ConvnetsError(`train: batch size ${o.batchSize} is larger than the ${data.train.count} training images of ${safeText(data.train.name, 200)} (a whole batch is never filled)`);
  }
  if (o.clipNorm !== undefined && !(o.clipNorm > 0 && Number.isFinite(o.clipNorm))) {
    throw new ConvnetsError(`train: clipNorm must be a positive number (leave it out for no clipping), got ${o.clipNorm}`);
  }
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) {
    throw new ConvnetsError(`train: seed must be an integer in [0, 4294967295], got ${o.seed}`);
  }
  const modelName = o.modelName ?? model.typeName;
  checkModelFitsData(model, data, modelName);
  const log = o.log ?? ((s: string) => console.log(s));
  // Unwritable outputs fail now, not after the first epoch.
  if (o.checkpoint) checkWritable(o.checkpoint, 'checkpoint');
  if (o.metrics) { checkWritable(`${o.metrics}.csv`, 'metrics'); checkWritable(`${o.metrics}.json`, 'metrics'); }
  let lock: Lock | null = null;
  if (o.checkpoint) {
    lock = acquireLock(o.checkpoint);
    const gone = removeStaleTempFiles(o.checkpoint);
    if (gone.files > 0 && o.progress !== 'none') log(`removed ${gone.files} stale temp file(s) of ${o.checkpoint} (${(gone.bytes / 1048576).toFixed(1)} MB) left by interrupted writes`);
  }
  if (o.metrics) { removeStaleTempFiles(`${o.metrics}.csv`); removeStaleTempFiles(`${o.metrics}.json`); }
  try {
    return await fitUnlocked(model, data, o, modelName, log);
  } finally {
    lock?.release();
  }
}

async function fitUnlocked(model: Module, data: DatasetSplit<Dataset>, o: FitOptions, modelName: string, log: (line: string) => void): Promise<FitResult> {
  const seed = o.seed ?? 0;
  const backend = model.parameters()[0]?.value.backend;
  if (!backend) throw new ConvnetsError(`train: ${modelName} has no parameters`);

  const optName = o.optimizer ?? 'adamw';
  const lr = o.lr ?? (optName === 'sgd' ? 0.1 : 3e-3);
  const opt = createOptimizer(optName, model, {
    lr, momentum: o.momentum ?? 0.9, nesterov: o.nesterov ?? (optName === 'sgd'),
    weightDecay: o.weightDecay ?? (optName === 'sgd' ? 5e-4 : 0.05), skipDecayForBnAndBias: o.skipDecayForBnAndBias ?? true,
  });
  let startEpoch = 0, step = 0;
  let history: EpochRecord[] = [], stepLosses: number[] = [];
  let runSeed = seed;
  const log0 = log;
  if (o.resume) {
    let r: ReturnType<typeof loadCheckpoint>;
    try { r = loadCheckpoint(o.resume, model, opt); } catch (e) { opt.dispose(); throw e; }
    // Schema-checked by loadCheckpoint: non-negative integers, seed in uint32 range.
    if (r.metadata.model && o.modelName && r.metadata.model !== o.modelName) {
      opt.dispose();
      throw new ConvnetsError(`${o.resume}: checkpoint of model '${r.metadata.model}', not '${o.modelName}'`);
    }
    startEpoch = r.epoch; step = r.step; history = r.history; stepLosses = r.stepLosses.slice(0, step);
    // The checkpoint's seed keeps the data order and dropout of the run being continued.
    if (Number.isInteger(r.seed)) {
      if (o.seed !== undefined && r.seed !== o.seed) log0(`note: resuming with the checkpoint's seed ${r.seed} (not ${o.seed}) to continue its curve`);
      runSeed = r.seed;
    }
    log0(`resumed from ${o.resume}: epoch ${startEpoch}, step ${step}`);
    if (startEpoch >= o.epochs) log0(`the checkpoint has already trained ${startEpoch} of ${o.epochs} epochs`);
  }
  if (o.recompute !== undefined) setRecompute(model, o.recompute);
  checkMemoryFits(model, backend, [o.batchSize, data.train.height, data.train.width, data.train.channels], optName, modelName);
  const planner = new MemoryPlanner();
  const trainLoader = new DataLoader(data.train, { batchSize: o.batchSize, mean: data.mean, std: data.std, shuffle: true, seed: runSeed, augment: o.augment, dropLast: true, backend });
  // Evaluation at the training batch size, the last batch padded: one shape for the whole run, so the
  // model's planned buffers are never re-planned and peak memory is that of training (a larger eval
  // batch made ResNet-50 on 28x28 digits outgrow wasm's 4 GiB).
  const testLoader = new DataLoader(data.test, { batchSize: o.batchSize, padLast: true, mean: data.mean, std: data.std, backend });
  const stepsPerEpoch = trainLoader.batchesPerEpoch;
  const totalSteps = stepsPerEpoch * o.epochs;
  const schedule = createSchedule(o.schedule ?? { kind: 'onecycle' }, lr, totalSteps, o.warmupSteps ?? 0);
  const lossFn = new CrossEntropyLoss(o.labelSmoothing ?? 0);
  const evalLoss = new CrossEntropyLoss(0);
  const taps = [...model.namedModules()].map(([, m]) => m).filter(isAuxTap);
  const auxWeight = o.auxWeight ?? AUX_LOSS_WEIGHTS[modelName] ?? 0.3;
  const auxLosses = taps.map(() => new CrossEntropyLoss(o.labelSmoothing ?? 0, auxWeight));
  const clipper = o.clipNorm ? new GradClipper(o.clipNorm) : null;
  const params = model.parameters();

  // Logits may come as [n, classes] or [n, 1, 1, classes]: view them as 2-D (cached view, no allocation).
  const views = new Map<Tensor, Tensor>();
  const logits2d = (t: Tensor): Tensor => {
    if (t.shape.length === 2) return t;
    const shape = [t.shape[0], t.shape[t.shape.length - 1]];
    const v = ops.reshape(t, shape, views.get(t));
    if (views.size > 16) views.clear(); // a model that returns fresh tensors must not grow this cache
    views.set(t, v);
    return v;
  };
  // ... and the gradient goes back in the model's own output shape.
  const gradViews = new Map<Tensor, Tensor>();
  const gradAs = (g: Tensor, raw: Tensor): Tensor => {
    if (raw.shape.length === g.shape.length) return g;
    const v = ops.reshape(g, raw.shape, gradViews.get(g));
    if (gradViews.size > 16) gradViews.clear();
    gradViews.set(g, v);
    return v;
  };

  const mode = o.progress ?? 'auto';
  const useBar = mode === 'bar' || (mode === 'auto' && process.stdout.isTTY === true);
  const quiet = mode === 'none';
  const t0 = performance.now();
  let trainSeconds = 0, trainImages = 0;
  let last = { loss: NaN, accuracy: NaN };
  let stopped = false;
  const saveCheckpoint = (file: string, extra: Record<string, string> = {}): void => {
    const classNames: Record<string, string> = data.train.classNames ? { classNames: JSON.stringify(data.train.classNames) } : {};
    writeSafetensorsFile(file, checkpointEntries(model, opt), {
      format: CHECKPOINT_FORMAT, model: modelName, epoch: String(history.length ? history[history.length - 1].epoch : startEpoch), step: String(step), seed: String(runSeed),
      epochs: String(o.epochs), optimizer: opt.kind, optimizerSteps: String(opt.stepCount), lr: String(lr),
      backend: backend.name, data: data.train.name, curves: JSON.stringify({ history, stepLosses }), ...classNames, ...extra,
    });
  };
  const callbacks = o.callbacks ?? [];
  const state: TrainingState = { model, history, stopTraining: false, lrScale: 1, baseLr: lr, log, saveCheckpoint };
  const evalMode = quiet ? 'none' : useBar ? 'bar' : 'log';
  const evalWithProgress = async (label: string): Promise<{ loss: number; accuracy: number }> => {
    const p = evalProgress(evalMode, label, log);
    try { return await evaluate(model, testLoader, evalLoss, logits2d, p.report, planner); } finally { p.stop(); }
  };

  try {
    model.train();
    for (const c of callbacks) await c.onTrainBegin?.(state);
    for (let epoch = startEpoch; epoch < o.epochs && !stopped; epoch++) {
      const bar = useBar ? new SingleBar({
        format: `epoch ${epoch + 1}/${o.epochs} |{bar}| {value}/{total} loss {loss} acc {acc} {ips} img/s ETA {eta_formatted}`,
        hideCursor: true, clearOnComplete: false, etaBuffer: 50,
      }) : null;
      bar?.start(stepsPerEpoch, 0, { loss: '-', acc: '-', ips: '-' });
      let lossSum = 0, correct = 0, seen = 0;
      const te = performance.now();
      const logEvery = Math.max(1, Math.round(stepsPerEpoch / 4));
      for await (const b of trainLoader.stream(epoch)) {
        const lrNow = schedule.lr(step) * state.lrScale;
        // One planned step (nn/memory.ts): its tensors are views into one arena, planned on the first step.
        const loss = planner.run(`train ${b.x.shape.join(',')}`, backend, () => {
          const raw = model.forward(b.x, { training: true, seed: hash32(runSeed, step), noInputGrad: b.x });
          let l = lossFn.forward(logits2d(raw), b.y);
          for (let k = 0; k < taps.length; k++) {
            const out = taps[k].output;
            if (out) { l += auxWeight * auxLosses[k].forward(logits2d(out), b.y); taps[k].setGradient(gradAs(auxLosses[k].backward(), out)); }
            else taps[k].setGradient(null);
          }
          // Backward runs even on a diverged loss (the error follows): the step's schedule stays one.
          model.backward(gradAs(lossFn.backward(), raw));
          return l;
        });
        if (!Number.isFinite(loss)) {
          throw new TrainingDivergedError(`training diverged: loss is ${loss} at epoch ${epoch + 1}, step ${step + 1} (batch ${b.index + 1} of ${stepsPerEpoch}, lr ${lrNow.toExponential(3)}); ` +
            (o.checkpoint ? `the last good checkpoint ${o.checkpoint} was not overwritten` : 'no checkpoint was written') + '. Try a lower --lr.', epoch + 1, step + 1);
        }
        correct += countCorrect(lossFn.lastProbs(), b.labels);
        if (clipper) {
          const n = clipper.clip(params);
          if (!Number.isFinite(n)) {
            throw new TrainingDivergedError(`training diverged: gradient norm is ${n} at epoch ${epoch + 1}, step ${step + 1}; ` +
              (o.checkpoint ? `the last good checkpoint ${o.checkpoint} was not overwritten` : 'no checkpoint was written'), epoch + 1, step + 1);
          }
        }
        opt.step(lrNow);
        step++;
        lossSum += loss * b.size; seen += b.size;
        stepLosses.push(loss);
        const info = { epoch: epoch + 1, step, loss, lr: lrNow, batch: b.index };
        o.onStep?.(info);
        for (const c of callbacks) await c.onBatchEnd?.(info, state);
        if (state.stopTraining) stopped = true;
        const el = (performance.now() - te) / 1000;
        if (bar) bar.update(b.index + 1, { loss: fmt(lossSum / seen), acc: `${(100 * correct / seen).toFixed(2)}%`, ips: Math.round(seen / el) });
        else if (!quiet && (b.index + 1) % logEvery === 0 && b.index + 1 < stepsPerEpoch) {
          log(`epoch ${epoch + 1}/${o.epochs} step ${b.index + 1}/${stepsPerEpoch} loss ${fmt(lossSum / seen)} acc ${(100 * correct / seen).toFixed(2)}% lr ${lrNow.toExponential(2)} ${Math.round(seen / el)} img/s`);
        }
        if (stopped || (o.maxSteps !== undefined && step >= o.maxSteps)) { stopped = true; break; }
        // Let timers and signals run between steps (the loop is otherwise synchronous).
        if (step % 16 === 0) await new Promise<void>((r) => setImmediate(r));
      }
      bar?.stop();
      const secs = (performance.now() - te) / 1000;
      trainSeconds += secs; trainImages += seen;
      const doEval = (o.evalEachEpoch ?? true) || epoch === o.epochs - 1 || stopped;
      const ev = doEval ? await evalWithProgress(`epoch ${epoch + 1}/${o.epochs} held-out`) : null;
      if (ev) last = ev;
      // With --expose-gc, collect first so the RSS curve shows retained memory, not pending garbage.
      (globalThis as { gc?: () => void }).gc?.();
      const rec: EpochRecord = {
        epoch: epoch + 1, step, lr: schedule.lr(Math.max(0, step - 1)), trainLoss: seen ? lossSum / seen : NaN, trainAccuracy: seen ? correct / seen : NaN,
        testLoss: ev?.loss ?? null, testAccuracy: ev?.accuracy ?? null, seconds: secs, imagesPerSecond: seen / secs,
        rssMB: Math.round(process.memoryUsage().rss / 1048576 * 10) / 10, backendAllocated: backend.allocated(),
      };
      history.push(rec);
      if (!quiet) {
        log(`epoch ${rec.epoch}/${o.epochs} done: train loss ${fmt(rec.trainLoss)} acc ${(100 * rec.trainAccuracy).toFixed(2)}%` +
          (ev ? ` | held-out loss ${fmt(ev.loss)} acc ${(100 * ev.accuracy).toFixed(2)}%` : '') +
          ` | ${Math.round(rec.imagesPerSecond)} img/s, ${secs.toFixed(1)} s`);
      }
      if (o.checkpoint && !stopped) saveCheckpoint(o.checkpoint);
      for (const c of callbacks) await c.onEpochEnd?.(rec, state);
      if (state.stopTraining) stopped = true;
      if (o.metrics) writeMetrics(o.metrics, { history, stepLosses }, { model: modelName, seed: runSeed, optimizer: opt.kind, lr, batchSize: o.batchSize, backend: backend.name });
    }
    for (const c of callbacks) await c.onTrainEnd?.(state);
    // A callback that put other weights back (EarlyStopping restoreBest) changes the final score.
    if (history.length === 0 || history[history.length - 1].testAccuracy === null || state.weightsRestored) {
      last = await evalWithProgress('held-out');
    } else {
      const h = history[history.length - 1];
      last = { loss: h.testLoss!, accuracy: h.testAccuracy! };
    }
  } finally {
    trainLoader.dispose(); testLoader.dispose(); lossFn.dispose(); evalLoss.dispose();
    for (const a of auxLosses) a.dispose();
    for (const t of taps) t.setGradient(null);
    clipper?.dispose(); opt.dispose(); planner.dispose();
  }
  const lastRec = history[history.length - 1];
  return {
    epochs: lastRec?.epoch ?? startEpoch, steps: step, testAccuracy: last.accuracy, testLoss: last.loss,
    trainLoss: lastRec?.trainLoss ?? NaN, seconds: (performance.now() - t0) / 1000,
    imagesPerSecond: trainSeconds > 0 ? trainImages / trainSeconds : 0, history, stepLosses,
  };
}
