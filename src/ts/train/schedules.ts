// Learning-rate schedules as pure functions of the global step (0-based), so a resumed run picks up
// the exact rate: constant, step decay, cosine, linear warm-up (wrapping any of them), one-cycle
// (torch.optim.lr_scheduler.OneCycleLR with cosine annealing, two phases).
import { ConvnetsError } from '../core/backend.js';

export interface Schedule {
  readonly name: string;
  /** Learning rate for the update at `step` (0-based). */
  lr(step: number): number;
}

export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'step'; stepSize: number; gamma?: number }
  | { kind: 'cosine'; minLr?: number }
  | { kind: 'onecycle'; pctStart?: number; divFactor?: number; finalDivFactor?: number };

function check(name: string, arg: string, v: number, ok: boolean): void {
  if (!Number.isFinite(v) || !ok) throw new ConvnetsError(`schedule ${name}: invalid ${arg} ${v}`);
}

export function constantSchedule(lr: number): Schedule {
  check('constant', 'lr', lr, lr >= 0);
  return { name: 'constant', lr: () => lr };
}

/** lr * gamma^floor(step / stepSize) (torch StepLR, counted in steps). */
export function stepSchedule(lr: number, stepSize: number, gamma = 0.1): Schedule {
  check('step', 'stepSize', stepSize, Number.isInteger(stepSize) && stepSize > 0);
  check('step', 'gamma', gamma, gamma > 0);
  return { name: 'step', lr: (s) => lr * Math.pow(gamma, Math.floor(s / stepSize)) };
}

/** minLr + (lr - minLr) * (1 + cos(pi * step / total)) / 2, then minLr (torch CosineAnnealingLR, T_max = total). */
export function cosineSchedule(lr: number, totalSteps: number, minLr = 0): Schedule {
  check('cosine', 'totalSteps', totalSteps, Number.isInteger(totalSteps) && totalSteps > 0);
  return {
    name: 'cosine',
    lr: (s) => (s >= totalSteps ? minLr : minLr + (lr - minLr) * (1 + Math.cos(Math.PI * s / totalSteps)) / 2),
  };
}

/** Linear warm-up: lr_inner(0) * (step + 1) / warmup for the first `warmup` steps, then the inner schedule shifted. */
export function withWarmup(inner: Schedule, warmupSteps: number): Schedule {
  check('warmup', 'warmupSteps', warmupSteps, Number.isInteger(warmupSteps) && warmupSteps >= 0);
  if (warmupSteps === 0) return inner;
  return {
    name: `warmup(${warmupSteps})+${inner.name}`,
    lr: (s) => (s < warmupSteps ? inner.lr(0) * (s + 1) / warmupSteps : inner.lr(s - warmupSteps)),
  };
}

/**
 * One-cycle as torch OneCycleLR (anneal_strategy 'cos', three_phase False): from maxLr/divFactor up to
 * maxLr over pctStart of the steps, then down to maxLr/(divFactor*finalDivFactor) at the last step.
 */
export function oneCycleSchedule(maxLr: number, totalSteps: number, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4): Schedule {
  check('onecycle', 'totalSteps', totalSteps, Number.isInteger(totalSteps) && totalSteps > 1);
  check('onecycle', 'pctStart', pctStart, pctStart > 0 && pctStart < 1);
  const initial = maxLr / divFactor, final = initial / finalDivFactor;
  const upEnd = pctStart * totalSteps - 1, downEnd = totalSteps - 1;
  const anneal = (a: number, b: number, pct: number): number => b + (a - b) / 2 * (Math.cos(Math.PI * pct) + 1);
  return {
    name: 'onecycle',
    lr: (s) => {
      const st = Math.min(s, downEnd);
      if (st <= upEnd) return anneal(initial, maxLr, upEnd > 0 ? st / upEnd : 1);
      return anneal(maxLr, final, (st - upEnd) / (downEnd - upEnd));
    },
  };
}

export function createSchedule(spec: ScheduleSpec, lr: number, totalSteps: number, warmupSteps = 0): Schedule {
  check(spec.kind, 'lr', lr, lr >= 0);
  let s: Schedule;
  const rest = Math.max(1, totalSteps - warmupSteps);
  switch (spec.kind) {
    case 'constant': s = constantSchedule(lr); break;
    case 'step': s = stepSchedule(lr, spec.stepSize, spec.gamma); break;
    case 'cosine': s = cosineSchedule(lr, rest, spec.minLr); break;
    case 'onecycle': return oneCycleSchedule(lr, Math.max(2, totalSteps), spec.pctStart, spec.divFactor, spec.finalDivFactor);
    default: throw new ConvnetsError(`unknown schedule '${(spec as { kind: string }).kind}' (constant, step, cosine, onecycle)`);
  }
  return withWarmup(s, warmupSteps);
}
