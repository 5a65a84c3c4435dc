// The training page's worker: owns the wasm backend (threads need a worker: the pool's synchronous
// wait is not allowed on a page's main thread), trains the digits ResNet with the recipe of
// `convnets train` (AdamW, peak lr 3e-3, weight decay 0.05 off BN and biases, one-cycle, batch 64,
// random 2-pixel crops, seed 0), reports every step, evaluates the held-out 2,000 after every epoch,
// then answers predictions for the drawing pad.
import * as cn from '/dist/src/ts/browser.js';
import { wasmBackend } from './backend.js';
import { loadSplit, pixelStats } from './digits.js';

// The batching loader (seeded order, augmentation, preallocated batches) is platform-neutral but the
// browser entry does not export it yet: take it from its module in dist/ until it does.
const { DataLoader } = cn;

let model = null, stats = null, busy = false;
const post = (m) => self.postMessage(m);

function logits2d(t) { return t.shape.length === 2 ? t : cn.ops.reshape(t, [t.shape[0], t.shape[t.shape.length - 1]]); }

function evaluate(m, loader, loss) {
  m.eval();
  let sum = 0, correct = 0, count = 0;
  for (const b of loader.batches(0)) {
    loss.forward(logits2d(m.forward(b.x, { training: false })), b.y);
    const per = loss.lastLosses();
    for (let i = 0; i < b.size; i++) sum += per[i];
    correct += cn.countCorrect(loss.lastProbs(), b.labels, b.size);
    count += b.size;
  }
  m.train();
  return { loss: sum / count, accuracy: correct / count };
}

async function train(o) {
  const t0 = performance.now();
  post({ type: 'status', text: `starting the wasm backend (${o.threads} thread${o.threads > 1 ? 's' : ''})` });
  const backend = await wasmBackend(cn, { threads: o.threads });
  const info = backend.info();
  post({ type: 'backend', name: backend.name, info, crossOriginIsolated: self.crossOriginIsolated });
  post({ type: 'status', text: 'loading the digits' });
  let [trainSet, testSet] = await Promise.all([loadSplit(o.data, 'train'), loadSplit(o.data, 'test')]);
  if (o.limit && o.limit < trainSet.count) {
    // A quick run on the first `limit` training digits (as `convnets train --limit`).
    const n = o.limit, per = trainSet.height * trainSet.width;
    trainSet = { ...trainSet, name: `${trainSet.name}, first ${n}`, count: n, images: trainSet.images.subarray(0, n * per), labels: trainSet.labels.subarray(0, n) };
  }
  stats = pixelStats(trainSet);
  cn.manualSeed(o.seed);
  model = cn.resnetDigits({ numClasses: 10, inputChannels: 1 });
  const trainLoader = new DataLoader(trainSet, { batchSize: o.batch, mean: stats.mean, std: stats.std, shuffle: true, seed: o.seed, augment: { padding: 2, flip: false }, dropLast: true, backend });
  const testLoader = new DataLoader(testSet, { batchSize: o.batch, padLast: true, mean: stats.mean, std: stats.std, backend });
  const total = trainLoader.batchesPerEpoch * o.epochs;
  const schedule = cn.createSchedule({ kind: 'onecycle' }, o.lr, total);
  const opt = cn.createOptimizer('adamw', model, { lr: o.lr, weightDecay: 0.05, skipDecayForBnAndBias: true });
  const lossFn = new cn.CrossEntropyLoss(0), evalLoss = new cn.CrossEntropyLoss(0);
  post({ type: 'model', params: model.paramCount(), train: trainSet.count, test: testSet.count, total, epochs: o.epochs, batch: o.batch });
  let step = 0, trainSeconds = 0, last = null;
  try {
    model.train();
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const te = performance.now();
      let lossSum = 0, correct = 0, seen = 0;
      for (const b of trainLoader.batches(epoch)) {
        const lr = schedule.lr(step);
        const raw = model.forward(b.x, { training: true, seed: cn.hash32(o.seed, step), noInputGrad: b.x });
        const loss = lossFn.forward(logits2d(raw), b.y);
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at step ${step + 1}`);
        correct += cn.countCorrect(lossFn.lastProbs(), b.labels);
        model.backward(lossFn.backward());
        opt.step(lr);
        step++; lossSum += loss * b.size; seen += b.size;
        post({ type: 'step', step, total, epoch: epoch + 1, loss, trainAccuracy: correct / seen, lr, imagesPerSecond: seen / ((performance.now() - te) / 1000) });
      }
      const secs = (performance.now() - te) / 1000;
      trainSeconds += secs;
      last = evaluate(model, testLoader, evalLoss);
      post({ type: 'epoch', epoch: epoch + 1, step, trainLoss: lossSum / seen, trainAccuracy: correct / seen, testLoss: last.loss, testAccuracy: last.accuracy, seconds: secs });
    }
  } finally {
    trainLoader.dispose(); testLoader.dispose(); lossFn.dispose(); evalLoss.dispose(); opt.dispose();
  }
  model.eval();
  post({ type: 'done', testAccuracy: last.accuracy, testLoss: last.loss, steps: step, trainSeconds, seconds: (performance.now() - t0) / 1000,
    imagesPerSecond: (step * o.batch) / trainSeconds, info: backend.info() });
}

function predict(pixels) {
  if (!model) throw new Error('no trained model yet');
  const x = new Float32Array(784);
  for (let i = 0; i < 784; i++) x[i] = (pixels[i] - stats.mean[0]) / stats.std[0];
  const t = cn.Tensor.from(x, [1, 28, 28, 1]);
  try {
    const z = logits2d(model.forward(t, { training: false })).toFloat32();
    const mx = Math.max(...z);
    const e = Array.from(z, (v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  } finally {
    t.dispose();
  }
}

self.onmessage = async (e) => {
  const m = e.data;
  try {
    if (m.type === 'train') {
      if (busy) throw new Error('already training');
      busy = true;
      await train(m.options);
    } else if (m.type === 'predict') {
      post({ type: 'prediction', probs: predict(m.pixels) });
    }
  } catch (err) {
    post({ type: 'error', message: `${err?.name ?? 'Error'}: ${err?.message ?? String(err)}` });
  } finally {
    if (m.type === 'train') busy = false;
  }
};
// Messages sent before this module finished evaluating (top-level await above) would be lost: say when.
post({ type: 'ready' });
