// The softmax cross-entropy family: probabilities and per-sample loss (label smoothing, large logits),
// and the gradient (probs - smoothed one-hot) * gradScale.
import { Gen, caseLists, withBufs } from './lib/harness.js';
import type { Family, KernelCase } from './lib/harness.js';
import type { GradCheckSpec } from './lib/gradcheck.js';

interface XentCase { name: string; n: number; classes: number; smoothing: number; logitScale: number; }

const small: XentCase[] = [
  { name: 'n3 c10', n: 3, classes: 10, smoothing: 0, logitScale: 2 },
  { name: 'n3 c10 smoothing 0.1', n: 3, classes: 10, smoothing: 0.1, logitScale: 2 },
  { name: 'large logits (stability)', n: 4, classes: 7, smoothing: 0.1, logitScale: 60 },
  { name: 'n1 c1', n: 1, classes: 1, smoothing: 0, logitScale: 1 },
];

function cases(): KernelCase[] {
  return small.flatMap((c, i): KernelCase[] => {
    const g = new Gen(13000 + i);
    const p = { n: c.n, classes: c.classes, smoothing: c.smoothing };
    const logits = g.normal(c.n * c.classes, c.logitScale), labels = g.labels(c.n, c.classes);
    const probs = g.uniform(c.n * c.classes, 0, 1);
    for (let r = 0; r < c.n; r++) {
      let s = 0;
      for (let k = 0; k < c.classes; k++) s += probs[r * c.classes + k];
      for (let k = 0; k < c.classes; k++) probs[r * c.classes + k] = Math.fround(probs[r * c.classes + k] / s);
    }
    return [
      {
        kernel: 'softmaxCrossEntropy', name: c.name, bufs: { logits, labels, probs: logits.length, loss: c.n }, outputs: ['probs', 'loss'],
        call: (b, B) => b.softmaxCrossEntropy(p, B.logits, B.labels, B.probs, B.loss),
      },
      {
        kernel: 'softmaxCrossEntropyBackward', name: c.name, bufs: { probs, labels, dl: logits.length }, outputs: ['dl'],
        call: (b, B) => b.softmaxCrossEntropyBackward(p, B.probs, B.labels, 1 / c.n, B.dl),
      },
    ];
  });
}

function specs(): GradCheckSpec[] {
  return small.map((c, i) => {
    const p = { n: c.n, classes: c.classes, smoothing: c.smoothing };
    const g = new Gen(1300 + i);
    const gradScale = 1 / c.n;
    // Moderate logits: the check needs small third derivatives; stability is tested in the forward tests.
    const inputs = { logits: g.normal(c.n * c.classes, 2), labels: g.labels(c.n, c.classes) };
    return {
      name: `softmaxCrossEntropy ${c.name}`, forwardKernel: 'softmaxCrossEntropy', backwardKernels: ['softmaxCrossEntropyBackward'],
      inputs, wrt: ['logits'], outLen: 1,
      // The loss the backward kernel differentiates: gradScale * sum_i loss_i.
      forward: (b, B, y) => {
        const probs = b.alloc(c.n * c.classes), loss = b.alloc(c.n);
        b.softmaxCrossEntropy(p, B.logits, B.labels, probs, loss);
        b.write(y, [gradScale * Array.from(b.read(loss)).reduce((s, v) => s + v, 0)]);
        b.free(probs); b.free(loss);
      },
      backward: (b, B, dy, G) => {
        const probs = b.alloc(c.n * c.classes), loss = b.alloc(c.n);
        b.softmaxCrossEntropy(p, B.logits, B.labels, probs, loss);
        b.softmaxCrossEntropyBackward(p, probs, B.labels, gradScale * b.read(dy)[0], G.logits);
        b.free(probs); b.free(loss);
      },
    };
  });
}

export const softmax_xent: Family = {
  name: 'softmax_xent',
  coverage: {
    softmaxCrossEntropy: {
      values: [
        {
          what: 'hand: logits [0, ln 3] -> probs [1/4, 3/4]; loss -ln(3/4), and with smoothing 0.1',
          run: (b) => {
            const z = [0, Math.log(3)];
            const [pr, l] = withBufs(b, [z, [1]], [2, 1], ([zb, lb], [pb, lossb]) =>
              b.softmaxCrossEntropy({ n: 1, classes: 2, smoothing: 0 }, zb, lb, pb, lossb));
            const [, ls] = withBufs(b, [z, [1]], [2, 1], ([zb, lb], [pb, lossb]) =>
              b.softmaxCrossEntropy({ n: 1, classes: 2, smoothing: 0.1 }, zb, lb, pb, lossb));
            return { got: [...pr, ...l, ...ls], want: [0.25, 0.75, -Math.log(0.75), -(0.05 * Math.log(0.25) + 0.95 * Math.log(0.75))] };
          },
        },
        {
          what: 'stability: logits [1000, 0, -1000], label 2 -> loss 2000, probs [1, 0, 0], no NaN',
          run: (b) => {
            const [pr, l] = withBufs(b, [[1000, 0, -1000], [2]], [3, 1], ([zb, lb], [pb, lossb]) =>
              b.softmaxCrossEntropy({ n: 1, classes: 3, smoothing: 0 }, zb, lb, pb, lossb));
            return { got: [...pr, ...l], want: [1, 0, 0, 2000] };
          },
        },
      ],
    },
    softmaxCrossEntropyBackward: {
      values: [{
        what: 'hand: (probs - onehot) * gradScale',
        run: (b) => {
          const [d] = withBufs(b, [[0.25, 0.75], [0]], [2], ([pb, lb], [db]) =>
            b.softmaxCrossEntropyBackward({ n: 1, classes: 2, smoothing: 0 }, pb, lb, 0.5, db));
          return { got: d, want: [-0.375, 0.375] };
        },
      }],
    },
  },
  cases: caseLists(cases, () => []),
  gradchecks: specs,
};
