// Shared by the ONNX tests: run an exported model in onnxruntime-node and compare with our forward.
import * as ort from 'onnxruntime-node';

/** NHWC -> NCHW copy. */
export function nhwcToNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let k = 0; k < c; k++) {
    out[((i * c + k) * h + y) * w + xx] = x[((i * h + y) * w + xx) * c + k];
  }
  return out;
}

/** Runs the model on an NCHW input, returns the first output (NCHW if rank 4). */
export async function runOrt(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  try {
    const feeds: Record<string, ort.Tensor> = { [session.inputNames[0]]: new ort.Tensor('float32', input, dims) };
    const res = await session.run(feeds);
    const t = res[session.outputNames[0]];
    return { data: t.data as Float32Array, dims: t.dims };
  } finally {
    await session.release();
  }
}

/** max |a - b| / max(max |b|, 1e-6): a scale-aware relative error over the whole output. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-6; let err = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : d;
  }
  return err / scale;
}
