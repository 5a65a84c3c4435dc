// Issue 15 regressions for `convnets train` flags and the CLI process: --seed range, --clip 0,
// --batch 1e20 (item 6); a warning when --threads exceeds the cores (item 10); a closed stdout ends
// the CLI quietly with status 0 and releases the lock (item 11); unwritable --checkpoint/--metrics
// and --resume /dev/zero fail before training (items 12, 2).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadsWarning } from '../../src/ts/cli/options.js';
import { runTrainCli, writeQuadrantIdx } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'convnets-cli-rel-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const data = writeQuadrantIdx(dir);
const train = runTrainCli;

t.test('item 6: flag values that used to be silently wrong are refused', async (t) => {
  await t.rejects(train('--seed', '4294967296'), /--seed must be an integer in \[0, 4294967295\], got '4294967296'/);
  await t.rejects(train('--seed', '-1'), /--seed must be an integer in \[0, 4294967295\]/);
  await t.rejects(train('--clip', '0'), /--clip must be a number > 0 \(leave the flag out for no clipping\), got '0'/);
  await t.rejects(train('--batch', '1e20'), /--batch must be an integer in \[1, 65536\], got '1e20'/);
  await t.rejects(train('--batch', '100000000000000000000'), /--batch must be an integer in \[1, 65536\]/);
  await t.rejects(train('--threads', '0'), /--threads must be an integer in \[1, 1024\]/);
  await t.rejects(train('--label-smoothing', '1'), /--label-smoothing must be a number in \[0, 0\.99\]/);
  // A batch larger than the data would train nothing: refused by fit() before any step.
  await t.rejects(train('--data', `idx:${data}`, '--batch', '65', '--epochs', '1'), /batch size 65 is larger than the 64 training images/);
  // The largest seed is accepted and recorded as given.
  const out = await train('--data', `idx:${data}`, '--epochs', '1', '--batch', '16', '--seed', '4294967295', '--json');
  t.equal(JSON.parse(out.trim().split('\n').pop()!).seed, 4294967295);
});

t.test('item 10: more threads than cores gets a warning', async (t) => {
  const cores = availableParallelism();
  t.equal(threadsWarning(cores, cores), null);
  t.match(threadsWarning(256, 2), /--threads 256 exceeds the 2 CPU core\(s\).*slower/);
  const out = await train('--data', `idx:${data}`, '--epochs', '1', '--batch', '16', '--threads', String(cores + 1));
  t.match(out, new RegExp(`warning: --threads ${cores + 1} exceeds the ${cores} CPU core`));
});

t.test('items 12 and 2: unwritable outputs and special resume files fail before training', async (t) => {
  const t0 = performance.now();
  await t.rejects(train('--data', `idx:${data}`, '--checkpoint', join(dir, 'missing', 'ck.safetensors')), /--checkpoint .*missing.ck\.safetensors: directory .*missing does not exist/);
  await t.rejects(train('--data', `idx:${data}`, '--metrics', join(dir, 'missing', 'm')), /--metrics .*missing.m\.csv: directory .*missing does not exist/);
  await t.rejects(train('--data', `idx:${data}`, '--resume', '/dev/zero'), /\/dev\/zero is a character device, not a regular file/);
  t.ok(performance.now() - t0 < 5000, 'refused at once');
});

const root = fileURLToPath(new URL('../..', import.meta.url));
const built = existsSync(join(root, 'dist/src/ts/cli/index.js'));
// The CLI as a user runs it: without the test runner's loaders in NODE_OPTIONS.
const env = { ...process.env, NODE_OPTIONS: '' };

t.test('item 11: a closed stdout ends the CLI quietly with status 0', { skip: built ? false : 'dist/ not built (npm run build:ts)' }, async (t) => {
  const ck = join(dir, 'pipe.safetensors');
  // `convnets train ... | head -1`: head exits after one line, the next write meets EPIPE.
  const r = spawnSync('bash', ['-c', `set -o pipefail; node bin/convnets.js train --backend js --data idx:${data} --epochs 40 --batch 16 --checkpoint ${ck} 2>${join(dir, 'err.txt')} | head -1; echo "status $?"`], { cwd: root, env, encoding: 'utf8', timeout: 120000 });
  const lines = r.stdout.trim().split('\n');
  t.match(lines[0], /^training resnet_digits/, 'the first line came through');
  t.equal(lines[lines.length - 1], 'status 0', 'the pipeline (and so the CLI) exited 0');
  const err = spawnSync('cat', [join(dir, 'err.txt')], { encoding: 'utf8' }).stdout;
  t.notMatch(err, /EPIPE|Error|at /, `nothing on stderr: ${JSON.stringify(err.slice(0, 200))}`);
  t.notOk(existsSync(`${ck}.lock`), 'the lock was released on the way out');
  // A command that prints a lot at once, its reader gone before it starts.
  const s = spawnSync('bash', ['-c', 'node bin/convnets.js summary resnet152 | head -c 10 >/dev/null; echo "status ${PIPESTATUS[0]}"'], { cwd: root, env, encoding: 'utf8', timeout: 60000 });
  t.match(s.stdout, /status 0/);
  t.notMatch(s.stderr, /EPIPE|Error/);
});
