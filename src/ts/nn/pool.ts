// Pooling modules as torch's: stride defaults to the kernel; ceil mode and count_include_pad as torch.
import * as ops from '../core/ops.js';
import type { AdaptivePool2dParams, Pool2dParams } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import { pool2dParams, shapeToString } from '../core/shape.js';
import type { Padding, Pool2dOptions, Shape } from '../core/shape.js';
import { Module } from './module.js';
import type { ForwardContext, LayerInfo } from './module.js';
import { Identity } from './containers.js';
import { PlannedModule, noForward } from './plan.js';
import { ConvnetsError } from '../core/backend.js';

export interface PoolModuleOptions {
  stride?: number | readonly [number, number];
  padding?: Padding;
  ceilMode?: boolean;
}

abstract class Pool2d extends PlannedModule {
  readonly opts: Pool2dOptions;
  protected saved: { x: Tensor; p: Pool2dParams } | null = null;

  constructor(protected readonly opName: 'maxPool2d' | 'avgPool2d', kernel: number | readonly [number, number],
    opts: PoolModuleOptions & { countIncludePad?: boolean }) {
    super();
    this.opts = { kernel, stride: opts.stride, padding: opts.padding ?? 0, ceilMode: opts.ceilMode ?? false,
      countIncludePad: opts.countIncludePad ?? true };
  }

  kernelParams(input: Shape): Pool2dParams { return pool2dParams(input, this.opts, this.opName); }

  outputShape(input: Shape): number[] {
    const p = this.kernelParams(input);
    return [p.n, p.outH, p.outW, p.c];
  }

  override layers(input: Shape, prefix = ''): LayerInfo[] {
    const p = this.kernelParams(input);
    return [{
      name: prefix, type: this.typeName, inputShape: [...input], outputShape: [p.n, p.outH, p.outW, p.c], params: 0, macs: 0,
      window: { k: p.kH, stride: p.strideH, dilation: 1, kW: p.kW, strideW: p.strideW, dilationW: 1 },
    }];
  }
}

export class MaxPool2d extends Pool2d {
  constructor(kernel: number | readonly [number, number], opts: PoolModuleOptions = {}) { super('maxPool2d', kernel, opts); }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const p = this.kernelParams(x.shape);
    const y = ops.maxPool2d(x, this.opts, this.plan.tensor('y', [p.n, p.outH, p.outW, p.c], x.backend));
    this.saved = ctx.training ? { x, p } : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('MaxPool2d');
    const { x, p } = this.saved;
    return ops.maxPool2dBackward(p, x, dy, this.plan.tensor('dx', x.shape, x.backend));
  }
}

export class AvgPool2d extends Pool2d {
  constructor(kernel: number | readonly [number, number], opts: PoolModuleOptions & { countIncludePad?: boolean } = {}) {
    super('avgPool2d', kernel, opts);
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const p = this.kernelParams(x.shape);
    const y = ops.avgPool2d(x, this.opts, this.plan.tensor('y', [p.n, p.outH, p.outW, p.c], x.backend));
    this.saved = ctx.training ? { x, p } : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('AvgPool2d');
    const { x, p } = this.saved;
    return ops.avgPool2dBackward(p, dy, this.plan.tensor('dx', x.shape, x.backend));
  }
}

/** [n, h, w, c] -> [n, 1, 1, c]: torchvision's AdaptiveAvgPool2d(1) / Keras GlobalAveragePooling2D (keepdims). */
export class GlobalAvgPool2d extends PlannedModule {
  private saved: Tensor | null = null;

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const [n, , , c] = this.outputShape(x.shape);
    const y = ops.globalAvgPool(x, this.plan.tensor('y', [n, 1, 1, c], x.backend));
    this.saved = ctx.training ? x : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('GlobalAvgPool2d');
    const x = this.saved;
    return ops.globalAvgPoolBackward(x.shape, dy, this.plan.tensor('dx', x.shape, x.backend));
  }

  outputShape(input: Shape): number[] {
    if (input.length !== 4) throw new ConvnetsError(`GlobalAvgPool2d: input must be NHWC (rank 4), got [${input.join(', ')}]`);
    return [input[0], 1, 1, input[3]];
  }
}

/** torch's AdaptiveAvgPool2d over the adaptiveAvgPool2d kernel (uneven, possibly overlapping windows). */
class AdaptiveAvgPoolKernel extends PlannedModule {
  private saved: AdaptivePool2dParams | null = null;
  constructor(readonly outH: number, readonly outW: number) { super(); }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const [n, inH, inW, c] = x.shape;
    const y = ops.adaptiveAvgPool2d(x, this.outH, this.outW, this.plan.tensor('y', [n, this.outH, this.outW, c], x.backend));
    this.saved = ctx.training ? { n, inH, inW, c, outH: this.outH, outW: this.outW } : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('AdaptiveAvgPool2d');
    const p = this.saved;
    return ops.adaptiveAvgPool2dBackward(p, dy, this.plan.tensor('dx', [p.n, p.inH, p.inW, p.c], dy.backend));
  }

  outputShape(input: Shape): number[] { return [input[0], this.outH, this.outW, input[3]]; }
}

/**
 * torch's AdaptiveAvgPool2d(out). Sizes that divide evenly run as the cheaper uniform pools (identity,
 * global pool, avgPool with kernel = stride = in/out), which exporters map to native ONNX pools; others
 * (VGG's 7x7 head from other input sizes, GoogLeNet aux 14 -> 4) run the adaptive kernel.
 */
export class AdaptiveAvgPool2d extends Module {
  private route: { key: string; impl: Module } | null = null;
  constructor(readonly outH: number, readonly outW = outH) {
    super();
    if (!Number.isInteger(outH) || outH <= 0 || !Number.isInteger(outW) || outW <= 0) {
      throw new ConvnetsError(`AdaptiveAvgPool2d: output size must be positive integers, got ${outH}x${outW}`);
    }
  }

  private impl(input: Shape): Module {
    if (input.length !== 4) throw new ConvnetsError(`AdaptiveAvgPool2d: input must be NHWC, got ${shapeToString(input)}`);
    const [, h, w] = input;
    const key = `${h}x${w}`;
    if (this.route?.key === key) return this.route.impl;
    this.route?.impl.dispose();
    let impl: Module;
    if (h === this.outH && w === this.outW) impl = new Identity();
    else if (this.outH === 1 && this.outW === 1) impl = new GlobalAvgPool2d();
    else if (h % this.outH === 0 && w % this.outW === 0) {
      impl = new AvgPool2d([h / this.outH, w / this.outW], { stride: [h / this.outH, w / this.outW] });
    } else impl = new AdaptiveAvgPoolKernel(this.outH, this.outW);
    impl.training = this.training;
    this.route = { key, impl };
    return impl;
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor { return this.impl(x.shape).forward(x, ctx); }
  backward(dy: Tensor): Tensor {
    if (!this.route) throw new ConvnetsError('AdaptiveAvgPool2d: backward before forward');
    return this.route.impl.backward(dy);
  }
  outputShape(input: Shape): number[] {
    if (input.length !== 4) throw new ConvnetsError(`AdaptiveAvgPool2d: input must be NHWC, got ${shapeToString(input)}`);
    return [input[0], this.outH, this.outW, input[3]];
  }
  override layers(input: Shape, prefix = ''): LayerInfo[] {
    // Pools count no MACs, as in torchvision's published numbers.
    return [{ name: prefix, type: 'AdaptiveAvgPool2d', inputShape: [...input], outputShape: this.outputShape(input), params: 0, macs: 0 }];
  }
  protected override releasePlan(): void { this.route?.impl.dispose(); this.route = null; }
}
