// Containers: Sequential, Residual (add), Concat (channel concat), plus the view-only Flatten and
// Identity. Children are registered flat under the names the builder gives, so parameter names come
// out as torchvision's ('layer1.0.conv1.weight', 'layer1.0.downsample.0.weight', 'features.denseblock1...').
import * as ops from '../core/ops.js';
import { ConvnetsError } from '../core/backend.js';
import { hash32 } from '../core/random.js';
import { checkSameShape, concatShape, shapeSize, shapeToString } from '../core/shape.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { INFERENCE, Module } from './module.js';
import type { ForwardContext, LayerInfo } from './module.js';
import { PlannedModule, noForward } from './plan.js';
import { nextSalt } from './init.js';
import { Activation } from './activation.js';
import { asRecomputation } from './memory.js';

/** Whether `m`'s backward never reads its own output, so the next module may overwrite it in training. */
function outputDisposable(m: Module | undefined): boolean {
  if (m instanceof Sequential) return m.length > 0 && outputDisposable(m.at(-1));
  return m instanceof PlannedModule && !m.backwardReadsOutput && m.fusedInto === null;
}

/** Runs m on x, in place when m is a ReLU/ReLU6 and x's producer does not need x in backward. */
function step(m: Module, prev: Module | undefined, x: Tensor, ctx: ForwardContext): Tensor {
  if (m instanceof Activation && m.canRunInPlace && outputDisposable(prev)) return m.forwardInPlace(x, ctx);
  return m.forward(x, ctx);
}

function join(prefix: string, name: string): string { return prefix ? `${prefix}.${name}` : name; }

function hasState(m: Module): boolean {
  for (const [, sub] of m.namedModules()) if (sub.params.size || sub.buffers.size) return true;
  return false;
}

/**
 * Registers children under unique names. A repeated name is an error for modules holding parameters
 * (they would vanish from the state dict); stateless ones (a second 'relu') get a '_1' suffix.
 * One instance may appear only once: modules keep per-call state for backward.
 */
function registerAll(owner: string, add: (name: string, m: Module) => void, taken: Map<string, Module>,
  entries: readonly (readonly [string, Module])[]): [string, Module][] {
  const out: [string, Module][] = [];
  for (const e of entries) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !(e[1] instanceof Module)) {
      throw new ConvnetsError(`${owner}: children must be [name, Module] pairs, got ${String(e)}`);
    }
    let [name, m] = e;
    for (const other of taken.values()) {
      if (other === m) throw new ConvnetsError(`${owner}: module '${name}' is registered twice; create a new instance for each use`);
    }
    if (taken.has(name)) {
      if (hasState(m)) throw new ConvnetsError(`${owner}: two children are named '${name}'`);
      let i = 1;
      while (taken.has(`${name}_${i}`)) i++;
      name = `${name}_${i}`;
    }
    taken.set(name, m);
    add(name, m);
    out.push([name, m]);
  }
  return out;
}

/** Adds the failing layer's dotted name to a ConvnetsError (innermost container only). */
function atLayer(e: unknown, name: string): unknown {
  if (e instanceof ConvnetsError && !e.message.includes('(at layer ')) {
    const wrapped = new ConvnetsError(`${e.message} (at layer '${name}')`);
    wrapped.stack = e.stack;
    return wrapped;
  }
  return e;
}

/** Forward errors: each enclosing container prepends its child's name, giving the dotted path. */
function atForward(e: unknown, name: string): unknown {
  if (!(e instanceof ConvnetsError)) return e;
  const m = /^([\s\S]*) \(at layer '([^']*)'\)$/.exec(e.message);
  const wrapped = new ConvnetsError(m ? `${m[1]} (at layer '${name}.${m[2]}')` : `${e.message} (at layer '${name}')`);
  wrapped.stack = e.stack;
  return wrapped;
}

function chainShape(mods: readonly Module[], input: Shape): number[] {
  let s = [...input];
  for (const m of mods) s = m.outputShape(s);
  return s;
}

function chainLayers(mods: readonly (readonly [string, Module])[], input: Shape, prefix: string): { layers: LayerInfo[]; shape: number[] } {
  let s = [...input];
  const layers: LayerInfo[] = [];
  for (const [name, m] of mods) {
    try {
      layers.push(...m.layers(s, join(prefix, name)));
      s = m.outputShape(s);
    } catch (e) {
      throw atLayer(e, join(prefix, name));
    }
  }
  return { layers, shape: s };
}

/** Runs a chain of modules (in place where containers may: see step()). */
export function chainForward(mods: readonly Module[], x: Tensor, ctx: ForwardContext, names?: readonly string[]): Tensor {
  let h = x;
  for (let i = 0; i < mods.length; i++) {
    try {
      h = step(mods[i], mods[i - 1], h, ctx);
    } catch (e) {
      throw atForward(e, names ? names[i] : String(i));
    }
  }
  return h;
}

function chainBackward(mods: readonly Module[], dy: Tensor): Tensor {
  let d = dy;
  for (let i = mods.length - 1; i >= 0; i--) d = mods[i].backward(d);
  return d;
}

export class Sequential extends Module {
  private entries: [string, Module][] = [];
  private readonly taken = new Map<string, Module>();

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** A Sequential with named children (torchvision's OrderedDict form). */
  static named(entries: readonly (readonly [string, Module])[]): Sequential {
    const s = new Sequential();
    for (const [n, m] of entries) s.append(m, n);
    return s;
  }

  /** Adds a child at the end (named by its index unless a name is given). */
  append(m: Module, name?: string): this {
    const n = name ?? String(this.entries.length);
    this.entries.push(...registerAll('Sequential', (k, c) => this.addModule(k, c), this.taken, [[n, m]]));
    return this;
  }

  get length(): number { return this.entries.length; }
  at(i: number): Module { return this.entries[i < 0 ? this.entries.length + i : i][1]; }
  get(name: string): Module | undefined { return this.children.get(name); }
  modules(): Module[] { return this.entries.map((e) => e[1]); }
  childNames(): string[] { return this.entries.map((e) => e[0]); }
  namedEntries(): [string, Module][] { return [...this.entries]; }

  /**
   * Checkpointing (recompute.ts sets it): children in segments of this many; in training only each
   * segment's input is kept, and backward recomputes the segment's forward before its backward.
   * 0 = off.
   */
  checkpointEvery = 0;
  private segments: { from: number; to: number; x: Tensor; ctx: ForwardContext; kept: boolean }[] | null = null;

  forward(x: Tensor, ctx: ForwardContext = INFERENCE): Tensor {
    const k = this.checkpointEvery;
    if (!(k > 0 && ctx.training && !ctx.recompute)) {
      this.segments = null;
      return chainForward(this.modules(), x, ctx, this.childNames());
    }
    const mods = this.modules(), names = this.childNames();
    this.segments = [];
    let h = x;
    for (let from = 0; from < mods.length; from += k) {
      const to = Math.min(mods.length, from + k);
      // The last segment keeps its activations: its backward comes right after, recomputing it saves nothing.
      this.segments.push({ from, to, x: h, ctx, kept: to === mods.length });
      h = chainForward(mods.slice(from, to), h, ctx, names.slice(from, to));
    }
    return h;
  }

  backward(dy: Tensor): Tensor {
    const segs = this.segments;
    if (!segs) return chainBackward(this.modules(), dy);
    const mods = this.modules(), names = this.childNames();
    let d = dy;
    for (let i = segs.length - 1; i >= 0; i--) {
      const { from, to, x, ctx, kept } = segs[i];
      const part = mods.slice(from, to);
      if (kept) { d = chainBackward(part, d); continue; }
      // The same input, seed and batch statistics give the same forward bits, so the same gradients.
      d = asRecomputation(() => {
        chainForward(part, x, { ...ctx, recompute: true }, names.slice(from, to));
        return chainBackward(part, d);
      });
    }
    return d;
  }
  outputShape(input: Shape): number[] { return chainShape(this.modules(), input); }
  override layers(input: Shape, prefix = ''): LayerInfo[] { return chainLayers(this.entries, input, prefix).layers; }
}

export interface ResidualOptions {
  /** Projection on the skip path (torchvision's 'downsample'); identity when absent. */
  shortcut?: readonly [string, Module];
  /** Applied after the sum (the ReLU of a post-activation ResNet block). */
  post?: Module | readonly [string, Module];
  /** Stochastic depth rate: the main branch of a whole sample is dropped (scaled by 1/(1-p) when kept) in training. */
  dropPath?: number;
}

/** y = post(main(x) + shortcut(x)), shortcut = identity when absent. */
export class Residual extends PlannedModule {
  readonly main: [string, Module][];
  readonly shortcut: [string, Module] | null;
  readonly post: [string, Module] | null;
  readonly dropPath: number;
  readonly salt = nextSalt();
  private saved: { x: Tensor; mask: Tensor | null } | null = null;

  constructor(main: readonly (readonly [string, Module])[], opts: ResidualOptions = {}) {
    super();
    if (!Array.isArray(main) || main.length === 0) throw new ConvnetsError('Residual: the main path needs at least one module');
    const taken = new Map<string, Module>();
    const add = (n: string, m: Module): void => { this.addModule(n, m); };
    this.main = registerAll('Residual', add, taken, main);
    this.shortcut = opts.shortcut ? registerAll('Residual', add, taken, [opts.shortcut])[0] : null;
    const post = opts.post instanceof Module ? (['post', opts.post] as const) : opts.post;
    this.post = post ? registerAll('Residual', add, taken, [post])[0] : null;
    this.dropPath = opts.dropPath ?? 0;
    if (typeof this.dropPath !== 'number' || !(this.dropPath >= 0 && this.dropPath < 1)) {
      throw new ConvnetsError(`Residual: dropPath must be in [0, 1), got ${opts.dropPath}`);
    }
  }

  private mains(): Module[] { return this.main.map((e) => e[1]); }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const be = x.backend;
    let h = chainForward(this.mains(), x, ctx, this.main.map((e) => e[0]));
    const s = this.shortcut ? chainForward([this.shortcut[1]], x, ctx, [this.shortcut[0]]) : x;
    if (h.shape.length !== s.shape.length || h.shape.some((d, i) => d !== s.shape[i])) {
      throw new ConvnetsError(`Residual: main path gives ${shapeToString(h.shape)} but the shortcut gives ` +
        `${shapeToString(s.shape)}; add a projection shortcut (e.g. 1x1 conv with stride) so they match`);
    }
    let mask: Tensor | null = null;
    if (this.dropPath > 0 && this.isTraining(ctx)) {
      mask = ops.dropoutMask([h.shape[0]], this.dropPath, hash32(ctx.seed ?? 0, this.salt) | 0,
        this.plan.tensor('dpMask', [h.shape[0]], be));
      h = ops.sampleScale(h, mask, this.plan.tensor('dp', h.shape, be));
    }
    // The sum goes over the main path's output when its producer does not read it in backward (add's
    // backward reads neither input): one activation less to keep.
    const last = mask ? this : this.main[this.main.length - 1][1];
    const overMain = h !== x && h !== s && (mask ? true : outputDisposable(last)) && !ops.getTracer();
    const sum = ops.add(h, s, overMain ? h : this.plan.tensor('sum', h.shape, be));
    this.saved = ctx.training ? { x, mask } : null;
    if (!this.post) return sum;
    // The sum is read by nobody's backward: the post activation may overwrite it.
    return this.post[1] instanceof Activation && this.post[1].canRunInPlace
      ? this.post[1].forwardInPlace(sum, ctx) : this.post[1].forward(sum, ctx);
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('Residual');
    const { x, mask } = this.saved;
    const be = x.backend;
    const d = this.post ? this.post[1].backward(dy) : dy;
    const dm = mask ? ops.sampleScale(d, mask, this.plan.tensor('ddp', d.shape, be)) : d;
    const gm = chainBackward(this.mains(), dm);
    const gs = this.shortcut ? this.shortcut[1].backward(d) : d;
    return ops.addGrad(gm, gs, this.plan.tensor('dx', x.shape, be));
  }

  outputShape(input: Shape): number[] {
    const m = chainShape(this.mains(), input);
    const s = this.shortcut ? this.shortcut[1].outputShape(input) : [...input];
    checkSameShape('Residual', m, s, 'main path output', 'shortcut output');
    return this.post ? this.post[1].outputShape(m) : m;
  }

  override layers(input: Shape, prefix = ''): LayerInfo[] {
    const main = chainLayers(this.main, input, prefix);
    const out = [...main.layers];
    if (this.shortcut) out.push(...this.shortcut[1].layers(input, join(prefix, this.shortcut[0])));
    out.push({ name: join(prefix, '+'), type: 'Add', inputShape: main.shape, outputShape: main.shape, params: 0, macs: 0 });
    if (this.post) out.push(...this.post[1].layers(main.shape, join(prefix, this.post[0])));
    return out;
  }
}

/** Branches (each a chain of named modules; an empty chain is the identity) concatenated along channels. */
export class Concat extends PlannedModule {
  readonly branches: [string, Module][][];
  private saved: { x: Tensor; channels: number[] } | null = null;

  constructor(branches: readonly (readonly (readonly [string, Module])[])[]) {
    super();
    if (!Array.isArray(branches) || branches.length === 0) throw new ConvnetsError('Concat: needs at least one branch');
    const taken = new Map<string, Module>();
    this.branches = branches.map((b) => {
      if (!Array.isArray(b)) throw new ConvnetsError('Concat: each branch must be a list of [name, Module] pairs');
      return registerAll('Concat', (n, m) => { this.addModule(n, m); }, taken, b);
    });
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const outs = this.branches.map((b) => chainForward(b.map((e) => e[1]), x, ctx, b.map((e) => e[0])));
    const shape = concatShape('Concat', outs.map((t) => t.shape));
    const y = ops.concat(outs, this.plan.tensor('y', shape, x.backend));
    this.saved = ctx.training ? { x, channels: outs.map((t) => t.shape[t.shape.length - 1]) } : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('Concat');
    const { x, channels } = this.saved;
    const be = x.backend;
    const lead = dy.shape.slice(0, -1);
    const parts = ops.split(dy, channels, channels.map((c, i) => this.plan.tensor(`d${i}`, [...lead, c], be)));
    const grads = this.branches.map((b, i) => chainBackward(b.map((e) => e[1]), parts[i]));
    if (grads.length === 1) return grads[0];
    const dx = ops.addGrad(grads[0], grads[1], this.plan.tensor('dx', x.shape, be));
    for (let i = 2; i < grads.length; i++) ops.addGrad(dx, grads[i], dx);
    return dx;
  }

  outputShape(input: Shape): number[] {
    return concatShape('Concat', this.branches.map((b) => chainShape(b.map((e) => e[1]), input)));
  }

  override layers(input: Shape, prefix = ''): LayerInfo[] {
    const out: LayerInfo[] = [];
    const shapes: number[][] = [];
    for (const b of this.branches) {
      const r = chainLayers(b, input, prefix);
      out.push(...r.layers);
      shapes.push(r.shape);
    }
    const y = concatShape('Concat', shapes);
    out.push({ name: join(prefix, 'cat'), type: 'Concat', inputShape: [...input], outputShape: y, params: 0, macs: 0 });
    return out;
  }
}

/** [n, h, w, c] -> [n, h*w*c] in NHWC (channels-last) order: a traced view, no copy. */
export class Flatten extends PlannedModule {
  private view: Tensor | null = null;
  private inShape: readonly number[] | null = null;

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    void ctx;
    this.inShape = x.shape;
    this.view = ops.reshape(x, this.outputShape(x.shape), this.view ?? undefined);
    return this.view;
  }

  backward(dy: Tensor): Tensor {
    if (!this.inShape) noForward('Flatten');
    return dy.reshape(this.inShape);
  }

  outputShape(input: Shape): number[] {
    if (input.length < 1) throw new ConvnetsError('Flatten: input must have a batch axis');
    return [input[0], shapeSize(input) / input[0]];
  }
}

export class Identity extends Module {
  forward(x: Tensor, _ctx: ForwardContext): Tensor { return x; }
  backward(dy: Tensor): Tensor { return dy; }
  outputShape(input: Shape): number[] { return [...input]; }
}
