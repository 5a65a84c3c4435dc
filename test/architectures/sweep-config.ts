// Sweep settings per model: the smallest input at which every parameter gets a structurally nonzero
// gradient. With batch 2 and a 1x1 final map, a batch norm in training sees 2 rows, and a BN bias whose
// gradient reaches it only through later BNs and row-wise linear ops (1x1 convs, adds) is exactly zero:
// MobileNet/EfficientNet linear bottlenecks and ResNet v2 (no ReLU after the add) need a 2x2 final map.
// EfficientNet's stochastic depth is off: with 2 samples a whole block may be dropped for both (a real
// zero gradient); drop-path itself is tested with the nn containers.
import type { ModelOptions } from '../../src/architectures/index.js';

export function sweepSettings(name: string): { opts: ModelOptions; size: number } {
  if (name.startsWith('efficientnet')) return { opts: { smallInput: true, stochasticDepth: 0 }, size: 32 };
  if (/^(vgg|mobilenet)/.test(name)) return { opts: { smallInput: true }, size: 32 };
  if (/_v2$/.test(name) && name.startsWith('resnet')) return { opts: {}, size: 48 };
  if (name === 'inception_v3') return { opts: {}, size: 75 };
  return { opts: {}, size: 32 };
}
