// Optimisers as backend kernels: parameters, gradients and state stay on the backend; only scalars
// (lr, step) cross. Semantics are torch.optim.SGD (dampening 0) and torch.optim.AdamW.
// Frozen parameters (trainable = false) and parameters without a gradient are skipped; with
// skipDecayForBnAndBias, parameters whose `decay` flag is false (BN gamma/beta, biases) get no decay.
import { ConvnetsError } from '../core/backend.js';
import { Tensor } from '../core/tensor.js';
import * as ops from '../core/ops.js';
import type { Module, Parameter } from '../nn/module.js';

export interface OptimizerOptions {
  lr: number;
  weightDecay?: number;
  /** Parameters with decay = false (BN and bias by the nn convention) are not decayed. */
  skipDecayForBnAndBias?: boolean;
}
export interface SgdOptions extends OptimizerOptions { momentum?: number; nesterov?: boolean; }
export interface AdamWOptions extends OptimizerOptions { beta1?: number; beta2?: number; eps?: number; }

interface Slot { name: string; p: Parameter; state: Tensor[]; }

export abstract class Optimizer {
  lr: number;
  /** Updates applied so far (AdamW bias correction uses it; saved in checkpoints). */
  stepCount = 0;
  protected readonly slots: Slot[] = [];

  constructor(named: Iterable<[string, Parameter]>, readonly opts: OptimizerOptions, stateNames: readonly string[]) {
    if (!(opts.lr >= 0) || !Number.isFinite(opts.lr)) throw new ConvnetsError(`optimizer: lr must be a non-negative number, got ${opts.lr}`);
    const wd = opts.weightDecay ?? 0;
    if (!(wd >= 0) || !Number.isFinite(wd)) throw new ConvnetsError(`optimizer: weightDecay must be a non-negative number, got ${wd}`);
    this.lr = opts.lr;
    for (const [name, p] of named) {
      const state = stateNames.map(() => Tensor.zeros(p.value.shape, p.value.backend));
      this.slots.push({ name, p, state });
    }
    this.stateNames = stateNames;
  }

  readonly stateNames: readonly string[];
  abstract readonly kind: 'sgd' | 'adamw';

  protected decayFor(p: Parameter): number {
    return this.opts.skipDecayForBnAndBias && !p.decay ? 0 : this.opts.weightDecay ?? 0;
  }

  /** Applies one update with the current lr (or `lr`) to every trainable parameter that has a gradient. */
  step(lr = this.lr): void {
    this.stepCount++;
    for (const s of this.slots) {
      if (!s.p.trainable || !s.p.grad) continue;
      this.update(s, lr);
    }
  }

  protected abstract update(s: Slot, lr: number): void;

  /** State tensors by checkpoint name: `optim.<param>.<state>` (torch's state names). */
  *namedState(): Generator<[string, Tensor]> {
    for (const s of this.slots) for (let k = 0; k < s.state.length; k++) yield [`optim.${s.name}.${this.stateNames[k]}`, s.state[k]];
  }

  /** Restores state written by namedState(); every entry must be present with its shape. */
  loadState(get: (name: string) => { shape: number[]; data: Float32Array } | undefined, source: string): void {
    for (const [name, t] of this.namedState()) {
      const e = get(name);
      if (!e) throw new ConvnetsError(`${source}: optimizer state '${name}' is missing (checkpoint of another optimizer or model?)`);
      // The exact shape, not just the element count: an [1,3,3,16] moment for a [16,3,3,1] filter is another tensor.
      if (e.data.length !== t.size || e.shape.length !== t.shape.length || e.shape.some((d, i) => d !== t.shape[i])) {
        throw new ConvnetsError(`${source}: optimizer state '${name}' has shape [${e.shape.join(', ')}], expected [${t.shape.join(', ')}]`);
      }
      t.set(e.data);
    }
  }

  dispose(): void {
    for (const s of this.slots) for (const t of s.state) t.dispose();
    this.slots.length = 0;
  }
}

export class SGD extends Optimizer {
  readonly kind = 'sgd' as const;
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(named: Iterable<[string, Parameter]>, opts: SgdOptions) {
    super(named, opts, ['momentum_buffer']);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new ConvnetsError(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
    if (this.nesterov && this.momentum === 0) throw new ConvnetsError('SGD: nesterov needs a momentum > 0');
  }
  protected update(s: Slot, lr: number): void {
    ops.sgdUpdate(s.p.value, s.p.grad!, s.state[0],
      { lr, momentum: this.momentum, weightDecay: this.decayFor(s.p), nesterov: this.nesterov });
  }
}

export class AdamW extends Optimizer {
  readonly kind = 'adamw' as const;
  readonly beta1: number; readonly beta2: number; readonly eps: number;
  constructor(named: Iterable<[string, Parameter]>, opts: AdamWOptions) {
    super(named, { weightDecay: 0.01, ...opts }, ['exp_avg', 'exp_avg_sq']);
    this.beta1 = opts.beta1 ?? 0.9; this.beta2 = opts.beta2 ?? 0.999; this.eps = opts.eps ?? 1e-8;
    for (const [k, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new ConvnetsError(`AdamW: ${k} must be in [0, 1), got ${b}`);
    }
    if (!(this.eps > 0)) throw new ConvnetsError(`AdamW: eps must be positive, got ${this.eps}`);
  }
  protected update(s: Slot, lr: number): void {
    ops.adamwUpdate(s.p.value, s.p.grad!, s.state[0], s.state[1],
      { lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.decayFor(s.p), step: this.stepCount });
  }
}

export type OptimizerName = 'sgd' | 'adamw';

/** Builds an optimiser over a model's parameters (all of them: frozen ones are skipped at step time). */
export function createOptimizer(name: string, model: Module, opts: SgdOptions & AdamWOptions): Optimizer {
  const named = [...model.namedParameters()];
  if (name === 'sgd') return new SGD(named, opts);
  if (name === 'adamw') return new AdamW(named, opts);
  throw new ConvnetsError(`unknown optimizer '${name}' (sgd, adamw)`);
}
