// Shared block library for every architecture family. Blocks are compositions of the nn containers
// (Sequential, Residual, Concat, SqueezeExcite), so all computation goes through core ops and is
// traced. Child names follow torchvision exactly, so a torchvision state dict maps 1:1.
//
// Where torchvision's names are flatter than the computation (InceptionE's nested concat, Fire's
// squeeze-then-concat, aux classifiers hanging off the trunk), `Flat` runs an inner container but
// exposes the leaves under the torchvision names.
import { ConvnetsError } from '../ts/core/backend.js';
import type { ActivationKind } from '../ts/core/backend.js';
import * as ops from '../ts/core/ops.js';
import type { Shape } from '../ts/core/shape.js';
import { Tensor } from '../ts/core/tensor.js';
import { INFERENCE, Module } from '../ts/nn/module.js';
import type { ForwardContext, LayerInfo } from '../ts/nn/module.js';
import { activationModule } from '../ts/nn/activation.js';
import { BatchNorm2d } from '../ts/nn/batchnorm.js';
import { Concat, Flatten, Identity, Residual, Sequential } from '../ts/nn/containers.js';
import { Conv2d } from '../ts/nn/conv.js';
import { Dropout } from '../ts/nn/dropout.js';
import { Linear } from '../ts/nn/linear.js';
import { AdaptiveAvgPool2d, AvgPool2d, GlobalAvgPool2d, MaxPool2d } from '../ts/nn/pool.js';
import { SqueezeExcite } from '../ts/nn/squeeze_excite.js';
import { DenseBlock as DenseStack } from '../ts/nn/dense.js';
import { kaimingNormal_, truncNormal_, uniform_ } from '../ts/nn/init.js';

export type Named = [string, Module];
export type Act = ActivationKind | null;

/** Batch-norm settings (torchvision default eps 1e-5, momentum 0.1; Inception 1e-3; MobileNetV3/EffNet-B5+ 1e-3/0.01). */
export interface NormCfg { eps: number; momentum: number; }
export const BN_DEFAULT: NormCfg = { eps: 1e-5, momentum: 0.1 };
export const BN_INCEPTION: NormCfg = { eps: 1e-3, momentum: 0.1 };
export const BN_TF: NormCfg = { eps: 1e-3, momentum: 0.01 };

export function bn(c: number, norm: NormCfg = BN_DEFAULT): BatchNorm2d {
  return new BatchNorm2d(c, { eps: norm.eps, momentum: norm.momentum });
}

export function act(kind: ActivationKind): Module {
  return activationModule(kind);
}

/** torchvision's _make_divisible: round to a multiple of `divisor`, never dropping below 90% of v. */
export function makeDivisible(v: number, divisor = 8, minValue?: number): number {
  const min = minValue ?? divisor;
  let nv = Math.max(min, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}

// ---- Flat: an inner computation exposed under flat names -------------------------------------------

/**
 * Runs `inner` but registers `named` (modules inside inner) as its children, so parameter names skip
 * the inner containers. The training flag is forwarded to inner so its containers follow train()/eval().
 */
export class Flat extends Module {
  constructor(readonly inner: Module, named: readonly Named[], private readonly label?: string) {
    super();
    for (const [n, m] of named) {
      if (this.children.has(n)) throw new ConvnetsError(`${this.typeName}: duplicate child name '${n}'`);
      this.children.set(n, m);
    }
    Object.defineProperty(this, 'training', {
      get: () => inner.training,
      set: (v: boolean) => { inner.train(v); },
      configurable: true, enumerable: true,
    });
  }

  override get typeName(): string { return this.label ?? this.constructor.name; }
  forward(x: Tensor, ctx: ForwardContext = INFERENCE): Tensor { return this.inner.forward(x, ctx); }
  backward(dy: Tensor): Tensor { return this.inner.backward(dy); }
  outputShape(input: Shape): number[] { return this.inner.outputShape(input); }
  override layers(input: Shape, prefix = ''): LayerInfo[] { return this.inner.layers(input, prefix); }
  protected override releasePlan(): void { this.inner.dispose(); }
}

// ---- auxiliary classifier tap ---------------------------------------------------------------------------

/**
 * Passes x through unchanged; in training (when enabled) also runs an auxiliary classifier on x and
 * keeps its logits. Backward adds the aux branch's input gradient, from the gradient given with
 * setGradient() (zero when none: an aux loss of weight 0). Exposes the aux module's children under
 * its own name, as torchvision's `aux1.conv.conv.weight` / `AuxLogits.fc.weight`.
 */
export class AuxTap extends Flat {
  enabled = true;
  private ran = false;
  private logits: Tensor | null = null;
  private grad: Tensor | null = null;
  private zeros: Tensor | null = null;
  private dx: Tensor | null = null;

  constructor(readonly aux: Module) {
    super(aux, [...aux.children.entries()], 'InceptionAux');
  }

  /** Logits of the last training forward, or null (eval / disabled). */
  get output(): Tensor | null { return this.ran ? this.logits : null; }
  setGradient(g: Tensor | null): void { this.grad = g; }

  override forward(x: Tensor, ctx: ForwardContext): Tensor {
    this.ran = ctx.training && this.enabled;
    if (this.ran) this.logits = this.aux.forward(x, ctx);
    return x;
  }

  override backward(dy: Tensor): Tensor {
    if (!this.ran || !this.logits) return dy;
    let g = this.grad;
    if (!g) {
      if (!this.zeros || this.zeros.backend !== dy.backend || this.zeros.shape.join() !== this.logits.shape.join()) {
        this.zeros?.dispose();
        this.zeros = Tensor.zeros(this.logits.shape, dy.backend);
      }
      g = this.zeros;
    }
    const dxa = this.aux.backward(g);
    if (!this.dx || this.dx.backend !== dy.backend || this.dx.shape.join() !== dy.shape.join()) {
      this.dx?.dispose();
      this.dx = new Tensor(dy.backend, dy.shape);
    }
    return ops.addGrad(dy, dxa, this.dx);
  }

  /** The input passes through; the aux branch must still accept it (it runs in training). */
  override outputShape(input: Shape): number[] { this.aux.outputShape(input); return [...input]; }
  override layers(input: Shape, prefix = ''): LayerInfo[] {
    // Listed for parameters; MACs are zero because torchvision counts eval-mode cost (aux does not run).
    return this.aux.layers(input, prefix).map((l) => ({ ...l, macs: 0 }));
  }
  protected override releasePlan(): void {
    super.releasePlan();
    this.zeros?.dispose(); this.dx?.dispose(); this.zeros = this.dx = null; this.logits = null;
  }
}

// ---- convolution + norm + activation --------------------------------------------------------------------

export interface ConvBnActOptions {
  stride?: number;
  groups?: number;
  dilation?: number;
  padding?: number;
  /** null: no activation (a projection). */
  act?: Act;
  norm?: NormCfg;
}

/** torchvision Conv2dNormActivation: '0' conv (no bias), '1' bn, '2' activation. */
export function ConvBnAct(inC: number, outC: number, k: number, o: ConvBnActOptions = {}): Sequential {
  const dilation = o.dilation ?? 1;
  const padding = o.padding ?? Math.floor((k - 1) / 2) * dilation;
  const mods: Module[] = [
    new Conv2d(inC, outC, k, { stride: o.stride ?? 1, padding, dilation, groups: o.groups ?? 1, bias: false }),
    bn(outC, o.norm),
  ];
  const a = o.act === undefined ? 'relu' : o.act;
  if (a) mods.push(act(a));
  return new Sequential(...mods);
}

/** Inception's BasicConv2d: conv (no bias), bn (eps 1e-3), relu. */
export function BasicConv2d(inC: number, outC: number, k: number | [number, number],
  o: { stride?: number; padding?: number | [number, number] } = {}): Sequential {
  return Sequential.named([
    ['conv', new Conv2d(inC, outC, k, { stride: o.stride ?? 1, padding: o.padding ?? 0, bias: false })],
    ['bn', bn(outC, BN_INCEPTION)],
    ['relu', act('relu')],
  ]);
}

// ---- ResNet --------------------------------------------------------------------------------------------

function downsample(inC: number, outC: number, stride: number, norm?: NormCfg): Sequential {
  return new Sequential(new Conv2d(inC, outC, 1, { stride, bias: false }), bn(outC, norm));
}

/** torchvision BasicBlock (expansion 1). */
export function BasicBlock(inC: number, planes: number, stride = 1, norm?: NormCfg): Module {
  const main: Named[] = [
    ['conv1', new Conv2d(inC, planes, 3, { stride, padding: 1, bias: false })],
    ['bn1', bn(planes, norm)],
    ['relu', act('relu')],
    ['conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false })],
    ['bn2', bn(planes, norm)],
  ];
  const shortcut: Named | undefined = stride !== 1 || inC !== planes ? ['downsample', downsample(inC, planes, stride, norm)] : undefined;
  return new Residual(main, { shortcut, post: act('relu') });
}
BasicBlock.expansion = 1;

/** torchvision Bottleneck (ResNet v1.5: the stride sits on the 3x3), with ResNeXt groups / width. */
export function Bottleneck(inC: number, planes: number, stride = 1, o: { groups?: number; baseWidth?: number; norm?: NormCfg } = {}): Module {
  const groups = o.groups ?? 1;
  const width = Math.floor((planes * (o.baseWidth ?? 64)) / 64) * groups;
  const outC = planes * 4;
  const main: Named[] = [
    ['conv1', new Conv2d(inC, width, 1, { bias: false })],
    ['bn1', bn(width, o.norm)],
    ['relu1', act('relu')],
    ['conv2', new Conv2d(width, width, 3, { stride, padding: 1, groups, bias: false })],
    ['bn2', bn(width, o.norm)],
    ['relu2', act('relu')],
    ['conv3', new Conv2d(width, outC, 1, { bias: false })],
    ['bn3', bn(outC, o.norm)],
  ];
  const shortcut: Named | undefined = stride !== 1 || inC !== outC ? ['downsample', downsample(inC, outC, stride, o.norm)] : undefined;
  return new Residual(main, { shortcut, post: act('relu') });
}
Bottleneck.expansion = 4;

/**
 * Pre-activation bottleneck (ResNet v2, laid out as Keras' ResNet50V2 so its published counts hold):
 * norm1+relu1 (pre-activation), conv1 1x1, norm2, relu2, conv2 3x3/stride, norm3, relu3, conv3 1x1 with
 * bias. Shortcut: `downsample` 1x1 conv with bias on the pre-activated input when convShortcut, else a
 * 1x1 max pool with the stride (or identity) on the raw input.
 */
export function PreActBottleneck(inC: number, planes: number, stride = 1, convShortcut = false): Module {
  const outC = planes * 4;
  const norm1 = bn(inC), relu1 = act('relu');
  const conv1 = new Conv2d(inC, planes, 1, { bias: false });
  const norm2 = bn(planes), relu2 = act('relu');
  const conv2 = new Conv2d(planes, planes, 3, { stride, padding: 1, bias: false });
  const norm3 = bn(planes), relu3 = act('relu');
  const conv3 = new Conv2d(planes, outC, 1, { bias: true });
  const main: Named[] = [['conv1', conv1], ['norm2', norm2], ['relu2', relu2], ['conv2', conv2], ['norm3', norm3], ['relu3', relu3], ['conv3', conv3]];
  if (convShortcut) {
    const ds = new Conv2d(inC, outC, 1, { stride, bias: true });
    const inner = new Sequential(norm1, relu1, new Residual(main, { shortcut: ['downsample', ds] }));
    return new Flat(inner, [['norm1', norm1], ['relu1', relu1], ...main, ['downsample', ds]], 'PreActBottleneck');
  }
  if (inC !== outC) throw new ConvnetsError(`PreActBottleneck: identity shortcut needs inC (${inC}) = 4*planes (${outC})`);
  const shortcut: Named | undefined = stride > 1 ? ['downsample', new MaxPool2d(1, { stride })] : undefined;
  return new Flat(new Residual([['norm1', norm1], ['relu1', relu1], ...main], { shortcut }),
    [['norm1', norm1], ['relu1', relu1], ...main, ...(shortcut ? [shortcut] : [])], 'PreActBottleneck');
}

/** Pre-activation basic block (two 3x3 convs); 1x1 conv shortcut on the pre-activated input when shapes change. */
export function PreActBlock(inC: number, planes: number, stride = 1): Module {
  const norm1 = bn(inC), relu1 = act('relu');
  const main: Named[] = [
    ['conv1', new Conv2d(inC, planes, 3, { stride, padding: 1, bias: false })],
    ['norm2', bn(planes)], ['relu2', act('relu')],
    ['conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false })],
  ];
  if (stride !== 1 || inC !== planes) {
    const ds = new Conv2d(inC, planes, 1, { stride, bias: false });
    const inner = new Sequential(norm1, relu1, new Residual(main, { shortcut: ['downsample', ds] }));
    return new Flat(inner, [['norm1', norm1], ['relu1', relu1], ...main, ['downsample', ds]], 'PreActBlock');
  }
  return new Flat(new Residual([['norm1', norm1], ['relu1', relu1], ...main]),
    [['norm1', norm1], ['relu1', relu1], ...main], 'PreActBlock');
}

// ---- MobileNet / EfficientNet ---------------------------------------------------------------------------

export interface InvertedResidualCfg {
  inC: number;
  outC: number;
  /** Expanded (hidden) channels; equal to inC means no expansion conv. */
  expandC: number;
  kernel: number;
  stride: number;
  dilation?: number;
  act: ActivationKind;
  /** Squeeze-excite after the depthwise conv: squeeze channels and activations. */
  se?: { squeezeC: number; act: ActivationKind; gate: ActivationKind } | null;
  norm?: NormCfg;
  /** Stochastic depth rate on the residual branch (EfficientNet). */
  dropPath?: number;
  /**
   * 'v2': torchvision MobileNetV2 layout (child 'conv': [expand], dw, project conv, project bn);
   * 'v3': MobileNetV3 / EfficientNet MBConv layout (child 'block': [expand], dw, [se], project ConvBnAct).
   */
  layout: 'v2' | 'v3';
}

/** MobileNetV2 inverted residual, MobileNetV3 block and EfficientNet MBConv in one. */
export function InvertedResidual(c: InvertedResidualCfg): Module {
  const mods: Module[] = [];
  if (c.expandC !== c.inC) mods.push(ConvBnAct(c.inC, c.expandC, 1, { act: c.act, norm: c.norm }));
  const dilation = c.dilation ?? 1;
  mods.push(ConvBnAct(c.expandC, c.expandC, c.kernel, {
    stride: dilation > 1 ? 1 : c.stride, dilation, groups: c.expandC, act: c.act, norm: c.norm,
  }));
  if (c.se) mods.push(new SqueezeExcite(c.expandC, c.se.squeezeC, { activation: c.se.act, gate: c.se.gate }));
  if (c.layout === 'v2') {
    mods.push(new Conv2d(c.expandC, c.outC, 1, { bias: false }), bn(c.outC, c.norm));
  } else {
    mods.push(ConvBnAct(c.expandC, c.outC, 1, { act: null, norm: c.norm }));
  }
  const body: Named = [c.layout === 'v2' ? 'conv' : 'block', new Sequential(...mods)];
  if (c.stride === 1 && c.inC === c.outC) return new Residual([body], c.dropPath ? { dropPath: c.dropPath } : {});
  return Sequential.named([body]);
}

/** MobileNet v1 depthwise-separable block: '0' depthwise 3x3 ConvBnAct, '1' pointwise 1x1 ConvBnAct (ReLU6 as Keras). */
export function DepthwiseSeparable(inC: number, outC: number, stride = 1, a: ActivationKind = 'relu6'): Sequential {
  return new Sequential(
    ConvBnAct(inC, inC, 3, { stride, groups: inC, act: a }),
    ConvBnAct(inC, outC, 1, { act: a }),
  );
}

// ---- DenseNet ---------------------------------------------------------------------------------------------

/** torchvision _DenseLayer's modules (bottleneck BN-ReLU-1x1-BN-ReLU-3x3): new features from the concat so far. */
export function DenseLayer(inC: number, growth: number, bnSize = 4, dropRate = 0): Sequential {
  const mid = bnSize * growth;
  const branch: Named[] = [
    ['norm1', bn(inC)], ['relu1', act('relu')], ['conv1', new Conv2d(inC, mid, 1, { bias: false })],
    ['norm2', bn(mid)], ['relu2', act('relu')], ['conv2', new Conv2d(mid, growth, 3, { padding: 1, bias: false })],
  ];
  if (dropRate > 0) branch.push(['dropout', new Dropout(dropRate)]);
  return Sequential.named(branch);
}

/**
 * torchvision _DenseBlock: children denselayer1..N, each fed the concat of the block input and all
 * earlier layers' features (nn/dense.ts; memory-efficient mode recomputes norm1-relu1-conv1).
 */
export function DenseBlock(numLayers: number, inC: number, growth: number, bnSize = 4, dropRate = 0): Module {
  const layers: [string, Sequential][] = [];
  for (let i = 0; i < numLayers; i++) layers.push([`denselayer${i + 1}`, DenseLayer(inC + i * growth, growth, bnSize, dropRate)]);
  return new DenseStack(layers);
}

/** torchvision _Transition: norm, relu, 1x1 conv, 2x2 average pool. */
export function Transition(inC: number, outC: number): Sequential {
  return Sequential.named([
    ['norm', bn(inC)], ['relu', act('relu')], ['conv', new Conv2d(inC, outC, 1, { bias: false })],
    ['pool', new AvgPool2d(2, { stride: 2 })],
  ]);
}

// ---- GoogLeNet ---------------------------------------------------------------------------------------------

/** GoogLeNet Inception module; the "5x5" branch uses a 3x3 kernel, as torchvision does. */
export function GoogLeNetInception(inC: number, ch1: number, ch3red: number, ch3: number, ch5red: number, ch5: number, poolProj: number): Module {
  return new Concat([
    [['branch1', BasicConv2d(inC, ch1, 1)]],
    [['branch2', new Sequential(BasicConv2d(inC, ch3red, 1), BasicConv2d(ch3red, ch3, 3, { padding: 1 }))]],
    [['branch3', new Sequential(BasicConv2d(inC, ch5red, 1), BasicConv2d(ch5red, ch5, 3, { padding: 1 }))]],
    [['branch4', new Sequential(new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), BasicConv2d(inC, poolProj, 1))]],
  ]);
}

/** GoogLeNet auxiliary classifier: adaptive pool 4x4, 1x1 conv 128, fc1 2048->1024, relu, dropout 0.7, fc2. */
export function GoogLeNetAux(inC: number, numClasses: number): Module {
  return Sequential.named([
    ['pool', new AdaptiveAvgPool2d(4)],
    ['conv', BasicConv2d(inC, 128, 1)],
    ['flatten', new Flatten()],
    ['fc1', new Linear(2048, 1024)],
    ['relu', act('relu')],
    ['dropout', new Dropout(0.7)],
    ['fc2', new Linear(1024, numClasses)],
  ]);
}

// ---- Inception v3 -----------------------------------------------------------------------------------------

function avgPool3(): Module { return new AvgPool2d(3, { stride: 1, padding: 1 }); }

export function InceptionA(inC: number, poolFeatures: number): Module {
  return new Concat([
    [['branch1x1', BasicConv2d(inC, 64, 1)]],
    [['branch5x5_1', BasicConv2d(inC, 48, 1)], ['branch5x5_2', BasicConv2d(48, 64, 5, { padding: 2 })]],
    [['branch3x3dbl_1', BasicConv2d(inC, 64, 1)], ['branch3x3dbl_2', BasicConv2d(64, 96, 3, { padding: 1 })],
      ['branch3x3dbl_3', BasicConv2d(96, 96, 3, { padding: 1 })]],
    [['pool', avgPool3()], ['branch_pool', BasicConv2d(inC, poolFeatures, 1)]],
  ]);
}

export function InceptionB(inC: number): Module {
  return new Concat([
    [['branch3x3', BasicConv2d(inC, 384, 3, { stride: 2 })]],
    [['branch3x3dbl_1', BasicConv2d(inC, 64, 1)], ['branch3x3dbl_2', BasicConv2d(64, 96, 3, { padding: 1 })],
      ['branch3x3dbl_3', BasicConv2d(96, 96, 3, { stride: 2 })]],
    [['pool', new MaxPool2d(3, { stride: 2 })]],
  ]);
}

export function InceptionC(inC: number, c7: number): Module {
  const r = (i: number, o: number): Module => BasicConv2d(i, o, [1, 7], { padding: [0, 3] });
  const c = (i: number, o: number): Module => BasicConv2d(i, o, [7, 1], { padding: [3, 0] });
  return new Concat([
    [['branch1x1', BasicConv2d(inC, 192, 1)]],
    [['branch7x7_1', BasicConv2d(inC, c7, 1)], ['branch7x7_2', r(c7, c7)], ['branch7x7_3', c(c7, 192)]],
    [['branch7x7dbl_1', BasicConv2d(inC, c7, 1)], ['branch7x7dbl_2', c(c7, c7)], ['branch7x7dbl_3', r(c7, c7)],
      ['branch7x7dbl_4', c(c7, c7)], ['branch7x7dbl_5', r(c7, 192)]],
    [['pool', avgPool3()], ['branch_pool', BasicConv2d(inC, 192, 1)]],
  ]);
}

export function InceptionD(inC: number): Module {
  return new Concat([
    [['branch3x3_1', BasicConv2d(inC, 192, 1)], ['branch3x3_2', BasicConv2d(192, 320, 3, { stride: 2 })]],
    [['branch7x7x3_1', BasicConv2d(inC, 192, 1)], ['branch7x7x3_2', BasicConv2d(192, 192, [1, 7], { padding: [0, 3] })],
      ['branch7x7x3_3', BasicConv2d(192, 192, [7, 1], { padding: [3, 0] })], ['branch7x7x3_4', BasicConv2d(192, 192, 3, { stride: 2 })]],
    [['pool', new MaxPool2d(3, { stride: 2 })]],
  ]);
}

/** InceptionE: the 3x3 branches end in a (1x3 | 3x1) pair concatenated, so names are flattened. */
export function InceptionE(inC: number): Module {
  const b1 = BasicConv2d(inC, 320, 1);
  const b3_1 = BasicConv2d(inC, 384, 1);
  const b3_2a = BasicConv2d(384, 384, [1, 3], { padding: [0, 1] });
  const b3_2b = BasicConv2d(384, 384, [3, 1], { padding: [1, 0] });
  const d1 = BasicConv2d(inC, 448, 1);
  const d2 = BasicConv2d(448, 384, 3, { padding: 1 });
  const d3a = BasicConv2d(384, 384, [1, 3], { padding: [0, 1] });
  const d3b = BasicConv2d(384, 384, [3, 1], { padding: [1, 0] });
  const pool = avgPool3();
  const bp = BasicConv2d(inC, 192, 1);
  const inner = new Concat([
    [['branch1x1', b1]],
    [['branch3x3_1', b3_1], ['branch3x3_2', new Concat([[['branch3x3_2a', b3_2a]], [['branch3x3_2b', b3_2b]]])]],
    [['branch3x3dbl_1', d1], ['branch3x3dbl_2', d2], ['branch3x3dbl_3', new Concat([[['branch3x3dbl_3a', d3a]], [['branch3x3dbl_3b', d3b]]])]],
    [['pool', pool], ['branch_pool', bp]],
  ]);
  return new Flat(inner, [
    ['branch1x1', b1], ['branch3x3_1', b3_1], ['branch3x3_2a', b3_2a], ['branch3x3_2b', b3_2b],
    ['branch3x3dbl_1', d1], ['branch3x3dbl_2', d2], ['branch3x3dbl_3a', d3a], ['branch3x3dbl_3b', d3b],
    ['pool', pool], ['branch_pool', bp],
  ], 'InceptionE');
}

/** Inception v3 auxiliary classifier: avg pool 5/3, conv0 1x1 128, conv1 5x5 768, global pool, fc. */
export function InceptionV3Aux(inC: number, numClasses: number): Module {
  return Sequential.named([
    ['pool', new AvgPool2d(5, { stride: 3 })],
    ['conv0', BasicConv2d(inC, 128, 1)],
    ['conv1', BasicConv2d(128, 768, 5)],
    ['gap', new GlobalAvgPool2d()],
    ['flatten', new Flatten()],
    ['fc', new Linear(768, numClasses)],
  ]);
}

// ---- SqueezeNet -------------------------------------------------------------------------------------------

/** SqueezeNet Fire: squeeze 1x1 + relu, then concat(expand1x1 + relu, expand3x3 + relu). All convs with bias. */
export function Fire(inC: number, squeeze: number, e1: number, e3: number): Module {
  const sq = new Conv2d(inC, squeeze, 1, { bias: true }), sqa = act('relu');
  const x1 = new Conv2d(squeeze, e1, 1, { bias: true }), x1a = act('relu');
  const x3 = new Conv2d(squeeze, e3, 3, { padding: 1, bias: true }), x3a = act('relu');
  const inner = new Sequential(sq, sqa, new Concat([[['expand1x1', x1], ['expand1x1_activation', x1a]],
    [['expand3x3', x3], ['expand3x3_activation', x3a]]]));
  return new Flat(inner, [['squeeze', sq], ['squeeze_activation', sqa], ['expand1x1', x1], ['expand1x1_activation', x1a],
    ['expand3x3', x3], ['expand3x3_activation', x3a]], 'Fire');
}

// ---- family initialisations (torchvision's, where they differ from the nn defaults) ---------------------

/**
 * Re-initialises a built model the way its torchvision family does. 'trunc_normal' (GoogLeNet 0.01,
 * Inception-v3 0.1 with the aux head's 0.01 / 0.001): conv and linear weights; 'densenet': convs
 * kaiming-normal fan_in, linear torch-default uniform; 'efficientnet': linear U(-1/sqrt(out), 1/sqrt(out)).
 */
export function familyInit(model: Module, kind: 'googlenet' | 'inception_v3' | 'densenet' | 'efficientnet'): void {
  for (const [name, m] of model.namedModules()) {
    if (m instanceof Conv2d) {
      if (kind === 'googlenet') truncNormal_(m.weight.value, 0.01, 0, -2, 2);
      else if (kind === 'inception_v3') truncNormal_(m.weight.value, /AuxLogits\.conv1\./.test(`${name}.`) ? 0.01 : 0.1, 0, -2, 2);
      else if (kind === 'densenet') kaimingNormal_(m.weight.value, 'fan_in');
    } else if (m instanceof Linear) {
      const w = m.weight.value;
      if (kind === 'googlenet') truncNormal_(w, 0.01, 0, -2, 2);
      else if (kind === 'inception_v3') truncNormal_(w, name.startsWith('AuxLogits') ? 0.001 : 0.1, 0, -2, 2);
      else if (kind === 'densenet') { const b = 1 / Math.sqrt(m.inFeatures); uniform_(w, -b, b); }
      else { const b = 1 / Math.sqrt(m.outFeatures); uniform_(w, -b, b); }
    }
  }
}

// ---- misc ------------------------------------------------------------------------------------------------

export { AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Identity, Linear, MaxPool2d, Residual, Sequential, SqueezeExcite };
