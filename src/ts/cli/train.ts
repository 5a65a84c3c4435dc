// `convnets train`: trains a model on the embedded digits (default), an IDX directory (MNIST,
// Fashion-MNIST) or CIFAR-10 binary batches, and reports held-out accuracy. With no arguments it
// trains the small digits ResNet on the 8,000 / 2,000 split of the digits that ship with the package.
import type { Command } from 'commander';
import { UsageError } from '../core/backend.js';
import { initBackend } from '../core/registry.js';
import type { BackendOptions } from '../core/registry.js';
import type { Dataset, DatasetSplit } from '../data/dataset.js';
import { head } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import { buildModel, DEFAULT_MODEL } from '../../architectures/index.js';
import { availableParallelism } from 'node:os';
import { backendName, batchArg, checkModelName, clipArg, intBetween, numberInRange, seedArg, threadsArg, threadsWarning } from './options.js';

interface TrainFlags {
  model?: string;
  data: string;
  epochs?: number;
  batch: number;
  lr?: number;
  optimizer: string;
  backend?: string;
  threads?: number;
  checkpoint?: string;
  resume?: string;
  seed: number;
  json?: boolean;
  metrics?: string;
  augment: boolean;
  labelSmoothing: number;
  weightDecay?: number;
  schedule: string;
  limit?: number;
  clip?: number;
  recompute?: boolean | string;
  flip?: boolean;
  cropPadding: number;
  valSplit?: number;
  imageSize?: number;
  earlyStopping?: number;
}

function intArg(flag: string, min = 1, max = 1_000_000_000): (v: string) => number {
  return intBetween(flag, min, max);
}

function numArg(flag: string, min = 0, max = Infinity): (v: string) => number {
  return numberInRange(flag, min, max);
}

export interface DataOptions {
  /** image folders: fraction held out when there is no val/ folder. */
  valSplit?: number;
  /** image folders: decoded size (square). */
  imageSize?: number;
}

/** The --data grammar (mnist | idx:<dir> | cifar10:<dir> | folder:<dir or csv>) and the flags that go with it (usage errors, before any work). */
export function checkDataSpec(spec: string, opts: DataOptions = {}): void {
  const i = spec.indexOf(':');
  const kind = i < 0 ? spec : spec.slice(0, i), dir = i < 0 ? '' : spec.slice(i + 1);
  if (!['mnist', 'idx', 'cifar10', 'folder'].includes(kind) || (kind === 'mnist' && i >= 0)) {
    throw new UsageError(`--data must be mnist, idx:<dir>, cifar10:<dir> or folder:<dir>, got '${spec}'`);
  }
  if (kind !== 'mnist' && !dir) throw new UsageError(`--data ${spec}: give the directory, e.g. --data ${kind}:/path/to/files`);
  if (kind !== 'folder' && (opts.valSplit !== undefined || opts.imageSize !== undefined)) {
    throw new UsageError(`--val-split and --image-size apply to --data folder:<dir> only, not '${spec}'`);
  }
}

/** Loads a --data spec (checked first). */
export async function loadData(spec: string, opts: DataOptions = {}): Promise<DatasetSplit<Dataset>> {
  const i = spec.indexOf(':');
  const kind = i < 0 ? spec : spec.slice(0, i), dir = i < 0 ? '' : spec.slice(i + 1);
  checkDataSpec(spec, opts);
  if (spec === 'mnist') return (await import('../data/mnist.js')).loadMnist();
  if (kind === 'idx') return (await import('../data/idx.js')).loadIdxDir(dir);
  if (kind === 'cifar10') return (await import('../data/cifar10.js')).loadCifar10Dir(dir);
  if (kind === 'folder') return (await import('../data/folder.js')).loadImageFolder(dir, { valSplit: opts.valSplit, size: opts.imageSize ?? 64 });
  throw new UsageError(`--data must be mnist, idx:<dir>, cifar10:<dir> or folder:<dir>, got '${spec}'`); // unreachable: checked above
}

/** A registered model (the digits ResNet by default) built for the data's size, channels and classes. */
export function modelForData(name: string, data: DatasetSplit<Dataset>): Module {
  const d = data.train;
  // GoogLeNet / Inception-v3 train with their auxiliary classifiers, as torchvision's recipes do.
  const aux = name === 'googlenet' || name === 'inception_v3' ? { aux: true } : {};
  return buildModel(name, { numClasses: d.numClasses, inputChannels: d.channels, inputSize: d.height, ...aux });
}

export function register(program: Command): void {
  program.command('train')
    .description('train a model on the embedded digits, an IDX or CIFAR-10 directory or an image folder, and report held-out accuracy (default: a small ResNet on the 10,000 embedded digits)')
    .option('--model <name>', 'resnet_digits (default) or any registered model (see `convnets list`)')
    .option('--data <spec>', 'mnist (the 10,000 digits in the package: 8,000 train / 2,000 held out), idx:<dir> (MNIST/Fashion-MNIST files), cifar10:<dir>, ' +
      'folder:<dir> (one subfolder per class, or train/ + val/ each with one per class; or a .csv of path,label)', 'mnist')
    .option('--val-split <x>', 'folder data without a val/ folder: fraction of each class held out (default 0.2)', numArg('--val-split', 0, 1))
    .option('--image-size <n>', 'folder data: resize (cover) and centre-crop images to n x n (default 64)', intArg('--image-size', 1, 4096))
    .option('--early-stopping <patience>', 'stop when the held-out loss has not improved for this many epochs, and keep the best epoch\'s weights', intArg('--early-stopping', 0, 1_000_000))
    .option('--epochs <n>', 'epochs (default 15)', intArg('--epochs', 1, 1_000_000))
    .option('--batch <n>', 'batch size (1 to 65536, at most the training images)', batchArg(), 64)
    .option('--lr <x>', 'peak learning rate (default: adamw 3e-3, sgd 0.1)', numArg('--lr'))
    .option('--optimizer <name>', 'sgd (momentum 0.9, Nesterov) or adamw', 'adamw')
    .option('--schedule <name>', 'onecycle, cosine, step or constant', 'onecycle')
    .option('--weight-decay <x>', 'weight decay (default: adamw 0.05, sgd 5e-4; never on BN and biases)', numArg('--weight-decay'))
    .option('--label-smoothing <x>', 'label smoothing', numberInRange('--label-smoothing', 0, 0.99), 0)
    .option('--no-augment', 'no augmentation at all (neither random crop nor flips)')
    .option('--crop-padding <n>', 'random crop from the image zero-padded by n pixels (0: no crop)', intArg('--crop-padding', 0, 64), 2)
    .option('--flip', 'random horizontal flips too (default on for cifar10; good for Fashion-MNIST, not for digits)')
    .option('--clip <x>', 'clip gradients to this global norm (> 0; no clipping without the flag)', clipArg())
    .option('--backend <name>', 'js, wasm, cpu or cuda (default: best available)', backendName())
    .option('--threads <n>', 'worker threads (wasm; a warning when above the CPU cores)', threadsArg())
    .option('--checkpoint <file>', 'write a safetensors checkpoint after every epoch (atomically; <file>.lock keeps other runs off it)')
    .option('--resume <file>', 'continue from a checkpoint')
    .option('--metrics <prefix>', 'write <prefix>.csv and <prefix>.json with the curves')
    .option('--limit <n>', 'train on the first n training images only', intArg('--limit'))
    .option('--seed <n>', 'seed for initialisation, data order, augmentation and dropout', seedArg(), 0)
    .option('--recompute [k]', 'recompute checkpointed segments in backward (every k blocks; default sqrt of each stage): less memory, same gradients')
    .option('--json', 'print the result as JSON on the last line (logs go to stderr)')
    .action(async (f: TrainFlags) => {
      const out = (s: string): void => { (f.json ? process.stderr : process.stdout).write(s + '\n'); };
      if (f.optimizer !== 'sgd' && f.optimizer !== 'adamw') throw new UsageError(`--optimizer must be sgd or adamw, got '${f.optimizer}'`);
      if (!['onecycle', 'cosine', 'step', 'constant'].includes(f.schedule)) {
        throw new UsageError(`--schedule must be onecycle, cosine, step or constant, got '${f.schedule}'`);
      }
      if (f.valSplit !== undefined && !(f.valSplit > 0 && f.valSplit < 1)) throw new UsageError(`--val-split must be in (0, 1), got ${f.valSplit}`);
      checkModelName(f.model ?? DEFAULT_MODEL, 'model');
      checkDataSpec(f.data, { valSplit: f.valSplit, imageSize: f.imageSize });
      const warn = threadsWarning(f.threads, availableParallelism());
      if (warn) process.stderr.write(warn + '\n');
      // Output paths are checked now, before data loading and model building (fit() checks again).
      if (f.checkpoint || f.metrics) {
        const { checkWritable } = await import('../train/lock.js');
        if (f.checkpoint) checkWritable(f.checkpoint, '--checkpoint');
        if (f.metrics) { checkWritable(`${f.metrics}.csv`, '--metrics'); checkWritable(`${f.metrics}.json`, '--metrics'); }
      }
      const opts: BackendOptions = {};
      if (f.threads !== undefined) opts.threads = f.threads;
      const backend = await initBackend(f.backend, opts);
      const { manualSeed } = await import('../nn/init.js');
      const { fit } = await import('../train/trainer.js');

      const t0 = performance.now();
      let data = await loadData(f.data, { valSplit: f.valSplit, imageSize: f.imageSize });
      if (f.limit) data = { ...data, train: head(data.train, f.limit) };
      const modelName = f.model ?? DEFAULT_MODEL;
      manualSeed(f.seed);
      const model = modelForData(modelName, data);
      const epochs = f.epochs ?? 15;
      const d = data.train;
      out(`training ${modelName} (${model.paramCount().toLocaleString('en-US')} parameters) on ${d.name}: ${d.count} images ${d.height}x${d.width}x${d.channels}, ` +
        `held out ${data.test.count}; backend ${backend.name}${f.threads ? ` x${f.threads} threads` : ''}, ${epochs} epochs, batch ${f.batch}, ${f.optimizer}`);
      const schedule = f.schedule === 'step' ? { kind: 'step' as const, stepSize: Math.max(1, Math.floor(d.count / f.batch) * Math.max(1, Math.floor(epochs / 3))) }
        : { kind: f.schedule as 'onecycle' | 'cosine' | 'constant' };
      try {
        const r = await fit(model, data, {
          epochs, batchSize: f.batch, optimizer: f.optimizer, lr: f.lr, weightDecay: f.weightDecay, schedule,
          labelSmoothing: f.labelSmoothing, clipNorm: f.clip, seed: f.seed, modelName,
          recompute: f.recompute === undefined || f.recompute === true ? f.recompute : Number(f.recompute),
          augment: f.augment ? { padding: f.cropPadding, flip: f.flip ?? f.data.startsWith('cifar10') } : undefined,
          checkpoint: f.checkpoint, resume: f.resume, metrics: f.metrics,
          callbacks: f.earlyStopping !== undefined ? [new (await import('../train/callbacks.js')).EarlyStopping({ patience: f.earlyStopping, restoreBest: true })] : undefined,
          progress: f.json ? (process.stderr.isTTY ? 'bar' : 'log') : 'auto', log: out,
        });
        const seconds = (performance.now() - t0) / 1000;
        out(`held-out accuracy ${(100 * r.testAccuracy).toFixed(2)}% (loss ${r.testLoss.toFixed(4)}) after ${r.epochs} epochs, ` +
          `${seconds.toFixed(1)} s in all, ${Math.round(r.imagesPerSecond)} training images/s`);
        if (f.json) {
          process.stdout.write(JSON.stringify({
            model: modelName, data: f.data, backend: backend.name, threads: (backend as { threads?: number }).threads ?? f.threads ?? null, epochs: r.epochs, steps: r.steps,
            batch: f.batch, optimizer: f.optimizer, seed: f.seed, parameters: model.paramCount(),
            testAccuracy: r.testAccuracy, testLoss: r.testLoss, trainLoss: r.trainLoss,
            seconds, trainSeconds: r.history.reduce((s, h) => s + h.seconds, 0), imagesPerSecond: r.imagesPerSecond,
            checkpoint: f.checkpoint ?? null, classes: d.numClasses,
            history: r.history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, trainAccuracy: h.trainAccuracy, testAccuracy: h.testAccuracy, seconds: h.seconds, rssMB: h.rssMB })),
          }) + '\n');
        }
      } finally {
        model.dispose();
      }
    });
}
