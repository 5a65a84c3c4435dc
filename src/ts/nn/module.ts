// Module: forward(x, ctx) / backward(dy) over core ops. Names and nesting follow torchvision, so
// namedParameters() yields 'layer1.0.conv1.weight' and a torchvision state dict maps 1:1.
//
// Memory ownership: a module plans its output/gradient tensors per input shape and REUSES them
// across steps; the tensor forward() returns (and backward() returns) belongs to the module (or to a
// module inside it: ReLU and residual sums run in place) and stays valid until the next forward/backward
// of the module or of any module inside it. Callers copy what they keep. dispose() frees all. Inside a
// planned step (memory.ts) tensors are views into one arena, valid until the end of the step unless kept.
import { Tensor } from '../core/tensor.js';
import type { Shape } from '../core/shape.js';

export interface ForwardContext {
  /** Training mode: batch statistics in BN, dropout active, activations saved for backward. */
  training: boolean;
  /** Seed for dropout / drop-connect in this step (the trainer advances it per step). */
  seed?: number;
  /**
   * A tensor whose gradient nobody needs (the trainer passes the image batch). A convolution whose
   * forward input is this very tensor skips its backward-data pass and returns dx filled with NaN,
   * so a misuse is loud. Identity, not shape, decides: an intermediate activation is never skipped.
   */
  noInputGrad?: Tensor;
  /**
   * Set while a checkpointed segment recomputes its forward in backward: batch norm then leaves the
   * running statistics alone (they were updated by the first forward).
   */
  recompute?: boolean;
}

/** Inference: what forward(x) without a context means (eval-mode BN, no dropout, nothing saved). */
export const INFERENCE: ForwardContext = Object.freeze({ training: false });

/** A learnable tensor with its gradient (same backend, same shape). */
export class Parameter {
  grad: Tensor | null = null;
  /** Frozen parameters get no gradient and are skipped by optimisers. */
  trainable = true;
  constructor(public value: Tensor, /** Weight decay applies (false for BN and bias by option). */ public decay = true) {}

  /** The gradient tensor, allocated on first use (zeros). */
  gradTensor(): Tensor {
    if (!this.grad) this.grad = Tensor.zeros(this.value.shape, this.value.backend);
    return this.grad;
  }

  dispose(): void {
    this.value.dispose();
    this.grad?.dispose();
    this.grad = null;
  }
}

/** Per-layer cost, for summaries and the analyses. */
export interface LayerInfo {
  name: string;
  type: string;
  inputShape: number[];
  outputShape: number[];
  params: number;
  macs: number;
  /** (kernel, stride, dilation) per spatial step (height; the W fields when they differ), for receptive fields. */
  window?: { k: number; stride: number; dilation: number; kW?: number; strideW?: number; dilationW?: number };
}

export abstract class Module {
  /** Child modules in registration order (names as torchvision: '0', 'conv1', 'layer1'...). */
  readonly children = new Map<string, Module>();
  readonly params = new Map<string, Parameter>();
  /** Non-trainable state saved with the model (BN running_mean / running_var). */
  readonly buffers = new Map<string, Tensor>();
  training = true;

  /** Without ctx: inference (INFERENCE). Containers pass their ctx down, so leaves always get one. */
  abstract forward(x: Tensor, ctx?: ForwardContext): Tensor;
  /** Given dL/dy of the last forward, writes parameter gradients and returns dL/dx. */
  abstract backward(dy: Tensor): Tensor;
  /** Output shape for an input shape (NHWC), without running anything. */
  abstract outputShape(input: Shape): number[];

  /** A short type name for summaries ('Conv2d', 'BatchNorm2d' ...). */
  get typeName(): string { return this.constructor.name; }

  protected addModule<M extends Module>(name: string, m: M): M { this.children.set(name, m); return m; }
  protected addParam(name: string, p: Parameter): Parameter { this.params.set(name, p); return p; }
  protected addBuffer(name: string, t: Tensor): Tensor { this.buffers.set(name, t); return t; }

  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [n, c] of this.children) yield* c.namedModules(prefix ? `${prefix}.${n}` : n);
  }

  *namedParameters(prefix = ''): Generator<[string, Parameter]> {
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [n, p] of m.params) yield [path ? `${path}.${n}` : n, p];
    }
  }

  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [n, b] of m.buffers) yield [path ? `${path}.${n}` : n, b];
    }
  }

  parameters(): Parameter[] { return [...this.namedParameters()].map(([, p]) => p); }

  /** Trainable scalar count. */
  paramCount(): number {
    let s = 0;
    for (const p of this.parameters()) s += p.value.size;
    return s;
  }

  bufferCount(): number {
    let s = 0;
    for (const [, b] of this.namedBuffers()) s += b.size;
    return s;
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this { return this.train(false); }

  /** Freezes (or unfreezes) every parameter of this subtree. */
  freeze(frozen = true): this {
    for (const p of this.parameters()) p.trainable = !frozen;
    return this;
  }

  /** Per-layer information for the leaves of this subtree, given an input shape. Containers override. */
  layers(input: Shape, prefix = ''): LayerInfo[] {
    let params = 0;
    for (const p of this.params.values()) params += p.value.size;
    return [{ name: prefix, type: this.typeName, inputShape: [...input], outputShape: this.outputShape(input), params, macs: 0 }];
  }

  /** Frees parameters, buffers and every planned tensor of this subtree. */
  dispose(): void {
    for (const c of this.children.values()) c.dispose();
    for (const p of this.params.values()) p.dispose();
    for (const b of this.buffers.values()) b.dispose();
    this.releasePlan();
  }

  /** Frees the planned activation/gradient tensors of this module only (override when holding any). */
  protected releasePlan(): void {}
}
