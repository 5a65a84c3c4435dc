// The kernel ABI schema (src/ts/core/abi.ts): the generated headers are fresh, every field written by
// TS lands in the slot the wasm kernels read (through the generated constants), and the encoder refuses
// values of the wrong type naming the kernel and field. The native side has its own probe test
// (test/native/abi.test.ts).
import t from 'tap';
import { readFileSync } from 'node:fs';
import * as abi from '../src/ts/core/abi.js';
import { TARGETS } from '../scripts/gen-abi.mjs';
import { KERNEL_NAMES } from '../src/ts/core/backend.js';
import { WasmBackend } from '../src/ts/backends/wasm/index.js';

t.test('generated headers are what the schema renders (run npm run gen:abi after changing the schema)', async (tt) => {
  for (const target of TARGETS as { path: string; render: (a: typeof abi) => string }[]) {
    const text = readFileSync(new URL(`../${target.path}`, import.meta.url), 'utf8');
    tt.equal(text, target.render(abi), `${target.path} is fresh`);
  }
});

t.test('the schema is consistent: one numbering, kernels name known records and families', async (tt) => {
  tt.equal(abi.ENUMS.activation[0], 'none', "activation code 0 is 'none' (no fused epilogue)");
  for (const [e, members] of Object.entries(abi.ENUMS)) tt.equal(new Set(members).size, members.length, `enum ${e} has no duplicates`);
  for (const k of KERNEL_NAMES) {
    const spec = abi.KERNELS[k];
    tt.ok(spec.record in abi.RECORDS, `${k}: record ${spec.record} exists`);
    tt.ok(spec.buffers.length > 0, `${k}: names its buffers`);
  }
  for (const [name, fields] of Object.entries(abi.WASM_LAYOUTS)) {
    tt.ok(fields.length <= 256, `layout ${name} fits the 256-slot parameter block`);
    tt.doesNotThrow(() => abi.wasmLayout(name as abi.WasmLayoutName), `layout ${name} has unique field names`);
  }
});

/** Distinct values per field: a swapped or shifted slot shows as a mismatch. */
function sample(fields: readonly abi.Field[]): Record<string, unknown> {
  const v: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    const t_ = f.type;
    if (t_ === 'f32') v[f.name] = 0.5 + i;
    else if (t_ === 'bool') v[f.name] = i % 2 === 1;
    else if (t_ === 'i32[]') v[f.name] = [3 + i, 5 + i, 7 + i];
    else if (typeof t_ === 'object') { const m = abi.ENUMS[t_.enum]; v[f.name] = m[(i % (m.length - 1)) + 1]; }
    else v[f.name] = 1000 + 17 * i;
  });
  return v;
}

t.test('wasm: every field written by encodeFields is read back through the generated slot constants', async (tt) => {
  const b = await WasmBackend.create({ threads: 1 });
  const rt = b.rt;
  const out = rt.alloc(256);
  for (const [li, name] of Object.keys(abi.WASM_LAYOUTS).entries()) {
    const layout = abi.wasmLayout(name as abi.WasmLayoutName);
    const values = sample(layout.fields);
    rt.params('abi test', name as abi.WasmLayoutName, values);
    (rt.exports.abiProbe as unknown as (l: number, o: number) => void)(li, out.offset);
    const i32 = new Int32Array(rt.memory.buffer, out.offset, 256);
    const f32 = new Float32Array(rt.memory.buffer, out.offset, 256);
    tt.same(abi.decodeFields(layout, i32, f32), values, `layout ${name}: all ${layout.fields.length} fields in their slots`);
  }
  rt.free(out);
  b.dispose();
});

t.test('the encoder checks types and names kernel and field', async (tt) => {
  const l = abi.recordLayout('conv2d');
  const i32 = new Int32Array(32), f32 = new Float32Array(i32.buffer);
  const ok = sample(l.fields);
  tt.throws(() => abi.encodeFields('conv2d', l, { ...ok, kH: 1.5 }, i32, f32), /conv2d: params\.kH must be a 32-bit integer, got 1\.5/);
  tt.throws(() => abi.encodeFields('conv2d', l, { ...ok, activation: 'swish' }, i32, f32), /unknown activation 'swish'/);
  tt.throws(() => abi.encodeFields('conv2d', l, { ...ok, groups: undefined }, i32, f32), /params\.groups must be a 32-bit integer, got undefined/);
  const bn = abi.recordLayout('batchNorm');
  tt.throws(() => abi.encodeFields('batchNormTrain', bn, { rows: 2, c: 3, eps: NaN, momentum: 0.1 }, i32, f32), /params\.eps must be a finite number, got NaN/);
  const cc = abi.recordLayout('concat');
  tt.equal(abi.encodeFields('concat', cc, { rows: 4, channels: [1, 2, 3] }, i32, f32), 5, 'a variable tail takes count + values');
  tt.same(abi.decodeFields(cc, i32, f32), { rows: 4, channels: [1, 2, 3] });
  tt.equal(abi.enumCode('activation', 'gelu'), abi.ENUMS.activation.indexOf('gelu'));
});
