// Plan: a module's named tensors. Inside a planned step (memory.ts: MemoryPlanner.run) every request
// goes to the step's schedule and gets a view into the one arena, so the planner is the allocator of
// a step's tensors. Outside one (a bare forward/backward, as in tests and scripts) the plan keeps one
// tensor per name, allocated on first use for a shape and reused while shape and backend stay the
// same, so a loop still allocates nothing after its first iteration.
import type { Backend } from '../core/backend.js';
import { Tensor } from '../core/tensor.js';
import type { Shape } from '../core/shape.js';
import { Module } from './module.js';
import type { ForwardContext } from './module.js';
import { ConvnetsError } from '../core/backend.js';
import { activeStep } from './memory.js';

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

let nextOwner = 1;

export class Plan {
  private readonly tensors = new Map<string, Tensor>();
  /** Identifies this plan's requests in step schedules. */
  readonly owner = nextOwner++;

  /** The planned tensor `name` with this shape on this backend (contents are whatever was left there). */
  tensor(name: string, shape: Shape, backend: Backend): Tensor {
    const step = activeStep();
    if (step) return step.tensor(this.owner, name, shape, backend);
    const t = this.tensors.get(name);
    if (t && !t.disposed && t.backend === backend && sameShape(t.shape, shape)) return t;
    t?.dispose();
    const fresh = new Tensor(backend, shape);
    this.tensors.set(name, fresh);
    return fresh;
  }

  /** Frees every tensor held outside planned steps. */
  release(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }

  /** Scalars held outside planned steps (for summaries and tests). */
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
  /**
   * Whether backward reads this module's own output. When it does not (conv, batch norm, linear), the
   * next module may overwrite the output in place in training (ReLU after batch norm, see containers.ts).
   */
  readonly backwardReadsOutput: boolean = true;

  protected override releasePlan(): void { this.plan.release(); }

  /** Whether this forward uses training behaviour (batch statistics, dropout). */
  protected isTraining(ctx: ForwardContext): boolean { return ctx.training && this.training; }
}

/** Throws the error every backward without a saved forward gives. */
export function noForward(type: string): never {
  throw new ConvnetsError(`${type}.backward: no saved forward; call forward(x, { training: true }) first`);
}
