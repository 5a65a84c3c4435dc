// torchvision's published ImageNet weights for the registered models (facts from torchvision's weights
// metadata, torchvision/models/*.py: file name, SHA-256 prefix as in the name, eval transforms,
// ImageNet-1K acc@1 / acc@5, parameter count). Dumped from torchvision 0.14's WeightsEnum
// (get_model_weights(name), weights.transforms(), weights.meta) and updated with torchvision >= 0.16's
// renamed EfficientNet V1 files (pytorch/vision PR #8036: the old names' prefixes were not the files'
// SHA-256; the old names hold the same bytes and are kept as aliases, found in older torch caches).
// All share ImageNet mean/std (0.485, 0.456, 0.406) / (0.229, 0.224, 0.225) and the 1,000
// categories of data/imagenet_classes.txt (checked equal to torchvision's _IMAGENET_CATEGORIES).
export interface WeightsRecord {
  model: string;
  /** torchvision's enum member, e.g. IMAGENET1K_V2. */
  name: string;
  /** torchvision's DEFAULT for the model. */
  default: boolean;
  /** File name as published (https://download.pytorch.org/models/<file>). */
  file: string;
  /** The SHA-256 prefix in the file name (torch.hub's check_hash rule). */
  sha256: string;
  /** Eval transforms: resize of the shorter side, centre crop, interpolation. */
  resize: number;
  crop: number;
  interpolation: 'bilinear' | 'bicubic';
  acc1: number;
  acc5: number;
  /** Parameters (torchvision's num_params; Inception-v3's includes its aux head). */
  params: number;
  /** Earlier published names of the same file. */
  aliases?: string[];
  /**
   * GoogLeNet / Inception-v3 weights were trained for torchvision's transform_input, which re-normalises
   * ImageNet-normalised input to (x - 0.5) / 0.5; our models leave it to preprocessing.
   */
  transformInput?: boolean;
}

export const TORCHVISION_WEIGHTS: readonly WeightsRecord[] = [
  { model: 'densenet121', name: 'IMAGENET1K_V1', default: true, file: 'densenet121-a639ec97.pth', sha256: 'a639ec97', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 74.434, acc5: 91.972, params: 7978856 },
  { model: 'densenet161', name: 'IMAGENET1K_V1', default: true, file: 'densenet161-8d451a50.pth', sha256: '8d451a50', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 77.138, acc5: 93.56, params: 28681000 },
  { model: 'densenet169', name: 'IMAGENET1K_V1', default: true, file: 'densenet169-b2777c0a.pth', sha256: 'b2777c0a', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 75.6, acc5: 92.806, params: 14149480 },
  { model: 'densenet201', name: 'IMAGENET1K_V1', default: true, file: 'densenet201-c1103571.pth', sha256: 'c1103571', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 76.896, acc5: 93.37, params: 20013928 },
  { model: 'efficientnet_b0', name: 'IMAGENET1K_V1', default: true, file: 'efficientnet_b0_rwightman-7f5810bc.pth', sha256: '7f5810bc', resize: 256, crop: 224, interpolation: 'bicubic', acc1: 77.692, acc5: 93.532, params: 5288548, aliases: ['efficientnet_b0_rwightman-3dd342df.pth'] },
  { model: 'efficientnet_b1', name: 'IMAGENET1K_V1', default: false, file: 'efficientnet_b1_rwightman-bac287d4.pth', sha256: 'bac287d4', resize: 256, crop: 240, interpolation: 'bicubic', acc1: 78.642, acc5: 94.186, params: 7794184, aliases: ['efficientnet_b1_rwightman-533bc792.pth'] },
  { model: 'efficientnet_b1', name: 'IMAGENET1K_V2', default: true, file: 'efficientnet_b1-c27df63c.pth', sha256: 'c27df63c', resize: 255, crop: 240, interpolation: 'bilinear', acc1: 79.838, acc5: 94.934, params: 7794184 },
  { model: 'efficientnet_b2', name: 'IMAGENET1K_V1', default: true, file: 'efficientnet_b2_rwightman-c35c1473.pth', sha256: 'c35c1473', resize: 288, crop: 288, interpolation: 'bicubic', acc1: 80.608, acc5: 95.31, params: 9109994, aliases: ['efficientnet_b2_rwightman-bcdf34b7.pth'] },
  { model: 'efficientnet_b3', name: 'IMAGENET1K_V1', default: true, file: 'efficientnet_b3_rwightman-b3899882.pth', sha256: 'b3899882', resize: 320, crop: 300, interpolation: 'bicubic', acc1: 82.008, acc5: 96.054, params: 12233232, aliases: ['efficientnet_b3_rwightman-cf984f9c.pth'] },
  { model: 'efficientnet_b4', name: 'IMAGENET1K_V1', default: true, file: 'efficientnet_b4_rwightman-23ab8bcd.pth', sha256: '23ab8bcd', resize: 384, crop: 380, interpolation: 'bicubic', acc1: 83.384, acc5: 96.594, params: 19341616, aliases: ['efficientnet_b4_rwightman-7eb33cd5.pth'] },
  { model: 'efficientnet_b5', name: 'IMAGENET1K_V1', default: true, file: 'efficientnet_b5_lukemelas-1a07897c.pth', sha256: '1a07897c', resize: 456, crop: 456, interpolation: 'bicubic', acc1: 83.444, acc5: 96.628, params: 30389784, aliases: ['efficientnet_b5_lukemelas-b6417697.pth'] },
  { model: 'efficientnet_b6', name: 'IMAGENET1K_V1', default: true, file: 'efficientnet_b6_lukemelas-24a108a5.pth', sha256: '24a108a5', resize: 528, crop: 528, interpolation: 'bicubic', acc1: 84.008, acc5: 96.916, params: 43040704, aliases: ['efficientnet_b6_lukemelas-c76e70fd.pth'] },
  { model: 'efficientnet_b7', name: 'IMAGENET1K_V1', default: true, file: 'efficientnet_b7_lukemelas-c5b4e57e.pth', sha256: 'c5b4e57e', resize: 600, crop: 600, interpolation: 'bicubic', acc1: 84.122, acc5: 96.908, params: 66347960, aliases: ['efficientnet_b7_lukemelas-dcc49843.pth'] },
  { model: 'googlenet', name: 'IMAGENET1K_V1', default: true, file: 'googlenet-1378be20.pth', sha256: '1378be20', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 69.778, acc5: 89.53, params: 6624904, transformInput: true },
  { model: 'inception_v3', name: 'IMAGENET1K_V1', default: true, file: 'inception_v3_google-0cc3c7bd.pth', sha256: '0cc3c7bd', resize: 342, crop: 299, interpolation: 'bilinear', acc1: 77.294, acc5: 93.45, params: 27161264, transformInput: true },
  { model: 'mobilenet_v2', name: 'IMAGENET1K_V1', default: false, file: 'mobilenet_v2-b0353104.pth', sha256: 'b0353104', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 71.878, acc5: 90.286, params: 3504872 },
  { model: 'mobilenet_v2', name: 'IMAGENET1K_V2', default: true, file: 'mobilenet_v2-7ebf99e0.pth', sha256: '7ebf99e0', resize: 232, crop: 224, interpolation: 'bilinear', acc1: 72.154, acc5: 90.822, params: 3504872 },
  { model: 'mobilenet_v3_large', name: 'IMAGENET1K_V1', default: false, file: 'mobilenet_v3_large-8738ca79.pth', sha256: '8738ca79', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 74.042, acc5: 91.34, params: 5483032 },
  { model: 'mobilenet_v3_large', name: 'IMAGENET1K_V2', default: true, file: 'mobilenet_v3_large-5c1a4163.pth', sha256: '5c1a4163', resize: 232, crop: 224, interpolation: 'bilinear', acc1: 75.274, acc5: 92.566, params: 5483032 },
  { model: 'mobilenet_v3_small', name: 'IMAGENET1K_V1', default: true, file: 'mobilenet_v3_small-047dcff4.pth', sha256: '047dcff4', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 67.668, acc5: 87.402, params: 2542856 },
  { model: 'resnet101', name: 'IMAGENET1K_V1', default: false, file: 'resnet101-63fe2227.pth', sha256: '63fe2227', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 77.374, acc5: 93.546, params: 44549160 },
  { model: 'resnet101', name: 'IMAGENET1K_V2', default: true, file: 'resnet101-cd907fc2.pth', sha256: 'cd907fc2', resize: 232, crop: 224, interpolation: 'bilinear', acc1: 81.886, acc5: 95.78, params: 44549160 },
  { model: 'resnet152', name: 'IMAGENET1K_V1', default: false, file: 'resnet152-394f9c45.pth', sha256: '394f9c45', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 78.312, acc5: 94.046, params: 60192808 },
  { model: 'resnet152', name: 'IMAGENET1K_V2', default: true, file: 'resnet152-f82ba261.pth', sha256: 'f82ba261', resize: 232, crop: 224, interpolation: 'bilinear', acc1: 82.284, acc5: 96.002, params: 60192808 },
  { model: 'resnet18', name: 'IMAGENET1K_V1', default: true, file: 'resnet18-f37072fd.pth', sha256: 'f37072fd', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 69.758, acc5: 89.078, params: 11689512 },
  { model: 'resnet34', name: 'IMAGENET1K_V1', default: true, file: 'resnet34-b627a593.pth', sha256: 'b627a593', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 73.314, acc5: 91.42, params: 21797672 },
  { model: 'resnet50', name: 'IMAGENET1K_V1', default: false, file: 'resnet50-0676ba61.pth', sha256: '0676ba61', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 76.13, acc5: 92.862, params: 25557032 },
  { model: 'resnet50', name: 'IMAGENET1K_V2', default: true, file: 'resnet50-11ad3fa6.pth', sha256: '11ad3fa6', resize: 232, crop: 224, interpolation: 'bilinear', acc1: 80.858, acc5: 95.434, params: 25557032 },
  { model: 'resnext50_32x4d', name: 'IMAGENET1K_V1', default: false, file: 'resnext50_32x4d-7cdf4587.pth', sha256: '7cdf4587', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 77.618, acc5: 93.698, params: 25028904 },
  { model: 'resnext50_32x4d', name: 'IMAGENET1K_V2', default: true, file: 'resnext50_32x4d-1a0047aa.pth', sha256: '1a0047aa', resize: 232, crop: 224, interpolation: 'bilinear', acc1: 81.198, acc5: 95.34, params: 25028904 },
  { model: 'squeezenet1_0', name: 'IMAGENET1K_V1', default: true, file: 'squeezenet1_0-b66bff10.pth', sha256: 'b66bff10', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 58.092, acc5: 80.42, params: 1248424 },
  { model: 'squeezenet1_1', name: 'IMAGENET1K_V1', default: true, file: 'squeezenet1_1-b8a52dc0.pth', sha256: 'b8a52dc0', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 58.178, acc5: 80.624, params: 1235496 },
  { model: 'vgg11', name: 'IMAGENET1K_V1', default: true, file: 'vgg11-8a719046.pth', sha256: '8a719046', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 69.02, acc5: 88.628, params: 132863336 },
  { model: 'vgg11_bn', name: 'IMAGENET1K_V1', default: true, file: 'vgg11_bn-6002323d.pth', sha256: '6002323d', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 70.37, acc5: 89.81, params: 132868840 },
  { model: 'vgg13', name: 'IMAGENET1K_V1', default: true, file: 'vgg13-19584684.pth', sha256: '19584684', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 69.928, acc5: 89.246, params: 133047848 },
  { model: 'vgg13_bn', name: 'IMAGENET1K_V1', default: true, file: 'vgg13_bn-abd245e5.pth', sha256: 'abd245e5', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 71.586, acc5: 90.374, params: 133053736 },
  { model: 'vgg16', name: 'IMAGENET1K_V1', default: true, file: 'vgg16-397923af.pth', sha256: '397923af', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 71.592, acc5: 90.382, params: 138357544 },
  { model: 'vgg16_bn', name: 'IMAGENET1K_V1', default: true, file: 'vgg16_bn-6c64b313.pth', sha256: '6c64b313', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 73.36, acc5: 91.516, params: 138365992 },
  { model: 'vgg19', name: 'IMAGENET1K_V1', default: true, file: 'vgg19-dcbb9e9d.pth', sha256: 'dcbb9e9d', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 72.376, acc5: 90.876, params: 143667240 },
  { model: 'vgg19_bn', name: 'IMAGENET1K_V1', default: true, file: 'vgg19_bn-c79401a0.pth', sha256: 'c79401a0', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 74.218, acc5: 91.842, params: 143678248 },
  { model: 'wide_resnet50_2', name: 'IMAGENET1K_V1', default: false, file: 'wide_resnet50_2-95faca4d.pth', sha256: '95faca4d', resize: 256, crop: 224, interpolation: 'bilinear', acc1: 78.468, acc5: 94.086, params: 68883240 },
  { model: 'wide_resnet50_2', name: 'IMAGENET1K_V2', default: true, file: 'wide_resnet50_2-9ba9bcbe.pth', sha256: '9ba9bcbe', resize: 232, crop: 224, interpolation: 'bilinear', acc1: 81.602, acc5: 95.758, params: 68883240 },
];
