// Builders for hand-made torch.save archives in tests: a zip writer whose declared sizes can lie, and a
// pickle assembler for the opcodes a state dict uses (and a few it must not).
import * as zlib from 'node:zlib';

export interface ZipInput { name: string; data: Uint8Array; deflate?: boolean; declaredSize?: number }

const le16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** A zip archive of the entries (stored, or deflated), with optionally forged uncompressed sizes. */
export function makeZip(entries: ZipInput[]): Uint8Array {
  const parts: number[][] = [];
  const central: number[][] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? new Uint8Array(zlib.deflateRawSync(e.data)) : e.data;
    const crc = zlib.crc32(e.data) >>> 0;
    const size = e.declaredSize ?? e.data.length;
    const name = [...new TextEncoder().encode(e.name)];
    const method = e.deflate ? 8 : 0;
    const local = [...le32(0x04034b50), ...le16(20), ...le16(0), ...le16(method), ...le16(0), ...le16(0), ...le32(crc),
      ...le32(body.length), ...le32(size), ...le16(name.length), ...le16(0), ...name];
    central.push([...le32(0x02014b50), ...le16(20), ...le16(20), ...le16(0), ...le16(method), ...le16(0), ...le16(0), ...le32(crc),
      ...le32(body.length), ...le32(size), ...le16(name.length), ...le16(0), ...le16(0), ...le16(0), ...le16(0), ...le32(0), ...le32(offset), ...name]);
    parts.push(local, [...body]);
    offset += local.length + body.length;
  }
  const cd = central.flat();
  const eocd = [...le32(0x06054b50), ...le16(0), ...le16(0), ...le16(entries.length), ...le16(entries.length), ...le32(cd.length), ...le32(offset), ...le16(0)];
  const out = new Uint8Array(offset + cd.length + eocd.length);
  let p = 0;
  for (const part of [...parts, cd, eocd]) { out.set(part, p); p += part.length; }
  return out;
}

/** A tiny pickle assembler: call the opcode helpers in order, then bytes(). */
export class Pickle {
  private b: number[] = [0x80, 2];
  op(...bytes: number[]): this { for (const x of bytes) this.b.push(x); return this; }
  repeat(byte: number, n: number): this { for (let i = 0; i < n; i++) this.b.push(byte); return this; }
  str(s: string): this { const u = [...new TextEncoder().encode(s)]; return u.length < 256 ? this.op(0x8c, u.length, ...u) : this.op(0x58, ...le32(u.length), ...u); }
  int(v: number): this {
    if (v >= 0 && v < 256) return this.op(0x4b, v);
    if (v >= -(2 ** 31) && v < 2 ** 31) return this.op(0x4a, ...le32(v));
    const bytes: number[] = []; let x = BigInt(v);
    for (let i = 0; i < 8; i++) { bytes.push(Number(x & 0xffn)); x >>= 8n; }
    return this.op(0x8a, 8, ...bytes);
  }
  global(module: string, name: string): this { return this.op(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`)); }
  mark(): this { return this.op(0x28); }
  tuple(): this { return this.op(0x74); }
  emptyDict(): this { return this.op(0x7d); }
  emptyTuple(): this { return this.op(0x29); }
  setitem(): this { return this.op(0x73); }
  reduce(): this { return this.op(0x52); }
  stop(): this { return this.op(0x2e); }
  ints(v: number[]): this { this.mark(); for (const x of v) this.int(x); return this.tuple(); }
  /** A _rebuild_tensor_v2 call on storage `key` (a persistent id), leaving the tensor on the stack. */
  tensor(key: string, numel: number, offset: number, shape: number[], stride: number[], storage = 'FloatStorage'): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', storage).str(key).str('cpu').int(numel).tuple().op(0x51);
    this.int(offset).ints(shape).ints(stride).op(0x89);
    this.global('collections', 'OrderedDict').emptyTuple().reduce();
    return this.tuple().reduce();
  }
  bytes(): Uint8Array { return new Uint8Array(this.b); }
}

/** A torch.save-shaped archive: archive/data.pkl + archive/data/<key> entries. */
export function pthArchive(pkl: Uint8Array, storages: Record<string, Uint8Array>, o: { deflate?: boolean; declared?: Record<string, number> } = {}): Uint8Array {
  return makeZip([
    { name: 'archive/data.pkl', data: pkl },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data, deflate: o.deflate, declaredSize: o.declared?.[k] })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}
