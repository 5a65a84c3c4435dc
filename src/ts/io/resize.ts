// Antialiased resizing of HWC uint8 images, the way torchvision's eval transforms resize: separable
// filters whose support widens with the downscale factor (bilinear = triangle, bicubic a = -0.5).
// Two arithmetic modes over the same filter weights:
// - 'tensor': float accumulation, one rounding at the end (torchvision's tensor path, antialias=True);
// - 'pil': Pillow's integer arithmetic (22-bit fixed-point weights, the horizontal pass rounded to
//   uint8 before the vertical one), i.e. what torchvision does on PIL images, the pipeline its
//   published accuracies were measured with.
// Only the output pixels of the centre crop are computed.
import { ConvnetsError } from '../core/backend.js';

export type Interpolation = 'bilinear' | 'bicubic';
export type ResampleMode = 'tensor' | 'pil';

const SUPPORT: Record<Interpolation, number> = { bilinear: 1, bicubic: 2 };

function filter(kind: Interpolation, x: number): number {
  x = Math.abs(x);
  if (kind === 'bilinear') return x < 1 ? 1 - x : 0;
  const a = -0.5;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Taps { start: Int32Array; count: Int32Array; weights: Float64Array; ksize: number }

/** Filter taps for output indices [first, first + n) of an inSize -> outSize resize (Pillow's bounds). */
function taps(inSize: number, outSize: number, first: number, n: number, kind: Interpolation, pil: boolean): Taps {
  const scale = inSize / outSize;
  const fscale = Math.max(scale, 1);
  const support = SUPPORT[kind] * fscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(n); const count = new Int32Array(n); const weights = new Float64Array(n * ksize);
  for (let i = 0; i < n; i++) {
    const center = (first + i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let j = 0; j < hi - lo; j++) {
      const w = filter(kind, (j + lo - center + 0.5) / fscale);
      weights[i * ksize + j] = w; total += w;
    }
    for (let j = 0; j < hi - lo; j++) {
      const w = total !== 0 ? weights[i * ksize + j] / total : 0;
      // Pillow rounds each weight to 22-bit fixed point (half away from zero).
      weights[i * ksize + j] = pil ? (w < 0 ? Math.trunc(-0.5 + w * 4194304) : Math.trunc(0.5 + w * 4194304)) : w;
    }
    start[i] = lo; count[i] = hi - lo;
  }
  return { start, count, weights, ksize };
}

/** Python's round(): half to even (torchvision's centre crop offsets use it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision Resize(int): the shorter side becomes `size`, the longer is scaled and truncated. */
export function resizedSize(width: number, height: number, size: number): [number, number] {
  return width <= height ? [size, Math.floor((size * height) / width)] : [Math.floor((size * width) / height), size];
}

const clip8 = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : v);

/**
 * Resizes HWC uint8 `px` (width x height x channels) so its shorter side is `resize`, then takes the
 * centre `crop` x `crop` (torchvision's offsets), computing only the cropped pixels.
 */
export function resizeCenterCrop(px: Uint8Array, width: number, height: number, channels: number,
  o: { resize: number; crop: number; interpolation?: Interpolation; mode?: ResampleMode }): Uint8Array {
  const kind = o.interpolation ?? 'bilinear';
  if (kind !== 'bilinear' && kind !== 'bicubic') throw new ConvnetsError(`resize: interpolation must be bilinear or bicubic, got '${String(kind)}'`);
  const pil = (o.mode ?? 'pil') === 'pil';
  if (px.length !== width * height * channels) throw new ConvnetsError(`resize: ${px.length} bytes for a ${width}x${height}x${channels} image`);
  const [nw, nh] = resizedSize(width, height, o.resize);
  if (o.crop > nw || o.crop > nh) throw new ConvnetsError(`resize: crop ${o.crop} is larger than the resized ${nw}x${nh}`);
  const left = roundHalfEven((nw - o.crop) / 2);
  const top = roundHalfEven((nh - o.crop) / 2);
  const c = o.crop;
  // An axis whose size does not change is copied (Pillow skips that pass; the filter is the identity there).
  const hx = nw !== width ? taps(width, nw, left, c, kind, pil) : null;
  const vy = nh !== height ? taps(height, nh, top, c, kind, pil) : null;
  const rowFirst = vy ? vy.start[0] : top;
  const rowEnd = vy ? vy.start[c - 1] + vy.count[c - 1] : top + c;
  const rows = rowEnd - rowFirst;
  // Horizontal pass over the input rows the vertical pass needs: rows x c x channels.
  const mid = pil ? new Uint8Array(rows * c * channels) : new Float64Array(rows * c * channels);
  for (let y = 0; y < rows; y++) {
    const src = (rowFirst + y) * width * channels;
    for (let x = 0; x < c; x++) {
      const dst = (y * c + x) * channels;
      if (!hx) { for (let k = 0; k < channels; k++) mid[dst + k] = px[src + (left + x) * channels + k]; continue; }
      const s0 = hx.start[x]; const n = hx.count[x]; const wo = x * hx.ksize;
      for (let k = 0; k < channels; k++) {
        let acc = pil ? 2097152 : 0;
        for (let j = 0; j < n; j++) acc += px[src + (s0 + j) * channels + k] * hx.weights[wo + j];
        mid[dst + k] = pil ? clip8(Math.floor(acc / 4194304)) : acc;
      }
    }
  }
  const out = new Uint8Array(c * c * channels);
  for (let y = 0; y < c; y++) {
    for (let x = 0; x < c; x++) {
      for (let k = 0; k < channels; k++) {
        let v: number;
        if (!vy) v = mid[((top + y - rowFirst) * c + x) * channels + k];
        else {
          const s0 = vy.start[y] - rowFirst; const n = vy.count[y]; const wo = y * vy.ksize;
          let acc = pil ? 2097152 : 0;
          for (let j = 0; j < n; j++) acc += mid[((s0 + j) * c + x) * channels + k] * vy.weights[wo + j];
          v = pil ? Math.floor(acc / 4194304) : acc;
        }
        out[(y * c + x) * channels + k] = clip8(pil ? v : roundHalfEven(v));
      }
    }
  }
  return out;
}
