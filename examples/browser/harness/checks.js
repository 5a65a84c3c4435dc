// The computations the browser tests compare with Node: the SAME code runs in the harness worker
// (on the browser entry) and in the test process (on the Node entry); `cn` is the library namespace.
// Weights come from the library's seeded init (manualSeed), inputs from Tensor.randn with a seed.

/** Logits of one eval-mode forward of a registered model with seeded weights on a seeded input. */
export function forwardLogits(cn, { model, size, seed = 1, batch = 1, numClasses = 10 }) {
  cn.manualSeed(seed);
  const m = cn.createModel(model, { numClasses });
  const x = cn.Tensor.randn([batch, size, size, m.inputChannels ?? 3], seed + 1000);
  try {
    m.eval();
    const t0 = performance.now();
    const y = m.forward(x, { training: false });
    const logits = y.toFloat32();
    return { shape: [...y.shape], logits: Array.from(logits), ms: performance.now() - t0 };
  } finally {
    x.dispose(); m.dispose();
  }
}

/**
 * `steps` training steps (forward in training mode, softmax cross-entropy, backward, AdamW) of a
 * registered model on a fixed seeded batch; returns the loss of every step (step k > 0 checks the
 * gradients and the optimiser update of the steps before it) and its milliseconds.
 */
export function trainLosses(cn, { model, size, batch = 4, seed = 1, steps = 3, lr = 1e-3, numClasses = 10, smallInput = size < 64 && model !== 'resnet_digits' }) {
  cn.manualSeed(seed);
  const m = cn.createModel(model, { numClasses, ...(smallInput ? { smallInput: true } : {}) });
  const x = cn.Tensor.randn([batch, size, size, m.inputChannels ?? 3], seed + 2000);
  const labels = Array.from({ length: batch }, (_, i) => (i * 7 + seed) % numClasses);
  const y = cn.Tensor.from(labels, [batch]);
  const loss = new cn.CrossEntropyLoss(0);
  const opt = cn.createOptimizer('adamw', m, { lr, weightDecay: 0.05, skipDecayForBnAndBias: true });
  const losses = [], ms = [];
  try {
    m.train();
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      let out = m.forward(x, { training: true, seed: cn.hash32(seed, s), noInputGrad: x });
      const raw = out;
      if (out.shape.length !== 2) out = cn.ops.reshape(out, [out.shape[0], out.shape[out.shape.length - 1]]);
      losses.push(loss.forward(out, y));
      let g = loss.backward();
      if (raw !== out) g = cn.ops.reshape(g, raw.shape);
      m.backward(g);
      opt.step(lr);
      ms.push(performance.now() - t0);
    }
    return { losses, ms };
  } finally {
    opt.dispose(); loss.dispose(); x.dispose(); y.dispose(); m.dispose();
  }
}
