// A few tiny kernels on a fresh native backend, to show which path each takes on this machine (cuDNN,
// cuBLAS or the own kernels) and why cuDNN refused any: what `convnets doctor` prints under native.
import { conv2dParams } from '../../core/shape.js';
import type { NativeAddon, NativeContextOptions, NativePathCounts } from './addon.js';
import { NativeBackend } from './index.js';

/** opts: a host-only context with recording stand-ins shows the same table without a GPU (tests). */
export function probePaths(addon: NativeAddon, opts: NativeContextOptions = {}): Record<string, NativePathCounts> {
  const b = new NativeBackend(addon, opts);
  try {
    const p = conv2dParams([2, 8, 8, 4], [8, 3, 3, 4], { padding: 1 });
    const x = b.alloc(2 * 8 * 8 * 4), w = b.alloc(8 * 3 * 3 * 4), y = b.alloc(2 * 8 * 8 * 8);
    b.fill(x, 0.5);
    b.fill(w, 0.25);
    b.conv2d(p, x, w, null, y);
    b.conv2dBackwardData(p, y, w, x);
    b.conv2dBackwardFilter(p, x, y, w, null);
    const c = 8, rows = 2 * 8 * 8;
    const s = [0, 1, 2, 3, 4].map(() => b.alloc(c));
    for (const v of s) b.fill(v, 1);
    const y2 = b.alloc(rows * c);
    b.batchNormTrain({ rows, c, eps: 1e-5, momentum: 0.1 }, y, s[0], s[1], y2, s[2], s[3], s[4], s[0]);
    const d = b.alloc(rows * 4);
    b.dense({ n: rows, inF: c, outF: 4 }, y2, w, null, d);
    b.synchronize();
    return b.stats().paths;
  } finally {
    b.dispose();
  }
}
