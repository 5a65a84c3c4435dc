// The default training job (`convnets train` with no arguments: the 77,754-parameter digits ResNet,
// batch 64, AdamW lr 3e-3 wd 0.05 without decay on BN and biases, one-cycle over 15 epochs, random
// crops from 2-pixel black padding) for a bounded number of steps, on ours (fit(), as the CLI runs it)
// and on the same net written in PyTorch (`bench/torch_peer.py defaultjob`), at each thread count.
// Images/s over the steps after a warm-up; the row's timing is the per-step time.
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { setBackend } from '../../src/ts/core/registry.js';
import { loadMnist } from '../../src/ts/data/mnist.js';
import { head } from '../../src/ts/data/dataset.js';
import { manualSeed } from '../../src/ts/nn/init.js';
import { fit } from '../../src/ts/train/trainer.js';
import { buildModel, DEFAULT_MODEL } from '../../src/architectures/index.js';
import { timingFromSamples } from '../timing.js';
import { runTorchPeer } from '../torch.js';
import type { TorchPeerOptions } from '../torch.js';
import type { BenchResult, Runtime } from '../types.js';

/** resnet_digits' parameters (the PyTorch twin asserts the same count). */
export const DIGITS_PARAMS = 77_754;
export const DEFAULT_JOB = `${DEFAULT_MODEL} 28 b64 adamw onecycle`;

export interface DefaultJobOptions {
  threads: readonly number[];
  torch: boolean;
  /** Steps per run, the first `warmup` untimed (default 40 and 5). */
  steps?: number;
  warmup?: number;
  torchOptions?: TorchPeerOptions;
  log?: (s: string) => void;
}

/** `steps` steps of the default job on `rt`: per-step ms after the warm-up and images/s. */
export async function ourDefaultJob(rt: Runtime, steps: number, warmup: number): Promise<Pick<BenchResult, 'timing' | 'imagesPerSecond' | 'error' | 'note'>> {
  if (!(steps >= warmup + 2)) throw new ConvnetsError(`defaultjob: steps (${steps}) must be at least warm-up (${warmup}) + 2`);
  setBackend(rt.backend);
  const data = loadMnist();
  manualSeed(0);
  const model = buildModel(DEFAULT_MODEL, { numClasses: data.train.numClasses, inputChannels: data.train.channels, inputSize: data.train.height });
  try {
    if (model.paramCount() !== DIGITS_PARAMS) return { error: `${DEFAULT_MODEL} has ${model.paramCount()} parameters, expected ${DIGITS_PARAMS}` };
    const stamps: number[] = [];
    // The CLI's options (src/ts/cli/train.ts); a one-batch held-out set keeps the final evaluation short.
    await fit(model, { ...data, test: head(data.test, 64) }, {
      epochs: 15, batchSize: 64, optimizer: 'adamw', schedule: { kind: 'onecycle' }, augment: { padding: 2, flip: false },
      seed: 0, modelName: DEFAULT_MODEL, maxSteps: steps, evalEachEpoch: false, progress: 'none', log: () => {},
      onStep: () => { stamps.push(performance.now()); },
    });
    const per = stamps.slice(warmup + 1).map((t, i) => t - stamps[warmup + i]);
    const secs = (stamps[stamps.length - 1] - stamps[warmup]) / 1000;
    return { timing: timingFromSamples(per), imagesPerSecond: (per.length * 64) / secs };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    model.dispose();
  }
}

export async function defaultJobSuite(runtimes: readonly Runtime[], o: DefaultJobOptions): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const log = o.log ?? (() => {});
  const steps = o.steps ?? 40, warmup = o.warmup ?? 5;
  const base = { suite: 'defaultjob' as const, case: DEFAULT_JOB, macs: 0 };
  for (const rt of runtimes.filter((r) => r.backendName !== 'js')) {
    const r = await ourDefaultJob(rt, steps, warmup);
    out.push({ ...base, runtime: rt.name, threads: rt.threads, ...r });
    log(`  ${DEFAULT_JOB} [${rt.name}] ${r.imagesPerSecond ? `${Math.round(r.imagesPerSecond)} img/s` : `error: ${r.error}`}`);
  }
  if (o.torch) {
    for (const t of o.threads) {
      const r = await runTorchPeer('defaultjob', ['--steps', String(steps), '--warmup', String(warmup)], t, o.torchOptions);
      const note = [r.note, r.warning ? `WARNING: ${r.warning}` : undefined].filter(Boolean).join('; ') || undefined;
      let error = r.error;
      if (!error && r.params !== DIGITS_PARAMS) error = `the PyTorch twin has ${r.params} parameters, ours ${DIGITS_PARAMS}`;
      out.push({ ...base, runtime: `torch-${t}t`, threads: t, timing: error ? undefined : r.timing, imagesPerSecond: error ? undefined : r.imagesPerSecond, peakRssMB: r.peakRssMB, error, note });
      log(`  ${DEFAULT_JOB} [torch-${t}t] ${!error ? `${Math.round(r.imagesPerSecond ?? 0)} img/s` : `error: ${error}`}`);
    }
  }
  return out;
}
