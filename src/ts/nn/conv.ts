// Conv2d as torchvision's (weight [outC, kH, kW, inC/groups] in OHWI, optional bias), NHWC in and out.
import * as ops from '../core/ops.js';
import { ConvnetsError } from '../core/backend.js';
import type { ActivationKind, Conv2dParams } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import type { Padding, Shape } from '../core/shape.js';
import { Parameter } from './module.js';
import type { ForwardContext, LayerInfo } from './module.js';
import { PlannedModule, noForward } from './plan.js';
import { initTensor, kaimingNormal_, zeros_ } from './init.js';

export interface Conv2dModuleOptions {
  stride?: number | readonly [number, number];
  /** Number, [h, w], [top, bottom, left, right], 'same' or 'valid' (default 0). */
  padding?: Padding;
  dilation?: number | readonly [number, number];
  groups?: number;
  /** Default true, as torch. */
  bias?: boolean;
}

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function checkPos(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new ConvnetsError(`Conv2d: ${name} must be a positive integer, got ${v}`);
}

export class Conv2d extends PlannedModule {
  override readonly backwardReadsOutput = false;
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly opts: Required<Omit<Conv2dModuleOptions, 'bias' | 'padding'>> & { padding: Padding };
  private saved: { x: Tensor; p: Conv2dParams; skipDx: boolean } | null = null;
  private resolved: { shape: readonly number[]; p: Conv2dParams } | null = null;

  constructor(inChannels: number, outChannels: number, kernel: number | readonly [number, number], opts: Conv2dModuleOptions = {}) {
    super();
    const [kH, kW] = pair(kernel);
    checkPos('in channels', inChannels); checkPos('out channels', outChannels);
    checkPos('kernel', kH); checkPos('kernel', kW);
    const groups = opts.groups ?? 1;
    checkPos('groups', groups);
    if (inChannels % groups || outChannels % groups) {
      throw new ConvnetsError(`Conv2d: in channels (${inChannels}) and out channels (${outChannels}) must be divisible by groups (${groups})`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = [kH, kW];
    this.opts = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1, groups };
    this.weight = this.addParam('weight', new Parameter(
      initTensor([outChannels, kH, kW, inChannels / groups], (t) => kaimingNormal_(t, 'fan_out'))));
    this.bias = opts.bias === false ? null : this.addParam('bias', new Parameter(initTensor([outChannels], zeros_), false));
  }

  /** Resolved kernel parameters for an input shape (cached for the last shape). */
  kernelParams(input: Shape): Conv2dParams {
    const r = this.resolved;
    if (r && r.shape.length === input.length && r.shape.every((d, i) => d === input[i])) return r.p;
    const p = ops.conv2dResolve(input, this.weight.value.shape, this.opts);
    this.resolved = { shape: [...input], p };
    return p;
  }

  /** Inference-only folded weights and epilogue (see fuse.ts); cleared by any training forward. */
  private fusion: { w: Tensor; b: Tensor | null; activation?: ActivationKind; absorbed: PlannedModule[] } | null = null;

  /** Runs inference with these weights/bias/activation instead, and the absorbed modules pass through. */
  setFusion(w: Tensor, b: Tensor | null, activation: ActivationKind | undefined, absorbed: PlannedModule[]): void {
    this.clearFusion();
    if (w.shape.join() !== this.weight.value.shape.join() || (b && b.shape.join() !== String(this.outChannels))) {
      throw new ConvnetsError(`Conv2d.setFusion: weight [${w.shape.join(', ')}] / bias must match the conv's ` +
        `[${this.weight.value.shape.join(', ')}] / [${this.outChannels}]`);
    }
    this.fusion = { w, b, activation, absorbed };
    for (const m of absorbed) m.fusedInto = this;
  }

  get fused(): boolean { return this.fusion !== null; }

  clearFusion(): void {
    const f = this.fusion;
    if (!f) return;
    for (const m of f.absorbed) m.fusedInto = null;
    if (f.w !== this.weight.value) f.w.dispose();
    if (f.b && f.b !== this.bias?.value) f.b.dispose();
    this.fusion = null;
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const p = this.kernelParams(x.shape);
    const y = this.plan.tensor('y', [p.n, p.outH, p.outW, p.outC], x.backend);
    if (this.fusion && ctx.training) this.clearFusion();
    const f = this.fusion;
    if (f) {
      ops.conv2d(x, f.w, f.b, { ...this.opts, activation: f.activation }, y);
      this.saved = null;
      return y;
    }
    ops.conv2d(x, this.weight.value, this.bias ? this.bias.value : null, this.opts, y);
    this.saved = ctx.training ? { x, p, skipDx: ctx.noInputGrad === x } : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('Conv2d');
    const { x, p, skipDx } = this.saved;
    const w = this.weight;
    const b = this.bias;
    if (w.trainable || (b && b.trainable)) {
      const dw = w.trainable ? w.gradTensor() : this.plan.tensor('dwScratch', w.value.shape, x.backend);
      const db = b ? (b.trainable ? b.gradTensor() : this.plan.tensor('dbScratch', b.value.shape, x.backend)) : null;
      ops.conv2dBackwardFilter(p, x, dy, dw, db);
    }
    const dx = this.plan.tensor('dx', x.shape, x.backend);
    if (skipDx) { x.backend.fill(dx.buffer, NaN); return dx; }
    return ops.conv2dBackwardData(p, dy, w.value, dx);
  }

  protected override releasePlan(): void {
    this.clearFusion();
    super.releasePlan();
  }

  outputShape(input: Shape): number[] {
    const p = this.kernelParams(input);
    return [p.n, p.outH, p.outW, p.outC];
  }

  /** Multiply-accumulates per image: outH * outW * outC * kH * kW * inC / groups. */
  macs(input: Shape): number {
    const p = this.kernelParams(input);
    return p.outH * p.outW * p.outC * p.kH * p.kW * (p.inC / p.groups);
  }

  override layers(input: Shape, prefix = ''): LayerInfo[] {
    const p = this.kernelParams(input);
    return [{
      name: prefix, type: this.typeName, inputShape: [...input], outputShape: [p.n, p.outH, p.outW, p.outC],
      params: this.weight.value.size + (this.bias ? this.bias.value.size : 0), macs: this.macs(input),
      window: { k: p.kH, stride: p.strideH, dilation: p.dilationH, kW: p.kW, strideW: p.strideW, dilationW: p.dilationW },
    }];
  }
}
