// Pooling modules as torch's: stride defaults to the kernel; ceil mode and count_include_pad as torch.
import * as ops from '../core/ops.js';
import type { Pool2dParams } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import { pool2dParams } from '../core/shape.js';
import type { Padding, Pool2dOptions, Shape } from '../core/shape.js';
import type { ForwardContext, LayerInfo } from './module.js';
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
