// Fuzz target: safetensors files. A valid file of a few tensors, then header-structure mutations
// (fields replaced by awkward values, names with escapes, offsets shifted, header length forged) and
// byte mutations. Both the in-memory decoder and the bounded file reader run, and must agree.
import { ConvnetsError } from '../../../src/ts/core/backend.js';
import type { Rng } from '../../../src/ts/core/random.js';
import { decodeSafetensors, readSafetensorsFile } from '../../../src/ts/io/safetensors.js';
import type { DecodedSafetensors } from '../../../src/ts/io/safetensors.js';
import { deepText, isObject, mutateBytes, pick, weirdValue, writeCase } from '../harness.js';
import type { FuzzTarget } from '../harness.js';

const DTYPES = ['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'U64', 'U32', 'U16', 'f32', 'F8', ''];
const SIZES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 };
const NAMES = ['conv.weight', 'bn.running_mean', 'fc.bias', '\u001b[31mevil\u001b[0m', '__proto__', 'constructor', '', 'ü名前', 'a'.repeat(5000), 'x\ny', 'optim.fc.weight.exp_avg'];

function build(rng: Rng): { header: Record<string, unknown>; data: Uint8Array } {
  const header: Record<string, unknown> = {};
  if (rng.int(2)) header.__metadata__ = rng.int(4) ? { format: 'pt', k: 'v' } : weirdValue(rng, 1000);
  let off = 0;
  const n = rng.int(5);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const dtype = rng.int(8) ? pick(rng, DTYPES.slice(0, 13)) : pick(rng, DTYPES);
    const shape = Array.from({ length: rng.int(4) }, () => rng.int(5));
    const bytes = shape.reduce((a, b) => a * b, 1) * (SIZES[dtype] ?? 4);
    const name = rng.int(4) ? `t${i}.${pick(rng, NAMES.slice(0, 3))}` : pick(rng, NAMES) + i;
    header[name] = { dtype, shape, data_offsets: [off, off + bytes] };
    const d = new Uint8Array(bytes).map(() => rng.int(256));
    chunks.push(d);
    off += bytes;
  }
  const data = new Uint8Array(off);
  let o = 0;
  for (const c of chunks) { data.set(c, o); o += c.length; }
  return { header, data };
}

function mutateHeader(rng: Rng, header: Record<string, unknown>): void {
  const keys = Object.keys(header).filter((k) => k !== '__metadata__');
  const k = keys.length ? pick(rng, keys) : null;
  const e = k && isObject(header[k]) ? header[k] as Record<string, unknown> : null;
  switch (rng.int(8)) {
    case 0: if (e) e[pick(rng, ['dtype', 'shape', 'data_offsets'])] = weirdValue(rng); break;
    case 1: if (e && Array.isArray(e.shape)) { (e.shape as unknown[])[rng.int(Math.max(1, (e.shape as unknown[]).length))] = weirdValue(rng); } break;
    case 2: if (e && Array.isArray(e.data_offsets)) { (e.data_offsets as number[])[rng.int(2)] += rng.int(9) - 4; } break;
    case 3: if (k) header[k] = weirdValue(rng); break;
    case 4: header[pick(rng, NAMES) + rng.int(9)] = { dtype: 'F32', shape: [rng.int(3)], data_offsets: [0, 4 * rng.int(3)] }; break;
    case 5: // many entries
      for (let i = 0, n = 1 + rng.int(20000); i < n; i++) header[`w${i}`] = { dtype: 'U8', shape: [0], data_offsets: [0, 0] };
      break;
    case 6: if (e) e.shape = Array.from({ length: 17 + rng.int(100) }, () => 1); break;
    default: if (e) e.dtype = pick(rng, DTYPES);
  }
}

function encode(rng: Rng, header: unknown, data: Uint8Array): Uint8Array {
  let text: string;
  try { text = JSON.stringify(header); } catch { text = `{"a":{"dtype":"F32","shape":${deepText(100000)},"data_offsets":[0,0]}}`; }
  // Deep nesting goes in as text (a 5M-deep shape crashed an error message once).
  if (rng.int(12) === 0) text = text.replace(/"shape":\[[^\]]*\]/, `"shape":${deepText(1 + rng.int(rng.int(4) === 0 ? 1_000_000 : 50_000))}`);
  if (rng.int(6) === 0) text = text.slice(0, rng.int(text.length + 1)); // broken JSON
  const json = Buffer.from(text, 'utf8');
  const pad = rng.int(2) ? (8 - (json.length % 8)) % 8 : 0;
  const out = new Uint8Array(8 + json.length + pad + data.length);
  const dv = new DataView(out.buffer);
  let len = json.length + pad;
  if (rng.int(10) === 0) len = pick(rng, [0, 1, 2, len + 1, len - 1, 2 ** 32 + len, 100 * 1024 * 1024 + 1, Number.MAX_SAFE_INTEGER]);
  dv.setUint32(0, len % 4294967296, true);
  dv.setUint32(4, Math.floor(len / 4294967296) % 4294967296, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + json.length + pad);
  out.set(data, 8 + json.length + pad);
  return out;
}

function same(a: DecodedSafetensors, b: DecodedSafetensors): string | null {
  if (a.tensors.size !== b.tensors.size) return `decode found ${a.tensors.size} tensors, file read ${b.tensors.size}`;
  for (const [n, t] of a.tensors) {
    const u = b.tensors.get(n);
    if (!u || u.data.length !== t.data.length) return `tensor ${n} differs between decode and file read`;
    for (let i = 0; i < t.data.length; i++) if (!Object.is(t.data[i], u.data[i]) && !(Number.isNaN(t.data[i]) && Number.isNaN(u.data[i]))) return `tensor ${n}[${i}] differs`;
  }
  return null;
}

export const safetensorsTarget: FuzzTarget = {
  name: 'safetensors',
  make(rng, dir) {
    const { header, data } = build(rng);
    const structural = rng.int(3) !== 0;
    if (structural) for (let i = 0, n = 1 + rng.int(3); i < n; i++) mutateHeader(rng, header);
    let bytes = encode(rng, header, data);
    if (!structural || rng.int(3) === 0) bytes = mutateBytes(rng, bytes);
    const file = writeCase(dir, bytes, '.safetensors');
    return {
      label: `${structural ? 'header' : 'bytes'} mutation, ${bytes.length} bytes`,
      run() {
        let viaBytes: DecodedSafetensors | undefined, viaFile: DecodedSafetensors | undefined;
        let eBytes: unknown, eFile: unknown;
        try { viaBytes = decodeSafetensors(bytes, file); } catch (e) { eBytes = e; }
        try { viaFile = readSafetensorsFile(file); } catch (e) { eFile = e; }
        if (eBytes && !(eBytes instanceof ConvnetsError)) throw eBytes;
        if (eFile && !(eFile instanceof ConvnetsError)) throw eFile;
        if (!eBytes !== !eFile) throw new Error(`decode ${eBytes ? 'refused' : 'accepted'} but the file reader ${eFile ? 'refused' : 'accepted'}: ${String(eBytes ?? eFile).slice(0, 200)}`);
        if (eFile) throw eFile;
        return { viaBytes, viaFile };
      },
    };
  },
  check(r) {
    const { viaBytes, viaFile } = r as { viaBytes: DecodedSafetensors; viaFile: DecodedSafetensors };
    for (const [n, t] of viaFile.tensors) {
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (t.data.length !== count) return `tensor ${n}: ${t.data.length} values for shape [${t.shape}]`;
    }
    return same(viaBytes, viaFile);
  },
};
