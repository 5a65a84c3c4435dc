// Linear as torch's: weight [out, in], bias [out]; init normal(0, 0.01), bias 0 (torchvision's
// ResNet/MobileNet default; builders re-init where a family differs). Input [n, ...] is flattened.
import * as ops from '../core/ops.js';
import { ConvnetsError } from '../core/backend.js';
import type { DenseParams } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import { shapeSize } from '../core/shape.js';
import type { Shape } from '../core/shape.js';
import { Parameter } from './module.js';
import type { ForwardContext, LayerInfo } from './module.js';
import { PlannedModule, noForward } from './plan.js';
import { initTensor, normal_, zeros_ } from './init.js';

export class Linear extends PlannedModule {
  override readonly backwardReadsOutput = false;
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private saved: { x: Tensor; p: DenseParams } | null = null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    for (const [k, v] of [['in features', inFeatures], ['out features', outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ConvnetsError(`Linear: ${k} must be a positive integer, got ${v}`);
    }
    this.weight = this.addParam('weight', new Parameter(initTensor([outFeatures, inFeatures], (t) => normal_(t, 0.01))));
    this.bias = opts.bias === false ? null : this.addParam('bias', new Parameter(initTensor([outFeatures], zeros_), false));
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    const [n] = this.outputShape(x.shape);
    const y = ops.dense(x, this.weight.value, this.bias ? this.bias.value : null, this.plan.tensor('y', [n, this.outFeatures], x.backend));
    this.saved = ctx.training ? { x, p: { n, inF: this.inFeatures, outF: this.outFeatures } } : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('Linear');
    const { x, p } = this.saved;
    const w = this.weight;
    const b = this.bias;
    if (w.trainable || (b && b.trainable)) {
      const dw = w.trainable ? w.gradTensor() : this.plan.tensor('dwScratch', w.value.shape, x.backend);
      const db = b ? (b.trainable ? b.gradTensor() : this.plan.tensor('dbScratch', b.value.shape, x.backend)) : null;
      ops.denseBackwardFilter(p, x, dy, dw, db);
    }
    return ops.denseBackwardData(p, dy, w.value, this.plan.tensor('dx', x.shape, x.backend));
  }

  outputShape(input: Shape): number[] {
    const n = input[0];
    if (input.length < 2 || shapeSize(input) / n !== this.inFeatures) {
      throw new ConvnetsError(`Linear: input [${input.join(', ')}] has ${shapeSize(input) / n} features per sample, expected ${this.inFeatures}`);
    }
    return [n, this.outFeatures];
  }

  override layers(input: Shape, prefix = ''): LayerInfo[] {
    return [{
      name: prefix, type: this.typeName, inputShape: [...input], outputShape: this.outputShape(input),
      params: this.weight.value.size + (this.bias ? this.bias.value.size : 0), macs: this.inFeatures * this.outFeatures,
    }];
  }
}
