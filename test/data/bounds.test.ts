// Issue 15 regressions for the data readers: the IDX decompression bomb (item 1) and special files
// (item 2) are refused quickly with bounded memory; gzipped IDX inflates only what its header says.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { readCifarBatches } from '../../src/ts/data/cifar10.js';
import { encodeIdx, loadIdxDir, parseIdx, readIdxFile } from '../../src/ts/data/idx.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convnets-data-bounds-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

function refusal(fn: () => unknown): string {
  try { fn(); } catch (e) {
    if (!(e instanceof ConvnetsError)) throw e;
    return e.message;
  }
  throw new Error('expected a ConvnetsError');
}

function header(dims: number[]): Uint8Array {
  return encodeIdx(dims, new Uint8Array(0));
}

t.test('item 1: a gzip bomb (10x28x28 header, 256 MiB of zeros) is refused fast with bounded memory', async (t) => {
  const zeros = new Uint8Array(256 * 2 ** 20);
  const bomb = gzipSync(Buffer.concat([header([10, 28, 28]), zeros]), { level: 9 });
  t.ok(bomb.length < 1.5 * 2 ** 20, `bomb is ${bomb.length} bytes compressed`);
  const d = path.join(dir, 'bomb');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'train-images-idx3-ubyte.gz'), bomb);
  for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) fs.writeFileSync(path.join(d, f), encodeIdx([1], new Uint8Array(1)));
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const m = refusal(() => loadIdxDir(d));
  const ms = performance.now() - t0;
  t.match(m, /train-images-idx3-ubyte\.gz: gzip data inflates to more than the 7856 bytes its IDX header declares \(dimensions \[10, 28, 28\]\): corrupt file or decompression bomb/);
  t.ok(ms < 1000, `refused in ${Math.round(ms)} ms`);
  t.ok(process.memoryUsage().rss - rss0 < 100 * 2 ** 20, 'memory stays bounded (no 256 MiB inflation)');
});

t.test('item 1: gzipped IDX within its declared size reads; short or long streams are named', async (t) => {
  const data = new Uint8Array(2 * 3 * 4).map((_, i) => i);
  const ok = path.join(dir, 'ok.gz');
  fs.writeFileSync(ok, gzipSync(encodeIdx([2, 3, 4], data)));
  t.same([...readIdxFile(ok).data], [...data]);
  t.same(parseIdx(gzipSync(encodeIdx([2, 3, 4], data)), 'mem').dims, [2, 3, 4], 'parseIdx inflates gzip too, bounded the same way');
  const short = path.join(dir, 'short.gz');
  fs.writeFileSync(short, gzipSync(encodeIdx([2, 3, 4], data).subarray(0, 20)));
  t.match(refusal(() => readIdxFile(short)), /short\.gz: truncated IDX file: dimensions \[2, 3, 4\] need 40 bytes, the file has 20/);
  const huge = path.join(dir, 'huge.gz');
  fs.writeFileSync(huge, gzipSync(Buffer.concat([header([0xffffffff, 0xffffffff]), new Uint8Array(100)])));
  t.match(refusal(() => readIdxFile(huge)), /huge\.gz: IDX dimensions \[4294967295, 4294967295\] declare .* bytes, more than the .* a reader can hold/);
});

t.test('item 1: a raw IDX file is size-checked against its header before its data is read', async (t) => {
  const f = path.join(dir, 'raw-liar');
  fs.writeFileSync(f, header([60000, 28, 28]));
  t.match(refusal(() => readIdxFile(f)), /raw-liar: truncated IDX file: dimensions \[60000, 28, 28\] need 47040016 bytes, the file has 16/);
});

t.test('item 2: special files are refused before any read', async (t) => {
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const t0 = performance.now();
  t.match(refusal(() => readIdxFile('/dev/zero')), /data file \/dev\/zero is a character device, not a regular file/);
  t.match(refusal(() => readIdxFile(fifo)), /data file .*fifo is a FIFO \(named pipe\), not a regular file/);
  t.match(refusal(() => readCifarBatches(['/dev/zero'])), /CIFAR-10 batch \/dev\/zero is a character device/);
  t.match(refusal(() => readCifarBatches([fifo])), /CIFAR-10 batch .*fifo is a FIFO/);
  t.ok(performance.now() - t0 < 2000, 'no blocking, no unbounded read');
});
