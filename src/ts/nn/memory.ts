// Whole-step memory planning. The first time a step runs for a key (input shape, mode), it runs DRY:
// every kernel of the backend is a no-op and planned tensors get placeholder buffers, while the
// planner records each planned tensor (who asked for it, its size) and every time its storage is
// touched. That gives each tensor a lifetime [first request, last touch]. Offsets in ONE arena per
// backend are then assigned greedily by size with best fit among the blocks whose lifetimes overlap
// (TFLite's "greedy by size" arena planner). Every later run of the key replays the schedule: each
// request gets a view into the arena at its offset, so a step allocates nothing and a gradient's
// storage is reused as soon as its consumer ran.
//
// Correctness rests on two facts: a step issues the same requests in the same order for the same key
// (checked on every request; a deviation falls back to private allocations for the rest of that
// step and re-plans the key), and a kernel fetches its buffers right before it runs, synchronously, so
// a request made after a tensor's last touch cannot overlap its use.
import { ConvnetsError, KERNEL_NAMES } from '../core/backend.js';
import type { Backend, Buf } from '../core/backend.js';
import { Tensor } from '../core/tensor.js';
import { shapeSize } from '../core/shape.js';
import type { Shape } from '../core/shape.js';

/** Offsets and sizes are rounded to 16 scalars (64 bytes in float32: a cache line, SIMD-aligned). */
const ALIGN = 16;
const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** One planned tensor of a step: who requested it, its size and lifetime, and its arena offset. */
export interface PlanEntry {
  readonly key: string;
  readonly shape: readonly number[];
  readonly size: number;
  /** Clock of the request and of the last touch of its storage (Infinity: kept past the step). */
  start: number;
  end: number;
  offset: number;
}

/** The planned memory of one step kind. */
export interface StepSchedule {
  readonly key: string;
  readonly entries: PlanEntry[];
  /** Arena scalars the offsets need. */
  readonly peak: number;
  /** Sum of every planned tensor's size (what one allocation per tensor would hold). */
  readonly unplanned: number;
  /** Largest sum of sizes alive at one instant (a lower bound for any offset assignment). */
  readonly liveBound: number;
}

/** Placeholder storage of a dry run (kernels are no-ops, nothing is read or written). */
class DryBuffer { constructor(readonly length: number) {} }

/** A planned tensor: its storage is a view into the arena (or a dry placeholder while planning). */
class PlannedTensor extends Tensor {
  constructor(backend: Backend, shape: Shape, buffer: Buf, readonly entry: PlanEntry, private readonly run: StepRun) {
    super(backend, shape, buffer, false);
  }

  override get buffer(): Buf {
    if (this.run.recording) this.run.touch(this.entry);
    return super.buffer;
  }

  override reshape(shape: Shape): Tensor {
    const v = super.reshape(shape);
    return new PlannedTensor(this.backend, v.shape, v.buffer, this.entry, this.run);
  }
}

/** One execution of a step under the planner (a dry recording run or a replay). */
class StepRun {
  clock = 0;
  private gen = 0;
  private gensMade = 0;
  private readonly gens: number[] = [];
  private readonly byKey = new Map<string, PlannedTensor | Tensor>();
  private index = 0;
  readonly extras: Tensor[] = [];
  deviated = false;
  readonly entries: PlanEntry[] = [];

  constructor(readonly backend: Backend, readonly recording: boolean, readonly schedule: StepSchedule | null,
    private readonly views: (Tensor | null)[] | null) {}

  touch(e: PlanEntry): void { if (e.end !== Infinity) e.end = this.clock++; }

  /** Requests of a recomputed forward are new tensors (their own lifetimes), not the first forward's. */
  pushGeneration(): void { this.gens.push(this.gen); this.gen = ++this.gensMade; }
  popGeneration(): void { this.gen = this.gens.pop() ?? 0; }

  tensor(owner: number, name: string, shape: Shape, backend: Backend): Tensor {
    if (backend !== this.backend) {
      throw new ConvnetsError(`memory plan: a tensor on backend '${backend.name}' was requested in a step planned for '${this.backend.name}'`);
    }
    const key = `${owner}:${name}:${this.gen}`;
    const size = shapeSize(shape);
    const have = this.byKey.get(key);
    if (have && have.size === size) {
      if (have instanceof PlannedTensor && this.recording) this.touch(have.entry);
      return have.shape.length === shape.length && have.shape.every((d, i) => d === shape[i]) ? have : have.reshape(shape);
    }
    let t: Tensor;
    if (this.recording) {
      const e: PlanEntry = { key, shape: [...shape], size, start: this.clock++, end: 0, offset: -1 };
      e.end = e.start;
      this.entries.push(e);
      t = new PlannedTensor(backend, shape, new DryBuffer(size), e, this);
    } else {
      const i = this.index++;
      const e = this.schedule?.entries[i];
      const v = this.views?.[i];
      if (this.deviated || !e || !v || e.key !== key || e.size !== size) {
        // Off the recorded schedule (the model changed behaviour): private storage for the rest of the step.
        this.deviated = true;
        t = new Tensor(backend, shape);
        this.extras.push(t);
      } else {
        t = v.shape.length === shape.length && v.shape.every((d, k) => d === shape[k]) ? v : v.reshape(shape);
      }
    }
    this.byKey.set(key, t);
    return t;
  }

  keep(ts: readonly Tensor[]): void {
    if (!this.recording) return;
    for (const t of ts) if (t instanceof PlannedTensor) t.entry.end = Infinity;
  }
}

let active: StepRun | null = null;

/** The step being planned or replayed, if any (Plan.tensor routes its requests here). */
export function activeStep(): { tensor(owner: number, name: string, shape: Shape, backend: Backend): Tensor } | null { return active; }

/** Runs fn with the requests inside treated as a recomputed forward (fresh tensors; see recompute.ts). */
export function asRecomputation<T>(fn: () => T): T {
  const run = active;
  if (!run) return fn();
  run.pushGeneration();
  try { return fn(); } finally { run.popGeneration(); }
}

/** Offsets by greedy best fit, largest tensors first; returns the arena size in scalars. */
export function assignOffsets(entries: PlanEntry[]): number {
  const order = [...entries].sort((a, b) => b.size - a.size || a.start - b.start);
  const placed: PlanEntry[] = [];
  let peak = 0;
  for (const e of order) {
    const need = alignUp(e.size);
    const busy = placed.filter((p) => p.start <= e.end && e.start <= p.end).sort((a, b) => a.offset - b.offset);
    let best = -1, bestGap = Infinity, cursor = 0;
    for (const p of busy) {
      const gap = p.offset - cursor;
      if (gap >= need && gap < bestGap) { best = cursor; bestGap = gap; }
      cursor = Math.max(cursor, p.offset + alignUp(p.size));
    }
    e.offset = best >= 0 ? best : cursor;
    peak = Math.max(peak, e.offset + need);
    placed.push(e);
  }
  return peak;
}

function liveBound(entries: readonly PlanEntry[]): number {
  const ev: [number, number][] = [];
  for (const e of entries) { ev.push([e.start, alignUp(e.size)]); if (e.end !== Infinity) ev.push([e.end + 0.5, -alignUp(e.size)]); }
  ev.sort((a, b) => a[0] - b[0]);
  let cur = 0, best = 0;
  for (const [, d] of ev) { cur += d; best = Math.max(best, cur); }
  return best;
}

/** Runs fn with every kernel (and every memory call on a placeholder) of `backend` a no-op. */
function withDryKernels<T>(backend: Backend, fn: () => T): T {
  const be = backend as unknown as Record<string, unknown>;
  const saved = new Map<string, PropertyDescriptor | undefined>();
  const patch = (name: string, f: (...a: unknown[]) => unknown): void => {
    saved.set(name, Object.getOwnPropertyDescriptor(be, name));
    Object.defineProperty(be, name, { value: f, configurable: true, writable: true });
  };
  const dry = (a: unknown[]): boolean => a.some((x) => x instanceof DryBuffer);
  for (const k of KERNEL_NAMES) patch(k, () => undefined);
  for (const k of ['write', 'fill', 'copy'] as const) {
    const orig = (backend[k] as (...a: unknown[]) => unknown).bind(backend);
    patch(k, (...a) => (dry(a) ? undefined : orig(...a)));
  }
  const zeros = (b: Buf): Float32Array | Float64Array => (backend.dtype === 'float64' ? new Float64Array(b.length) : new Float32Array(b.length));
  const read = backend.read.bind(backend);
  patch('read', (b) => (b instanceof DryBuffer ? zeros(b) : read(b as Buf)));
  patch('readAsync', async (b) => (b instanceof DryBuffer ? zeros(b) : read(b as Buf)));
  try {
    return fn();
  } finally {
    for (const [k, d] of saved) {
      if (d) Object.defineProperty(be, k, d); else delete be[k];
    }
  }
}

interface Arena { buf: Buf; size: number; version: number; }
interface Planned { schedule: StepSchedule; views: (Tensor | null)[]; version: number; direct: Tensor[] | null; }

/**
 * Plans and runs steps. One instance per training run (or inference session): it owns one arena per
 * backend, sized for the largest schedule it has planned, and the schedules by key.
 */
export class MemoryPlanner {
  private readonly arenas = new Map<Backend, Arena>();
  private readonly plans = new Map<string, Planned>();
  private readonly noViews = new Set<Backend>();

  /** Records fn's schedule without computing anything (kernels are no-ops): nothing is allocated for its tensors. */
  plan<T>(key: string, backend: Backend, fn: () => T, keep?: (r: T) => readonly Tensor[]): StepSchedule {
    if (active) throw new ConvnetsError('memory plan: steps cannot nest');
    const run = new StepRun(backend, true, null, null);
    active = run;
    try {
      withDryKernels(backend, () => { const r = fn(); if (keep) run.keep(keep(r)); });
    } finally {
      active = null;
    }
    const unplanned = run.entries.reduce((s, e) => s + alignUp(e.size), 0);
    const peak = assignOffsets(run.entries);
    return { key, entries: run.entries, peak, unplanned, liveBound: liveBound(run.entries) };
  }

  /** The schedule of `key` if it was planned. */
  schedule(key: string): StepSchedule | null { return this.plans.get(key)?.schedule ?? null; }

  /**
   * Runs fn as the step `key`: planned on its first run (a dry pass), then every planned tensor is a
   * view into the arena. Tensors fn returns that must outlive the step go in `keep`.
   */
  run<T>(key: string, backend: Backend, fn: () => T, keep?: (r: T) => readonly Tensor[]): T {
    if (active) throw new ConvnetsError('memory plan: steps cannot nest');
    let p = this.plans.get(`${backend.name}:${key}`);
    if (!p) {
      const schedule = this.plan(key, backend, fn, keep);
      p = { schedule, views: [], version: -1, direct: null };
      this.plans.set(`${backend.name}:${key}`, p);
    }
    this.bind(p, backend);
    const run = new StepRun(backend, false, p.schedule, p.views);
    active = run;
    try {
      return fn();
    } finally {
      active = null;
      for (const t of run.extras) t.dispose();
      if (run.deviated) this.forget(`${backend.name}:${key}`);
    }
  }

  private forget(k: string): void {
    const p = this.plans.get(k);
    if (p?.direct) for (const t of p.direct) t.dispose();
    this.plans.delete(k);
  }

  /** Makes the arena big enough and (re)creates the schedule's views when the arena changed. */
  private bind(p: Planned, backend: Backend): void {
    if (p.direct) return;
    if (this.noViews.has(backend)) { this.direct(p, backend); return; }
    let a = this.arenas.get(backend);
    if (!a || a.size < p.schedule.peak) {
      const version = (a?.version ?? 0) + 1;
      if (a) backend.free(a.buf);
      this.arenas.delete(backend);
      a = { buf: backend.alloc(Math.max(p.schedule.peak, 1)), size: Math.max(p.schedule.peak, 1), version };
      this.arenas.set(backend, a);
    }
    if (p.version === a.version) return;
    try {
      const arena = a;
      p.views = p.schedule.entries.map((e) => new Tensor(backend, e.shape, backend.view(arena.buf, e.offset, e.size), false));
      p.version = a.version;
    } catch (e) {
      if (!(e instanceof ConvnetsError)) throw e;
      // A backend without sub-buffer views (a native addon built before them): no arena.
      this.noViews.add(backend);
      backend.free(a.buf);
      this.arenas.delete(backend);
      this.direct(p, backend);
    }
  }

  /** One allocation per planned tensor, kept across steps (no sharing): the per-module plan's memory. */
  private direct(p: Planned, backend: Backend): void {
    p.direct = p.schedule.entries.map((en) => new Tensor(backend, en.shape));
    p.views = p.direct;
  }

  /** Scalars held by the arenas. */
  allocated(): number {
    let s = 0;
    for (const a of this.arenas.values()) s += a.size;
    return s;
  }

  /** Frees the arenas and forgets every schedule. */
  dispose(): void {
    for (const k of [...this.plans.keys()]) this.forget(k);
    for (const [be, a] of this.arenas) be.free(a.buf);
    this.arenas.clear();
  }
}
