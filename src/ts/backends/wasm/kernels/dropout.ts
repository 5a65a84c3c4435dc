// Dropout masks from the counter hash of core/random.ts (the same mask on every backend).
import type { Buf } from '../../../core/backend.js';
import { checkKernelParams } from '../../../core/params.js';
import { dropThreshold } from '../../../core/random.js';
import type { WasmRuntime } from '../runtime.js';

export function dropoutMask(rt: WasmRuntime, length: number, rate: number, seed: number, mask: Buf): void {
  const K = 'dropoutMask';
  checkKernelParams(K, { length, rate, seed });
  rt.params(K, 'dropout', {
    length, seed: seed | 0, threshold: dropThreshold(rate) >>> 0, scale: 1 / (1 - rate), mask: rt.out(K, 'mask', mask, length).offset,
  });
  rt.run('dropoutMask', rt.nt(length * 4));
}
