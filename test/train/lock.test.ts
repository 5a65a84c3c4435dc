// Issue 15 regressions for checkpoint ownership and durability: a second writer on the same
// --checkpoint is refused while the first runs, a stale lock (dead pid) is taken over (item 8);
// temp files that killed writes left are removed on the next start, and the directory is fsynced
// after the rename (item 9); unwritable checkpoint and metrics paths fail before training (item 12).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { setBackend } from '../../src/ts/core/registry.js';
import { writeFileAtomic } from '../../src/ts/io/safetensors.js';
import { fit } from '../../src/ts/train/trainer.js';
import { acquireLock, checkWritable, staleTempFiles } from '../../src/ts/train/lock.js';
import { quadrantSplit, tinyNet } from './fixtures.js';

setBackend(new JsBackend());
const dir = fs.mkdtempSync(join(tmpdir(), 'convnets-lock-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const data = quadrantSplit();
const base = { epochs: 1, batchSize: 16, lr: 0.02, progress: 'none' as const, seed: 5 };

/** A pid that certainly belongs to no running process: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

t.test('item 8: a second run on the same checkpoint is refused while the first holds it', async (t) => {
  const ck = join(dir, 'shared.safetensors');
  let secondError: unknown = null;
  let secondStarted = false;
  const first = fit(tinyNet(), data, {
    ...base, epochs: 2, checkpoint: ck,
    // While the first run trains, a second one tries the same path.
    onStep: (s) => {
      if (s.step === 1) {
        secondStarted = true;
        fit(tinyNet(), data, { ...base, checkpoint: ck }).catch((e) => { secondError = e; });
      }
    },
  });
  await first;
  await new Promise((r) => setTimeout(r, 50));
  t.ok(secondStarted);
  t.ok(secondError instanceof ConvnetsError, 'the second writer is refused with a ConvnetsError');
  t.match(String((secondError as Error)?.message), new RegExp(`checkpoint .*shared\\.safetensors is in use by another training run \\(pid ${process.pid} on .*lock file .*shared\\.safetensors\\.lock\\)`));
  t.notOk(fs.existsSync(`${ck}.lock`), 'the first run released its lock');
  // Another process's live lock: refused too.
  fs.writeFileSync(`${ck}.lock`, JSON.stringify({ pid: process.ppid, host: hostname(), started: 'earlier' }));
  await t.rejects(fit(tinyNet(), data, { ...base, checkpoint: ck }), new RegExp(`in use by another training run \\(pid ${process.ppid}`));
  fs.rmSync(`${ck}.lock`);
});

t.test('item 8: a stale lock (its process is gone) is taken over and released', async (t) => {
  const ck = join(dir, 'stale.safetensors');
  const pid = deadPid();
  fs.writeFileSync(`${ck}.lock`, JSON.stringify({ pid, host: hostname(), started: 'yesterday' }));
  const r = await fit(tinyNet(), data, { ...base, checkpoint: ck });
  t.equal(r.epochs, 1, `trained despite the stale lock of dead pid ${pid}`);
  t.notOk(fs.existsSync(`${ck}.lock`), 'lock removed at the end');
  // A garbage lock file (never written by us: a lock is linked into place complete) counts as stale.
  fs.writeFileSync(`${ck}.lock`, 'garbage');
  await fit(tinyNet(), data, { ...base, checkpoint: ck });
  t.notOk(fs.existsSync(`${ck}.lock`));
  // The API: a held lock refuses, release frees.
  const l = acquireLock(ck);
  t.throws(() => acquireLock(ck), /is in use by another training run/);
  l.release();
  acquireLock(ck).release();
});

t.test('item 9: stale temp files of the checkpoint are removed on the next start', async (t) => {
  const ck = join(dir, 'temps.safetensors');
  const pid = deadPid();
  const stale = [`.temps.safetensors.${pid}.abc123.tmp`, `.temps.safetensors.${pid}.zz9.tmp`].map((n) => join(dir, n));
  for (const f of stale) fs.writeFileSync(f, Buffer.alloc(1000));
  const unrelated = join(dir, '.other.safetensors.123.abc.tmp');
  fs.writeFileSync(unrelated, 'x');
  t.same(staleTempFiles(ck).sort(), stale.sort(), 'found exactly this checkpoint\'s temp files');
  const lines: string[] = [];
  await fit(tinyNet(), data, { ...base, checkpoint: ck, progress: 'log', log: (s) => lines.push(s) });
  for (const f of stale) t.notOk(fs.existsSync(f), `${f} removed`);
  t.ok(fs.existsSync(unrelated), 'another file\'s temp file is left alone');
  t.ok(lines.some((l) => /removed 2 stale temp file\(s\) of .*temps\.safetensors \(0\.0 MB\)/.test(l)), 'and says so');
});

t.test('item 9: the directory is fsynced after the rename', async (t) => {
  const target = join(dir, 'synced.bin');
  const real = fs.fsyncSync;
  const synced: string[] = [];
  (fs as { fsyncSync: unknown }).fsyncSync = (fd: number) => {
    synced.push(fs.fstatSync(fd).isDirectory() ? 'dir' : 'file');
    return real(fd);
  };
  syncBuiltinESMExports();
  try {
    writeFileAtomic(target, new Uint8Array([1, 2, 3]));
  } finally {
    (fs as { fsyncSync: unknown }).fsyncSync = real;
    syncBuiltinESMExports();
  }
  t.same(synced, ['file', 'dir'], 'the file, then its directory');
  t.same([...fs.readFileSync(target)], [1, 2, 3]);
});

t.test('item 12: unwritable checkpoint and metrics paths fail before the first step', async (t) => {
  const notDir = join(dir, 'plain-file');
  fs.writeFileSync(notDir, 'x');
  let steps = 0;
  const onStep = (): void => { steps++; };
  await t.rejects(fit(tinyNet(), data, { ...base, checkpoint: join(dir, 'nope', 'ck.safetensors'), onStep }), /checkpoint .*nope.ck\.safetensors: directory .*nope does not exist/);
  await t.rejects(fit(tinyNet(), data, { ...base, checkpoint: join(notDir, 'ck.safetensors'), onStep }), /checkpoint .*plain-file.ck\.safetensors: .*plain-file is not a directory/);
  await t.rejects(fit(tinyNet(), data, { ...base, metrics: join(dir, 'nope', 'm'), onStep }), /metrics .*nope.m\.csv: directory .*nope does not exist/);
  await t.rejects(fit(tinyNet(), data, { ...base, checkpoint: dir, onStep }), /checkpoint .*: is a directory, cannot write it/);
  t.equal(steps, 0, 'no training step ran');
  t.doesNotThrow(() => checkWritable(join(dir, 'fine.safetensors'), '--checkpoint'));
  t.same(fs.readdirSync(dir).filter((f) => f.includes('probe')), [], 'the write probe leaves nothing behind');
});
