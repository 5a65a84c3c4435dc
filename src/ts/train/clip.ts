// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): total = sqrt(sum ||g||^2) over
// all gradients, computed by the backend's sumSquares kernel (one scalar read back per parameter);
// when total > maxNorm every gradient is scaled in place by maxNorm / (total + 1e-6).
import { ConvnetsError } from '../core/backend.js';
import type { Backend } from '../core/backend.js';
import { Tensor } from '../core/tensor.js';
import * as ops from '../core/ops.js';
import type { Parameter } from '../nn/module.js';

export class GradClipper {
  private scratch: Tensor | null = null;

  constructor(readonly maxNorm: number) {
    if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new ConvnetsError(`clipGradNorm: maxNorm must be a positive number, got ${maxNorm}`);
  }

  private out(b: Backend): Tensor {
    if (!this.scratch || this.scratch.backend !== b) {
      this.scratch?.dispose();
      this.scratch = new Tensor(b, [1]);
    }
    return this.scratch;
  }

  /** Global L2 norm of the gradients of trainable parameters. */
  norm(params: Iterable<Parameter>): number {
    let sum = 0;
    for (const p of params) {
      if (!p.trainable || !p.grad) continue;
      const o = this.out(p.grad.backend);
      ops.sumSquares(p.grad, o);
      sum += o.data()[0];
    }
    return Math.sqrt(sum);
  }

  /** Clips in place; returns the norm before clipping (NaN/Inf pass through for the caller to report). */
  clip(params: Iterable<Parameter>): number {
    const list = [...params];
    const total = this.norm(list);
    if (Number.isFinite(total) && total > this.maxNorm) {
      const f = this.maxNorm / (total + 1e-6);
      for (const p of list) if (p.trainable && p.grad) ops.scale(f, p.grad, p.grad);
    }
    return total;
  }

  dispose(): void { this.scratch?.dispose(); this.scratch = null; }
}

/** One-shot helper. */
export function clipGradNorm(params: Iterable<Parameter>, maxNorm: number): number {
  const c = new GradClipper(maxNorm);
  try { return c.clip(params); } finally { c.dispose(); }
}
