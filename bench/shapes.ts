// Real layer shapes from the architecture tables (torchvision models at 224, batch 1 unless noted).
// Each case names the layer it comes from, so a number in the report can be traced to a model.
import type { ActivationKind } from '../src/ts/core/backend.js';
import type { Conv2dOptions } from '../src/ts/core/shape.js';

export type KernelDirection = 'forward' | 'backwardData' | 'backwardFilter';

export interface ConvCase {
  kind: 'conv';
  name: string;
  /** Which model layer this is. */
  from: string;
  x: [number, number, number, number];
  /** OHWI filter. */
  w: [number, number, number, number];
  opts: Conv2dOptions;
  direction: KernelDirection;
  /** Included in quick mode. */
  quick?: boolean;
}

export interface ConcatCase {
  kind: 'concat';
  name: string;
  from: string;
  /** NHW of every input and the channel counts concatenated. */
  nhw: [number, number, number];
  channels: number[];
  quick?: boolean;
}

/** torch AdaptiveAvgPool2d with uneven windows (the adaptiveAvgPool2d kernel). */
export interface AdaptivePoolCase {
  kind: 'adaptivePool';
  name: string;
  from: string;
  x: [number, number, number, number];
  out: [number, number];
  direction: 'forward' | 'backward';
  quick?: boolean;
}

/** A pointwise activation over a whole activation map. */
export interface ActivationCase {
  kind: 'activation';
  name: string;
  from: string;
  act: ActivationKind;
  x: [number, number, number, number];
  direction: 'forward' | 'backward';
  quick?: boolean;
}

export type KernelCase = ConvCase | ConcatCase | AdaptivePoolCase | ActivationCase;

const conv = (name: string, from: string, x: ConvCase['x'], w: ConvCase['w'], opts: Conv2dOptions, extra: Partial<ConvCase> = {}): ConvCase =>
  ({ kind: 'conv', name, from, x, w, opts, direction: 'forward', ...extra });

export const KERNEL_CASES: readonly KernelCase[] = [
  // ResNet-50
  conv('resnet stem 7x7/2', 'resnet50 conv1', [1, 224, 224, 3], [64, 7, 7, 3], { stride: 2, padding: 3 }),
  conv('resnet 3x3 56x56x64', 'resnet50 layer1.0.conv2', [1, 56, 56, 64], [64, 3, 3, 64], { padding: 1 }, { quick: true }),
  conv('resnet 3x3 14x14x256', 'resnet50 layer3.1.conv2', [1, 14, 14, 256], [256, 3, 3, 256], { padding: 1 }, { quick: true }),
  conv('resnet 1x1 56x56 64->256', 'resnet50 layer1.0.conv3', [1, 56, 56, 64], [256, 1, 1, 64], {}, { quick: true }),
  conv('resnet 1x1 14x14 1024->256', 'resnet50 layer3.1.conv1', [1, 14, 14, 1024], [256, 1, 1, 1024], {}),
  conv('resnet 1x1/2 downsample', 'resnet50 layer2.0.downsample.0', [1, 56, 56, 256], [512, 1, 1, 256], { stride: 2 }),
  // MobileNetV2 (inverted residual: pointwise expand, 3x3 depthwise, pointwise project)
  conv('mbv2 dw 3x3/2 112x112x96', 'mobilenet_v2 features.2.conv.1', [1, 112, 112, 96], [96, 3, 3, 1], { stride: 2, padding: 1, groups: 96 }, { quick: true }),
  conv('mbv2 dw 3x3 56x56x144', 'mobilenet_v2 features.3.conv.1', [1, 56, 56, 144], [144, 3, 3, 1], { padding: 1, groups: 144 }),
  conv('mbv2 pw 56x56 24->144', 'mobilenet_v2 features.3.conv.0', [1, 56, 56, 24], [144, 1, 1, 24], {}, { quick: true }),
  conv('mbv2 pw 7x7 960->320', 'mobilenet_v2 features.17.conv.2', [1, 7, 7, 960], [320, 1, 1, 960], {}),
  // EfficientNet-B0 5x5 depthwise
  conv('effnet dw 5x5/2 56x56x144', 'efficientnet_b0 features.3.0 dw', [1, 56, 56, 144], [144, 5, 5, 1], { stride: 2, padding: 2, groups: 144 }, { quick: true }),
  conv('effnet dw 5x5 14x14x672', 'efficientnet_b0 features.5.1 dw', [1, 14, 14, 672], [672, 5, 5, 1], { padding: 2, groups: 672 }),
  // Inception-v3 factorised 1x7 / 7x1
  conv('inception 1x7 17x17x128', 'inception_v3 Mixed_6b.branch7x7_2', [1, 17, 17, 128], [128, 1, 7, 128], { padding: [0, 3] }, { quick: true }),
  conv('inception 7x1 17x17x128', 'inception_v3 Mixed_6b.branch7x7_3', [1, 17, 17, 128], [192, 7, 1, 128], { padding: [3, 0] }),
  // DenseNet-121: bottleneck 1x1 over the concatenation, then concat of the block's features
  conv('densenet 1x1 56x56 224->128', 'densenet121 denseblock1.denselayer6.conv1', [1, 56, 56, 224], [128, 1, 1, 224], {}),
  { kind: 'concat', name: 'densenet concat 56x56 64+5x32', from: 'densenet121 denseblock1 (input of layer 6)', nhw: [1, 56, 56], channels: [64, 32, 32, 32, 32, 32], quick: true },
  // Training kernels on a ResNet shape (batch 8, as the training-step benchmark)
  conv('resnet 3x3 14x14x256 b8 dgrad', 'resnet50 layer3 conv2, batch 8', [8, 14, 14, 256], [256, 3, 3, 256], { padding: 1 }, { direction: 'backwardData' }),
  conv('resnet 3x3 14x14x256 b8 wgrad', 'resnet50 layer3 conv2, batch 8', [8, 14, 14, 256], [256, 3, 3, 256], { padding: 1 }, { direction: 'backwardFilter', quick: true }),
  conv('mbv2 dw 3x3 56x56x144 b8 wgrad', 'mobilenet_v2 features.3 dw, batch 8', [8, 56, 56, 144], [144, 3, 3, 1], { padding: 1, groups: 144 }, { direction: 'backwardFilter' }),
  // Uneven adaptive pools: GoogLeNet's aux head (14 -> 4) and VGG's head at a 256 input (8 -> 7: overlapping)
  { kind: 'adaptivePool', name: 'googlenet aux pool 14x14x512 -> 4x4', from: 'googlenet aux1.avgpool, batch 8', x: [8, 14, 14, 512], out: [4, 4], direction: 'forward', quick: true },
  { kind: 'adaptivePool', name: 'googlenet aux pool 14x14x512 -> 4x4 bwd', from: 'googlenet aux1.avgpool, batch 8', x: [8, 14, 14, 512], out: [4, 4], direction: 'backward' },
  { kind: 'adaptivePool', name: 'vgg head pool 8x8x512 -> 7x7', from: 'vgg16 avgpool at 256x256', x: [1, 8, 8, 512], out: [7, 7], direction: 'forward' },
  // GELU (erf form): no torchvision model of ours uses it; a ConvNeXt-T stage-1 MLP map (56x56x384)
  { kind: 'activation', name: 'gelu 56x56x384', from: 'ConvNeXt-T stage 1 MLP (4 x 96 channels)', act: 'gelu', x: [1, 56, 56, 384], direction: 'forward', quick: true },
  { kind: 'activation', name: 'gelu 56x56x384 bwd', from: 'ConvNeXt-T stage 1 MLP (4 x 96 channels)', act: 'gelu', x: [1, 56, 56, 384], direction: 'backward' },
  { kind: 'activation', name: 'relu 56x56x384', from: 'the same map with relu, for scale', act: 'relu', x: [1, 56, 56, 384], direction: 'forward' },
];

/** Models timed end to end (torchvision names), at 224 batch 1 for inference, batch 8 for training. */
export const MODEL_CASES = ['mobilenet_v2', 'resnet50'] as const;
