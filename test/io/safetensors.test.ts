import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { Rng } from '../../src/ts/core/random.js';
import {
  decodeSafetensors, encodeSafetensors, readSafetensorsFile, writeSafetensorsFile,
} from '../../src/ts/io/safetensors.js';

/** Builds a file from a raw header object and data bytes (for hand-made and malformed files). */
function rawFile(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  if (pad && json.length % 8) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function throwsConvnets(t: Tap.Test, fn: () => unknown, re: RegExp, msg: string): void {
  try {
    fn();
    t.fail(`${msg}: did not throw`);
  } catch (e) {
    t.ok(e instanceof ConvnetsError, `${msg}: ConvnetsError (got ${(e as Error).name}: ${(e as Error).message})`);
    t.match((e as Error).message, re, msg);
  }
}
import type { Test as TapTest } from 'tap';
declare namespace Tap { type Test = TapTest; }

t.test('round trip keeps names, shapes, values, metadata; header is 8-aligned', async (t) => {
  const a = Float32Array.from([1, -2.5, 3.25, Math.PI, 1e-30, -0]);
  const b = Float32Array.from([7]);
  const bytes = encodeSafetensors([
    { name: 'conv.weight', shape: [1, 2, 3, 1], data: a },
    { name: 'scalar', shape: [], data: b },
    { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
  ], { format: 'pt', note: 'ü' });
  const n = new DataView(bytes.buffer).getUint32(0, true);
  t.equal(n % 8, 0, 'header length multiple of 8');
  const dec = decodeSafetensors(bytes, 'x.safetensors');
  t.same(dec.metadata, { format: 'pt', note: 'ü' });
  t.same([...dec.tensors.keys()], ['conv.weight', 'scalar', 'empty']);
  t.same(dec.tensors.get('conv.weight')!.shape, [1, 2, 3, 1]);
  t.same([...dec.tensors.get('conv.weight')!.data], [...a]);
  t.equal(dec.tensors.get('scalar')!.data[0], 7);
  t.equal(dec.tensors.get('empty')!.data.length, 0);
  t.equal(dec.tensors.get('conv.weight')!.dtype, 'F32');
});

t.test('F16, BF16, F64, I64 read as float32; unaligned data offsets work', async (t) => {
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]).buffer); // 1, -2, ~0.333, 2^-24, inf
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc0a0]).buffer); // 1, -5
  const f64 = new Uint8Array(new Float64Array([0.1, -3]).buffer);
  const i64 = new Uint8Array(new BigInt64Array([42n, -7n]).buffer);
  const data = new Uint8Array(f16.length + bf16.length + f64.length + i64.length);
  let o = 0;
  const hdr: Record<string, unknown> = {};
  for (const [name, dtype, shape, bytes] of [['h', 'F16', [5], f16], ['b', 'BF16', [2], bf16], ['d', 'F64', [2], f64], ['n', 'I64', [2], i64]] as const) {
    hdr[name] = { dtype, shape, data_offsets: [o, o + bytes.length] };
    data.set(bytes, o);
    o += bytes.length;
  }
  // pad=false: data starts at an odd address, so no typed-array view may be taken on it directly.
  const dec = decodeSafetensors(rawFile(hdr, data, false));
  const h = dec.tensors.get('h')!.data;
  t.equal(h[0], 1); t.equal(h[1], -2); t.ok(Math.abs(h[2] - 1 / 3) < 1e-3); t.equal(h[3], 2 ** -24); t.equal(h[4], Infinity);
  t.same([...dec.tensors.get('b')!.data], [1, -5]);
  t.same([...dec.tensors.get('d')!.data], [Math.fround(0.1), -3]);
  t.same([...dec.tensors.get('n')!.data], [42, -7]);
  t.equal(dec.tensors.get('h')!.dtype, 'F16');
});

t.test('malformed files: each a ConvnetsError naming the file and tensor', async (t) => {
  const d8 = new Uint8Array(8);
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  throwsConvnets(t, () => decodeSafetensors(new Uint8Array(5), 'f.st'), /f\.st.*shorter/, 'too short');
  const huge = rawFile(ok, d8);
  new DataView(huge.buffer).setUint32(4, 1, true);
  throwsConvnets(t, () => decodeSafetensors(huge, 'f.st'), /exceeds/, 'absurd header length');
  const past = rawFile(ok, d8);
  new DataView(past.buffer).setUint32(0, 1000, true);
  throwsConvnets(t, () => decodeSafetensors(past, 'f.st'), /past the end/, 'header length past the end');
  throwsConvnets(t, () => decodeSafetensors(rawFile('{"w": ', d8), 'f.st'), /not valid JSON/, 'invalid JSON');
  throwsConvnets(t, () => decodeSafetensors(rawFile('[1,2]   ', d8)), /JSON object/, 'array header');
  throwsConvnets(t, () => decodeSafetensors(rawFile('['.repeat(200000), d8)), /nests JSON deeper than 64 levels/, 'deeply nested header');
  throwsConvnets(t, () => decodeSafetensors(rawFile(`{"a":${'['.repeat(100000)}${']'.repeat(100000)}}`, d8)), /nests JSON deeper than 64 levels/, 'deeply nested entry');
  const badUtf = rawFile('{"a":"xx"}      ', new Uint8Array(0));
  badUtf[14] = 0xff;
  throwsConvnets(t, () => decodeSafetensors(badUtf, 'f.st'), /UTF-8/, 'invalid UTF-8');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ w: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, d8), 'f.st'),
    /f\.st.*'w'.*unsupported dtype 'Q4'/, 'unknown dtype');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, d8)),
    /'w'.*non-negative integers/, 'negative dim');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, d8)),
    /'w'.*non-negative integers/, 'fractional dim');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, d8)),
    /'w'.*needs 12 bytes/, 'shape disagrees with bytes');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [1e9, 1e9, 1e9], data_offsets: [0, 8] } }, d8)),
    /'w'.*absurdly large/, 'absurd size');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, d8)),
    /'w'.*past the data/, 'outside the data');
  throwsConvnets(t, () => decodeSafetensors(rawFile({
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
  }, new Uint8Array(12))), /'b'.*overlap/, 'overlap');
  throwsConvnets(t, () => decodeSafetensors(rawFile({
    a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
  }, new Uint8Array(12))), /'b'.*gap/, 'gap');
  throwsConvnets(t, () => decodeSafetensors(rawFile(ok, new Uint8Array(12))), /trailing/, 'trailing bytes');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, d8)),
    /'w'.*end before begin/, 'reversed offsets');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ w: 5 }, d8)), /'w'/, 'entry not an object');
  throwsConvnets(t, () => decodeSafetensors(rawFile({ __metadata__: { a: 1 } }, new Uint8Array(0))), /__metadata__/, 'metadata not strings');
  throwsConvnets(t, () => readSafetensorsFile('/nonexistent/dir/x.safetensors'), /cannot read \/nonexistent/, 'missing file');
});

t.test('writer rejects bad entries', async (t) => {
  throwsConvnets(t, () => encodeSafetensors([{ name: 'a', shape: [3], data: new Float32Array(2) }]), /'a'.*3 float32/, 'length mismatch');
  throwsConvnets(t, () => encodeSafetensors([
    { name: 'a', shape: [1], data: new Float32Array(1) }, { name: 'a', shape: [1], data: new Float32Array(1) },
  ]), /duplicate/, 'duplicate');
  throwsConvnets(t, () => encodeSafetensors([{ name: '__metadata__', shape: [1], data: new Float32Array(1) }]), /invalid tensor name/, 'reserved name');
});

t.test('atomic file write: success replaces, failure leaves the old file intact', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-st-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'm.safetensors');
  writeSafetensorsFile(file, [{ name: 'a', shape: [2], data: Float32Array.from([1, 2]) }]);
  writeSafetensorsFile(file, [{ name: 'a', shape: [2], data: Float32Array.from([3, 4]) }], { v: '2' });
  t.same([...readSafetensorsFile(file).tensors.get('a')!.data], [3, 4]);
  const before = fs.readFileSync(file);
  // An encode failure happens before any byte is written.
  throwsConvnets(t, () => writeSafetensorsFile(file, [{ name: 'a', shape: [3], data: Float32Array.from([1]) }]), /'a'/, 'bad entry');
  // A write failure (target is a directory, so rename fails) cleans its temp file up.
  fs.mkdirSync(path.join(dir, 'sub.safetensors'));
  throwsConvnets(t, () => writeSafetensorsFile(path.join(dir, 'sub.safetensors'), []), /cannot write/, 'rename onto a directory');
  t.same(fs.readFileSync(file), before, 'old file untouched');
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');
});

t.test('fuzz: thousands of mutated files never crash, hang, or throw anything but ConvnetsError', async (t) => {
  const rng = new Rng(1234);
  const base = encodeSafetensors([
    { name: 'features.0.weight', shape: [4, 3, 3, 3], data: Float32Array.from({ length: 108 }, (_, i) => i * 0.01) },
    { name: 'features.0.bias', shape: [4], data: Float32Array.from([1, 2, 3, 4]) },
    { name: 'fc.weight', shape: [2, 4], data: new Float32Array(8) },
  ], { format: 'pt' });
  const hlen = new DataView(base.buffer).getUint32(0, true);
  const headerText = Buffer.from(base.subarray(8, 8 + hlen)).toString('utf8');
  const edits: [RegExp, () => string][] = [
    [/"F32"/, () => ['"F16"', '"BF16"', '"F64"', '"I64"', '"Q8"', '7', 'null'][rng.int(7)]],
    [/\[4,3,3,3\]/, () => ['[4,3,3]', '[-4,3,3,3]', '[4.5,3,3,3]', '[1e300,1]', '[]', '"x"', '[0,3,3,3]'][rng.int(7)]],
    [/\[0,432\]/, () => ['[0,431]', '[4,436]', '[432,0]', '[0,99999999999]', '[-1,431]', '[0]', '[0,4.5e3]'][rng.int(7)]],
    [/"data_offsets"/, () => ['"data_offset"', '"shape"', '"dtype"'][rng.int(3)]],
    [/\{"format":"pt"\}/, () => ['{"format":1}', '[]', 'null', '{"a":{}}'][rng.int(4)]],
  ];
  let errors = 0; let oks = 0;
  const start = Date.now();
  const N = 4000;
  for (let i = 0; i < N; i++) {
    let bytes = Uint8Array.from(base);
    const kind = rng.int(6);
    if (kind === 0) { // byte flips anywhere
      for (let k = 0, m = 1 + rng.int(4); k < m; k++) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
    } else if (kind === 1) { // truncation
      bytes = bytes.subarray(0, rng.int(bytes.length));
    } else if (kind === 2) { // header byte flips only
      for (let k = 0, m = 1 + rng.int(3); k < m; k++) bytes[8 + rng.int(hlen)] = rng.int(256);
    } else if (kind === 3) { // length field: huge, small, or off by a little
      const dv = new DataView(bytes.buffer);
      const choice = rng.int(4);
      if (choice === 0) { dv.setUint32(0, rng.nextU32(), true); dv.setUint32(4, rng.nextU32(), true); }
      else if (choice === 1) dv.setUint32(0, rng.int(16), true);
      else if (choice === 2) dv.setUint32(0, hlen + rng.int(64) - 32, true);
      else dv.setUint32(4, 1 + rng.int(255), true);
    } else if (kind === 4) { // structured header edits (valid JSON, wrong meaning)
      const [re, repl] = edits[rng.int(edits.length)];
      const text = headerText.replace(re, repl());
      const json = Buffer.from(text, 'utf8');
      const out = new Uint8Array(8 + json.length + (base.length - 8 - hlen));
      new DataView(out.buffer).setUint32(0, json.length, true);
      out.set(json, 8);
      out.set(base.subarray(8 + hlen), 8 + json.length);
      bytes = out;
    } else { // appended or removed data bytes
      if (rng.int(2)) { const ext = new Uint8Array(bytes.length + 1 + rng.int(16)); ext.set(bytes); bytes = ext; }
      else bytes = bytes.subarray(0, bytes.length - 1 - rng.int(16));
    }
    try {
      const dec = decodeSafetensors(bytes, `fuzz${i}`);
      // Whatever decodes must be self-consistent.
      for (const [, v] of dec.tensors) {
        if (v.data.length !== v.shape.reduce((a, b) => a * b, 1)) throw new Error('decoded length disagrees with shape');
      }
      oks++;
    } catch (e) {
      if (!(e instanceof ConvnetsError)) { t.fail(`mutation ${i} (kind ${kind}) threw ${(e as Error).name}: ${(e as Error).message}`); return; }
      if (!/fuzz\d+/.test(e.message)) { t.fail(`error does not name the source: ${e.message}`); return; }
      errors++;
    }
  }
  t.equal(errors + oks, N);
  t.ok(errors > N / 2, `most mutations rejected (${errors} errors, ${oks} accepted)`);
  t.ok(Date.now() - start < 20000, `fast (${Date.now() - start} ms)`);
});
