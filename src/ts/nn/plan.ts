// Memory plan: a module's forward/backward tensors, allocated on the first use for a shape and reused
// while the shape (and backend) stay the same, so a training loop allocates nothing after its first
// step. A shape change frees the old tensor and allocates a new one.
import type { Backend } from '../core/backend.js';
import { Tensor } from '../core/tensor.js';
import type { Shape } from '../core/shape.js';
import { Module } from './module.js';
import type { ForwardContext } from './module.js';
import { ConvnetsError } from '../core/backend.js';

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export class Plan {
  private readonly tensors = new Map<string, Tensor>();

  /** The planned tensor `name` with this shape on this backend (contents are whatever was left there). */
  tensor(name: string, shape: Shape, backend: Backend): Tensor {
    const t = this.tensors.get(name);
    if (t && !t.disposed && t.backend === backend && sameShape(t.shape, shape)) return t;
    t?.dispose();
    const fresh = new Tensor(backend, shape);
    this.tensors.set(name, fresh);
    return fresh;
  }

  /** Frees every planned tensor. */
  release(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }

  /** Scalars held (for summaries and tests). */
  allocated(): number {
    let s = 0;
    for (const t of this.tensors.values()) if (!t.disposed) s += t.size;
    return s;
  }
}

/** Base of the modules that plan memory: owns a Plan released by dispose(). */
export abstract class PlannedModule extends Module {
  protected readonly plan = new Plan();
  /** Set by fuseForInference: this module's work is done by that conv in inference (forward passes x through). */
  fusedInto: Module | null = null;

  protected override releasePlan(): void { this.plan.release(); }

  /** Whether this forward uses training behaviour (batch statistics, dropout). */
  protected isTraining(ctx: ForwardContext): boolean { return ctx.training && this.training; }
}

/** Throws the error every backward without a saved forward gives. */
export function noForward(type: string): never {
  throw new ConvnetsError(`${type}.backward: no saved forward; call forward(x, { training: true }) first`);
}
