// Issue 15 regressions for the safetensors reader: special files refused before a byte is read
// (item 2), files read by declared range with no whole-file buffer and no 2 GiB cap (item 2), and
// bounded, sanitised messages for deeply nested, huge and escape-laden headers (item 3).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { MAX_MESSAGE_CHARS } from '../../src/ts/core/text.js';
import { decodeSafetensors, readSafetensorsFile, readSafetensorsHeader } from '../../src/ts/io/safetensors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-st-bounds-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = Buffer.from(headerText, 'utf8');
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function refusal(fn: () => unknown): string {
  try { fn(); } catch (e) {
    if (!(e instanceof ConvnetsError)) throw e;
    return e.message;
  }
  throw new Error('expected a ConvnetsError');
}

t.test('item 2: /dev/zero and a FIFO are refused at once, before any read', async (t) => {
  const t0 = performance.now();
  t.match(refusal(() => readSafetensorsFile('/dev/zero')), /\/dev\/zero is a character device, not a regular file/);
  const fifo = path.join(dir, 'pipe.safetensors');
  execFileSync('mkfifo', [fifo]);
  t.match(refusal(() => readSafetensorsFile(fifo)), /pipe\.safetensors is a FIFO \(named pipe\), not a regular file/);
  t.match(refusal(() => readSafetensorsFile(dir)), /is a directory, not a regular file/);
  t.match(refusal(() => readSafetensorsFile(path.join(dir, 'none.safetensors'))), /cannot read .*none\.safetensors: ENOENT/);
  t.ok(performance.now() - t0 < 2000, 'no blocking open, no unbounded read');
});

t.test('item 2: a file past 2 GiB reads its declared ranges only (sparse 2.5 GB file)', async (t) => {
  const big = 2.5 * 2 ** 30;
  const header = JSON.stringify({
    huge: { dtype: 'U8', shape: [big], data_offsets: [0, big] },
    small: { dtype: 'F32', shape: [2], data_offsets: [big, big + 8] },
  });
  const prefix = file(header);
  const f = path.join(dir, 'big.safetensors');
  const fd = fs.openSync(f, 'w');
  fs.writeSync(fd, prefix, 0, prefix.length, 0);
  fs.writeSync(fd, new Uint8Array(new Float32Array([1.5, -2]).buffer), 0, 8, prefix.length + big);
  fs.closeSync(fd);
  t.equal(fs.statSync(f).size, prefix.length + big + 8);
  const rss0 = process.memoryUsage().rss;
  const h = readSafetensorsHeader(f);
  t.same(h.entries.map((e) => e.name), ['huge', 'small'], 'header read without the data');
  const r = readSafetensorsFile(f, { filter: (n) => n === 'small' });
  t.same([...r.tensors.keys()], ['small'], 'only the requested tensor was read');
  t.same([...r.tensors.get('small')!.data], [1.5, -2], 'the value past the 2 GiB mark');
  t.ok(process.memoryUsage().rss - rss0 < 200 * 2 ** 20, 'no whole-file buffer');
  fs.rmSync(f);
});

t.test('item 2: a header declaring more data than the file holds is refused before allocating', async (t) => {
  const f = path.join(dir, 'liar.safetensors');
  fs.writeFileSync(f, file(JSON.stringify({ w: { dtype: 'F32', shape: [1e9], data_offsets: [0, 4e9] } })));
  const rss0 = process.memoryUsage().rss;
  t.match(refusal(() => readSafetensorsFile(f)), /tensor 'w': data_offsets \[0, 4000000000\] run past the data buffer \(0 bytes; truncated\?\)/);
  t.ok(process.memoryUsage().rss - rss0 < 100 * 2 ** 20, 'nothing allocated for the declared 4 GB');
});

t.test('item 3: a 5M-deep shape is a bounded ConvnetsError, not a stack overflow', async (t) => {
  const d = 5_000_000;
  const m = refusal(() => decodeSafetensors(file(`{"w":{"dtype":"F32","shape":${'['.repeat(d)}${']'.repeat(d)},"data_offsets":[0,0]}}`), 'deep.safetensors'));
  t.match(m, /deep\.safetensors: header nests JSON deeper than 64 levels/);
  t.ok(m.length < 300, `message of ${m.length} chars`);
  // Just under the nesting limit, the shape's own check names it (bounded description, no stringify).
  const m2 = refusal(() => decodeSafetensors(file(`{"w":{"dtype":"F32","shape":${'['.repeat(60)}${']'.repeat(60)},"data_offsets":[0,0]}}`), 'deep.safetensors'));
  t.match(m2, /deep\.safetensors: tensor 'w': shape \[\[\[\[\.\.\.\]\]\]\] must hold non-negative integers/);
  // 100 MB of brackets (the header limit) is refused in well under a second, without parsing.
  const t0 = performance.now();
  const m3 = refusal(() => decodeSafetensors(file('['.repeat(50_000_000) + ']'.repeat(50_000_000)), 'brackets.safetensors'));
  t.match(m3, /header nests JSON deeper than 64 levels/);
  t.ok(performance.now() - t0 < 3000, `refused in ${Math.round(performance.now() - t0)} ms`);
});

t.test('item 3: 500k-entry fields give a short message', async (t) => {
  const many = Array.from({ length: 500_000 }, () => 7);
  for (const field of ['shape', 'data_offsets']) {
    const entry: Record<string, unknown> = { dtype: 'F32', shape: [1], data_offsets: [0, 4] };
    entry[field] = [...many, 'x'];
    const m = refusal(() => decodeSafetensors(file(JSON.stringify({ w: entry }), new Uint8Array(4))));
    t.ok(m.length < 400, `${field}: message of ${m.length} chars`);
    t.match(m, /500001/, `${field}: says how many`);
  }
  // 500k tensors with a bad last one: the message names that one only.
  const h: Record<string, unknown> = {};
  for (let i = 0; i < 500_000; i++) h[`t${i}`] = { dtype: 'U8', shape: [0], data_offsets: [0, 0] };
  h.bad = { dtype: 'Q4', shape: [0], data_offsets: [0, 0] };
  const m = refusal(() => decodeSafetensors(file(JSON.stringify(h))));
  t.match(m, /tensor 'bad': unsupported dtype 'Q4'/);
  t.ok(m.length <= MAX_MESSAGE_CHARS, `message of ${m.length} chars`);
});

t.test('item 3: escape sequences in names and values are never echoed raw', async (t) => {
  const evil = '\u001b[2J\u001b[31mred\u0007\u202e';
  const cases = [
    { [evil]: { dtype: 'F99', shape: [1], data_offsets: [0, 4] } },
    { w: { dtype: evil, shape: [1], data_offsets: [0, 4] } },
    { w: { dtype: 'F32', shape: [evil], data_offsets: [0, 4] } },
    { __metadata__: { [evil]: 3 } },
    { [evil + 'x'.repeat(10000)]: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } },
  ];
  for (const h of cases) {
    const m = refusal(() => decodeSafetensors(file(JSON.stringify(h), new Uint8Array(4)), `dir/${evil}.safetensors`));
    t.notMatch(m, /[\u0000-\u001f\u007f-\u009f\u202e]/, `no control character in: ${m.slice(0, 80)}`);
    t.match(m, /\\u001b/, 'the escape is shown escaped');
    t.ok(m.length < 700, `message of ${m.length} chars`);
  }
});

t.test('a __proto__ tensor name is an ordinary entry', async (t) => {
  const r = decodeSafetensors(file(JSON.stringify({ __metadata__: { __proto__: 'x' }, ['__proto__']: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }).replace('"__proto__":{"dtype"', '"__proto__":{"dtype"'), new Uint8Array(4)));
  t.same([...r.tensors.keys()], ['__proto__']);
});
