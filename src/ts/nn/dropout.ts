// Dropout (inverted: kept elements scaled by 1/(1-p)). Active only when both the context and the
// module are training; the mask comes from the counter hash of (ctx.seed, a per-module salt), so a
// run with the same seeds is reproducible on every backend.
import * as ops from '../core/ops.js';
import { ConvnetsError } from '../core/backend.js';
import { hash32 } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import type { Shape } from '../core/shape.js';
import type { ForwardContext } from './module.js';
import { PlannedModule, noForward } from './plan.js';
import { nextSalt } from './init.js';

export class Dropout extends PlannedModule {
  /** Mixed with ctx.seed so two dropout layers draw different masks in one step. */
  readonly salt = nextSalt();
  private saved: { mask: Tensor | null } | null = null;

  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new ConvnetsError(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    if (!this.isTraining(ctx) || this.p === 0) {
      this.saved = ctx.training ? { mask: null } : null;
      return x;
    }
    const seed = hash32(ctx.seed ?? 0, this.salt) | 0;
    const { y, mask } = ops.dropout(x, this.p, seed, this.plan.tensor('y', x.shape, x.backend),
      this.plan.tensor('mask', x.shape, x.backend));
    this.saved = { mask };
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('Dropout');
    const { mask } = this.saved;
    if (!mask) return dy;
    return ops.mulGrad(dy, mask, this.plan.tensor('dx', dy.shape, dy.backend));
  }

  outputShape(input: Shape): number[] { return [...input]; }
}
