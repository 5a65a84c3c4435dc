// Published ImageNet-1K top-1 accuracy (single 224-ish centre crop, the resolution each model's
// weights are evaluated at), one source per row. Used beside measured latencies by `convnets select`
// and `convnets scale`. These are facts quoted from the sources, not measured here.

export interface AccuracyRow {
  model: string;
  /** Top-1 accuracy in percent. */
  top1: number;
  /** Where the number comes from (weights tag and document). */
  source: string;
}

const TV = (tag: string): string => `torchvision ${tag} acc@1 (pytorch.org/vision/stable/models, weights metadata)`;

/** torchvision's original (V1) weights unless the tag says otherwise: what our builders reproduce. */
export const PUBLISHED_TOP1: readonly AccuracyRow[] = [
  { model: 'vgg11', top1: 69.02, source: TV('VGG11_Weights.IMAGENET1K_V1') },
  { model: 'vgg11_bn', top1: 70.37, source: TV('VGG11_BN_Weights.IMAGENET1K_V1') },
  { model: 'vgg13', top1: 69.928, source: TV('VGG13_Weights.IMAGENET1K_V1') },
  { model: 'vgg13_bn', top1: 71.586, source: TV('VGG13_BN_Weights.IMAGENET1K_V1') },
  { model: 'vgg16', top1: 71.592, source: TV('VGG16_Weights.IMAGENET1K_V1') },
  { model: 'vgg16_bn', top1: 73.36, source: TV('VGG16_BN_Weights.IMAGENET1K_V1') },
  { model: 'vgg19', top1: 72.376, source: TV('VGG19_Weights.IMAGENET1K_V1') },
  { model: 'vgg19_bn', top1: 74.218, source: TV('VGG19_BN_Weights.IMAGENET1K_V1') },
  { model: 'resnet18', top1: 69.758, source: TV('ResNet18_Weights.IMAGENET1K_V1') },
  { model: 'resnet34', top1: 73.314, source: TV('ResNet34_Weights.IMAGENET1K_V1') },
  { model: 'resnet50', top1: 76.13, source: TV('ResNet50_Weights.IMAGENET1K_V1') },
  { model: 'resnet101', top1: 77.374, source: TV('ResNet101_Weights.IMAGENET1K_V1') },
  { model: 'resnet152', top1: 78.312, source: TV('ResNet152_Weights.IMAGENET1K_V1') },
  { model: 'googlenet', top1: 69.778, source: TV('GoogLeNet_Weights.IMAGENET1K_V1') },
  { model: 'inception_v3', top1: 77.294, source: TV('Inception_V3_Weights.IMAGENET1K_V1') },
  { model: 'densenet121', top1: 74.434, source: TV('DenseNet121_Weights.IMAGENET1K_V1') },
  { model: 'densenet161', top1: 77.138, source: TV('DenseNet161_Weights.IMAGENET1K_V1') },
  { model: 'densenet169', top1: 75.6, source: TV('DenseNet169_Weights.IMAGENET1K_V1') },
  { model: 'densenet201', top1: 76.896, source: TV('DenseNet201_Weights.IMAGENET1K_V1') },
  { model: 'mobilenet_v2', top1: 71.878, source: TV('MobileNet_V2_Weights.IMAGENET1K_V1') },
  { model: 'mobilenet_v3_large', top1: 74.042, source: TV('MobileNet_V3_Large_Weights.IMAGENET1K_V1') },
  { model: 'mobilenet_v3_small', top1: 67.668, source: TV('MobileNet_V3_Small_Weights.IMAGENET1K_V1') },
  { model: 'squeezenet1_0', top1: 58.092, source: TV('SqueezeNet1_0_Weights.IMAGENET1K_V1') },
  { model: 'squeezenet1_1', top1: 58.178, source: TV('SqueezeNet1_1_Weights.IMAGENET1K_V1') },
  { model: 'efficientnet_b0', top1: 77.692, source: TV('EfficientNet_B0_Weights.IMAGENET1K_V1') },
  { model: 'efficientnet_b1', top1: 78.642, source: TV('EfficientNet_B1_Weights.IMAGENET1K_V1') },
  { model: 'efficientnet_b2', top1: 80.608, source: TV('EfficientNet_B2_Weights.IMAGENET1K_V1') },
  { model: 'efficientnet_b3', top1: 82.008, source: TV('EfficientNet_B3_Weights.IMAGENET1K_V1') },
  { model: 'efficientnet_b4', top1: 83.384, source: TV('EfficientNet_B4_Weights.IMAGENET1K_V1') },
  { model: 'efficientnet_b5', top1: 83.444, source: TV('EfficientNet_B5_Weights.IMAGENET1K_V1') },
  { model: 'efficientnet_b6', top1: 84.008, source: TV('EfficientNet_B6_Weights.IMAGENET1K_V1') },
  { model: 'efficientnet_b7', top1: 84.122, source: TV('EfficientNet_B7_Weights.IMAGENET1K_V1') },
  // Keras Applications' MobileNet v1 (torchvision has none).
  { model: 'mobilenet_v1', top1: 70.4, source: 'Keras Applications table (keras.io/api/applications), MobileNet top-1 0.704' },
];

const byName = new Map(PUBLISHED_TOP1.map((r) => [r.model, r]));

/** The published top-1 for a model name, or null when we have none. */
export function publishedTop1(model: string): AccuracyRow | null {
  return byName.get(model) ?? null;
}
