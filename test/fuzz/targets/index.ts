// Every fuzz target by name (the long mode's registry).
import type { FuzzTarget } from '../harness.js';
import { checkpointTarget } from './checkpoint.js';
import { cifarTarget } from './cifar10.js';
import { customTarget } from './custom.js';
import { idxTarget } from './idx.js';
import { imageTarget } from './image.js';
import { safetensorsTarget } from './safetensors.js';

export const TARGETS: Record<string, FuzzTarget> = {
  safetensors: safetensorsTarget, checkpoint: checkpointTarget, idx: idxTarget, cifar10: cifarTarget, custom: customTarget, image: imageTarget,
};
