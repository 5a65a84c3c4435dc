// Squeeze-and-excitation as torchvision's SqueezeExcitation: avgpool -> fc1 (1x1 conv) -> activation
// -> fc2 (1x1 conv) -> gate, and the input scaled per channel by the gate.
import * as ops from '../core/ops.js';
import type { ActivationKind } from '../core/backend.js';
import type { Tensor } from '../core/tensor.js';
import type { Shape } from '../core/shape.js';
import type { ForwardContext, LayerInfo } from './module.js';
import { PlannedModule, noForward } from './plan.js';
import { Conv2d } from './conv.js';
import { GlobalAvgPool2d } from './pool.js';
import { activationModule } from './activation.js';
import type { Activation } from './activation.js';

export interface SqueezeExciteOptions {
  /** Between fc1 and fc2: 'relu' (torchvision default; MobileNetV3) or 'silu' (EfficientNet). */
  activation?: ActivationKind;
  /** The gate: 'sigmoid' (EfficientNet) or 'hardsigmoid' (MobileNetV3). */
  gate?: ActivationKind;
}

export class SqueezeExcite extends PlannedModule {
  readonly avgpool: GlobalAvgPool2d;
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  readonly activation: Activation;
  readonly scaleActivation: Activation;
  private saved: { x: Tensor; g: Tensor } | null = null;

  constructor(readonly channels: number, readonly squeezeChannels: number, opts: SqueezeExciteOptions = {}) {
    super();
    // Registration order and names as torchvision's SqueezeExcitation.
    this.avgpool = this.addModule('avgpool', new GlobalAvgPool2d());
    this.fc1 = this.addModule('fc1', new Conv2d(channels, squeezeChannels, 1));
    this.fc2 = this.addModule('fc2', new Conv2d(squeezeChannels, channels, 1));
    this.activation = this.addModule('activation', activationModule(opts.activation ?? 'relu'));
    this.scaleActivation = this.addModule('scale_activation', activationModule(opts.gate ?? 'sigmoid'));
  }

  private gatePath(): [string, Module4][] {
    return [['avgpool', this.avgpool], ['fc1', this.fc1], ['activation', this.activation], ['fc2', this.fc2],
      ['scale_activation', this.scaleActivation]];
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    let g = x;
    for (const [, m] of this.gatePath()) g = m.forward(g, ctx);
    const y = ops.channelScale(x, g, this.plan.tensor('y', x.shape, x.backend));
    this.saved = ctx.training ? { x, g } : null;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('SqueezeExcite');
    const { x, g } = this.saved;
    const be = x.backend;
    const { dx, ds } = ops.channelScaleBackward(x, g, dy, this.plan.tensor('dx', x.shape, be), this.plan.tensor('ds', g.shape, be));
    let d = ds;
    const path = this.gatePath();
    for (let i = path.length - 1; i >= 0; i--) d = path[i][1].backward(d);
    return ops.addGrad(dx, d, dx);
  }

  outputShape(input: Shape): number[] {
    let s = [...input];
    for (const [, m] of this.gatePath()) s = m.outputShape(s);
    return [...input];
  }

  override layers(input: Shape, prefix = ''): LayerInfo[] {
    const out: LayerInfo[] = [];
    let s = [...input];
    for (const [name, m] of this.gatePath()) {
      out.push(...m.layers(s, prefix ? `${prefix}.${name}` : name));
      s = m.outputShape(s);
    }
    out.push({ name: prefix ? `${prefix}.scale` : 'scale', type: 'ChannelScale', inputShape: [...input], outputShape: [...input], params: 0, macs: 0 });
    return out;
  }
}

type Module4 = GlobalAvgPool2d | Conv2d | Activation;
