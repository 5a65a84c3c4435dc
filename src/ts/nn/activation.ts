// Pointwise activations. Not in place by default (the input stays valid for the previous module's
// backward); containers call forwardInPlace when the input's producer does not read it in backward
// and the kind's derivative can be read off its output (ReLU, ReLU6: x > 0 iff y > 0, 0 < x < 6 iff
// 0 < y < 6, so the backward kernel given y for x computes the very same bits).
import * as ops from '../core/ops.js';
import { ACTIVATIONS, ConvnetsError } from '../core/backend.js';
import type { ActivationKind } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import type { Shape } from '../core/shape.js';
import type { ForwardContext } from './module.js';
import { PlannedModule, noForward } from './plan.js';

export class Activation extends PlannedModule {
  private saved: { x: Tensor; y: Tensor } | null = null;

  constructor(readonly kind: ActivationKind) {
    super();
    if (!ACTIVATIONS.includes(kind)) {
      throw new ConvnetsError(`Activation: kind must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(kind)}`);
    }
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    if (this.fusedInto && !ctx.training) { this.saved = null; return x; }
    const y = ops.activation(this.kind, x, this.plan.tensor('y', x.shape, x.backend));
    this.saved = ctx.training ? { x, y } : null;
    return y;
  }

  /** Whether forwardInPlace may overwrite the input. */
  get canRunInPlace(): boolean { return this.kind === 'relu' || this.kind === 'relu6'; }

  /**
   * A forward that writes y over x and keeps only y (callers check canRunInPlace and x's producer).
   * Not while a tracer listens: exporters rebuild the graph by tensor identity.
   */
  forwardInPlace(x: Tensor, ctx: ForwardContext): Tensor {
    if (!this.canRunInPlace || ops.getTracer() || (this.fusedInto && !ctx.training)) return this.forward(x, ctx);
    ops.activation(this.kind, x, x);
    this.saved = ctx.training ? { x, y: x } : null;
    return x;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward(this.typeName);
    const { x, y } = this.saved;
    return ops.activationBackward(this.kind, x, y, dy, this.plan.tensor('dx', x.shape, x.backend));
  }

  outputShape(input: Shape): number[] { return [...input]; }
}

export class ReLU extends Activation { constructor() { super('relu'); } }
export class ReLU6 extends Activation { constructor() { super('relu6'); } }
/** SiLU = swish (x * sigmoid(x)). */
export class SiLU extends Activation { constructor() { super('silu'); } }
export class Sigmoid extends Activation { constructor() { super('sigmoid'); } }
export class Hardswish extends Activation { constructor() { super('hardswish'); } }
export class Hardsigmoid extends Activation { constructor() { super('hardsigmoid'); } }
/** GELU, torch's exact (erf) form: x * Phi(x). */
export class GELU extends Activation { constructor() { super('gelu'); } }

const BY_KIND: Record<ActivationKind, new () => Activation> = {
  relu: ReLU, relu6: ReLU6, silu: SiLU, sigmoid: Sigmoid, hardswish: Hardswish, hardsigmoid: Hardsigmoid, gelu: GELU,
};

/** The named subclass for a kind (so summaries show 'ReLU', 'SiLU' ...). */
export function activationModule(kind: ActivationKind): Activation {
  const C = BY_KIND[kind];
  if (!C) throw new ConvnetsError(`activation: kind must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(kind)}`);
  return new C();
}
