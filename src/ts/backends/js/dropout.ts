// Dropout mask from the counter-based hash of core/random.ts, so every backend draws the same mask.
import { ConvnetsError } from '../../core/backend.js';
import type { Buf } from '../../core/backend.js';
import { dropoutKeep } from '../../core/random.js';
import { arr, checkCount } from './memory.js';

export function dropoutMask(length: number, rate: number, seed: number, maskb: Buf): void {
  const K = 'dropoutMask';
  checkCount(K, 'length', length);
  if (!(rate >= 0 && rate < 1)) throw new ConvnetsError(`${K}: rate must be in [0, 1), got ${rate}`);
  if (!Number.isInteger(seed)) throw new ConvnetsError(`${K}: seed must be an integer, got ${seed}`);
  const mask = arr(K, 'mask', maskb, length, false);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < length; i++) mask[i] = dropoutKeep(seed, i, rate) ? keep : 0;
}
