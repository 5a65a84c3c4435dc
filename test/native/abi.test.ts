// The kernel ABI across the native boundary: for every record of the schema (core/abi.ts), a value
// written by encodeFields() into a slot must be what the C++ side reads from the member of the same
// name in native/src/abi.h's struct (the addon's abiProbe reads each member by name). Distinct values
// per field, so a swapped or shifted slot fails; host-only, no GPU needed.
import t from 'tap';
import { ENUMS, RECORDS, KERNELS, decodeFields, enumCode, recordLayout } from '../../src/ts/core/abi.js';
import type { Field, RecordName } from '../../src/ts/core/abi.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { encodeRecord, loadAddon, NativeBackend } from '../../src/ts/backends/native/index.js';

const addon = loadAddon().addon;
if (!addon) {
  t.comment(`SKIP native ABI tests: ${loadAddon().error}`);
  t.pass('skipped: addon not built');
} else {
  /** Distinct values for every field of a record; `flip` changes every bool and enum (a second pass). */
  function values(fields: readonly Field[], flip: boolean): Record<string, unknown> {
    const v: Record<string, unknown> = {};
    fields.forEach((f, k) => {
      const t = f.type;
      if (t === 'i32') v[f.name] = (flip ? -1 : 1) * (1000 + 17 * k);
      else if (t === 'u32' || t === 'ptr') v[f.name] = 0x80000000 + 31 * k;
      else if (t === 'f32') v[f.name] = (flip ? -1 : 1) * (0.5 + k); // exact in float32
      else if (t === 'bool') v[f.name] = (k % 2 === 0) !== flip;
      else if (t === 'i32[]') v[f.name] = flip ? [5] : [7, 11, 13 + k];
      else {
        const members = ENUMS[t.enum];
        v[f.name] = members[(k + (flip ? 1 : 2)) % members.length];
      }
    });
    return v;
  }

  /** What C++ should read: enums as codes, the rest as written. */
  function expected(fields: readonly Field[], v: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const t = f.type;
      out[f.name] = typeof t === 'object' ? enumCode(t.enum, v[f.name] as string) : v[f.name];
    }
    return out;
  }

  for (const name of Object.keys(RECORDS) as RecordName[]) {
    t.test(`record ${name}: every field lands in the C++ member of its name`, async (tt) => {
      const fields = RECORDS[name];
      const kernel = (Object.keys(KERNELS) as (keyof typeof KERNELS)[]).find((k) => KERNELS[k].record === name);
      tt.ok(kernel, `a kernel uses ${name}`);
      for (const flip of [false, true]) {
        const v = values(fields, flip);
        const slots = encodeRecord(kernel!, v);
        const got = addon.abiProbe(name, slots);
        tt.same(got, expected(fields, v), `${name}${flip ? ' (flipped)' : ''}: C++ reads what TS wrote`);
        tt.same(Object.keys(got), fields.map((f) => f.name), 'in schema order, no extra members');
        // And the TS decoder agrees with the encoder (the schema's own round trip).
        const back = decodeFields(recordLayout(name), slots, new Float32Array(slots.buffer));
        for (const f of fields) if (typeof f.type !== 'object') tt.same(back[f.name], v[f.name], `decodeFields ${f.name}`);
      }
    });
  }

  t.test('run() checks the record length and buffer count against the schema', async (tt) => {
    const b = new NativeBackend(addon, { hostOnly: true });
    const ctx = (b as unknown as { ctx: { run(op: string, r: Int32Array, ids: Float64Array): void } }).ctx;
    const err = (f: () => void) => { try { f(); } catch (e) { return (e as Error).message; } return ''; };
    tt.match(err(() => ctx.run('conv2d', new Int32Array(5), new Float64Array(4))), /conv2d: record conv2d has 17 slots, got 5/);
    tt.match(err(() => ctx.run('conv2d', new Int32Array(18), new Float64Array(4))), /conv2d: record conv2d has 17 slots, got 18/);
    tt.match(err(() => ctx.run('relu', new Int32Array(2), new Float64Array(2))), /relu: unknown kernel/);
    const act = encodeRecord('activation', { kind: 'relu', length: 4 });
    tt.match(err(() => ctx.run('activation', act, new Float64Array(3))), /activation: expected 2 buffers, got 3/);
    // The concat tail: the count slot decides the record's length.
    const cc = encodeRecord('concat', { rows: 2, channels: [1, 2, 3] });
    tt.equal(cc.length, 5);
    tt.match(err(() => ctx.run('concat', cc.subarray(0, 4), new Float64Array(4))), /concat: record concat has 5 slots, got 4/);
    tt.match(err(() => ctx.run('activation', encodeRecord('activation', { kind: 'relu', length: 4 }).fill(9, 0, 1),
      new Float64Array([1, 1]))), /activation: params.kind: unknown activation code 9/);
    b.dispose();
  });

  t.test('encoding errors name the kernel and field (before the addon is called)', async (tt) => {
    tt.throws(() => encodeRecord('conv2d', { n: 1 }), new ConvnetsError('conv2d: params.inH must be a 32-bit integer, got undefined'));
    tt.throws(() => encodeRecord('activation', { kind: 'swish', length: 1 }), /activation: params.kind: unknown activation 'swish'/);
    tt.equal(encodeRecord('conv2d', { n: 1, inH: 1, inW: 1, inC: 1, outH: 1, outW: 1, outC: 1, kH: 1, kW: 1, strideH: 1,
      strideW: 1, padTop: 0, padLeft: 0, dilationH: 1, dilationW: 1, groups: 1 })[16], 0, 'no activation = none = code 0');
  });
}
