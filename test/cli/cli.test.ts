// The CLI contract for every command: --help says what it does (exit 0), --json is offered, and the exit
// code follows one rule: 0 ok, 1 usage error, 2 bad input/data, 3 runtime failure. Arguments are checked
// before any work. Runs main() in-process (fast); the bench runner in a child process.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { EXIT, exitCodeOf, main, program } from '../../src/ts/cli/index.js';
import { ConvnetsError, RuntimeFailure, UsageError } from '../../src/ts/core/backend.js';
import { registerBackend } from '../../src/ts/core/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'convnets-cli-'));
// A backend that is registered but cannot start here: a runtime failure, whatever the machine has.
registerBackend('broken', { unavailableReason: async () => 'simulated: no device', create: async () => { throw new Error('unreachable'); } });

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const w = process.stdout.write.bind(process.stdout), ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => { out += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { err += String(s); return true; }) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await main(['node', 'convnets', ...args]);
  } finally {
    process.stdout.write = w; process.stderr.write = ew;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err };
}

const COMMANDS = ['list', 'summary', 'train', 'bench', 'doctor', 'predict', 'export', 'gradflow', 'select', 'scale', 'explain'];

t.test('every command: --help exits 0, describes the command, offers --json; an unknown flag exits 1', async (t) => {
  t.same(program().commands.map((c) => c.name()).sort(), [...COMMANDS].sort(), 'the commands tested are all the commands');
  for (const c of COMMANDS) {
    const h = await run(c, '--help');
    t.equal(h.code, EXIT.ok, `${c} --help exits 0`);
    t.match(h.out, /--json/, `${c} offers --json`);
    t.notMatch(h.out, /chapter/i, `${c}'s help speaks of what it does`);
    const desc = program().commands.find((x) => x.name() === c)!.description();
    t.ok(desc.length > 30 && h.out.includes(desc.slice(0, 20)), `${c}: '${desc.slice(0, 50)}...'`);
    const u = await run(c, '--no-such-flag');
    t.equal(u.code, EXIT.usage, `${c} --no-such-flag exits 1`);
  }
  t.equal((await run('no-such-command')).code, EXIT.usage);
  t.equal((await run('--version')).code, EXIT.ok);
  t.notMatch((await run('predict', '--help')).out, /summary --list/, 'predict points to `convnets list`');
});

t.test('--json output parses, exit 0', async (t) => {
  const l = await run('list', '--json');
  t.equal(l.code, 0); t.ok(JSON.parse(l.out).includes('resnet18'));
  const s = await run('summary', 'resnet18', '--json');
  t.equal(s.code, 0); t.equal(JSON.parse(s.out).params, 11689512);
  const e = await run('explain', 'depthwise', '--json', '--channels', '32', '--out-channels', '64');
  t.equal(e.code, 0); t.equal(JSON.parse(e.out).topic, 'depthwise');
  const m = await run('explain', 'mobilenet_v2', '--json');
  t.equal(m.code, 0); t.ok(JSON.parse(m.out).macsByKind.depthwise > 0);
  const sc = await run('scale', '--phi', '1', '--no-measure', '--json', '--out', join(dir, 'scale'));
  t.equal(sc.code, 0); t.equal(JSON.parse(sc.out).multipliers.resolution, 258);
  const plot = readFileSync(join(dir, 'scale', 'scale-phi1.svg'), 'utf8');
  t.equal((plot.match(/class="series"/g) ?? []).length, 1, 'scale: only B0-B7 are data on the accuracy plot');
  t.match(plot, /class="x-marks"[\s\S]*phi=1: /, 'phi marked as an annotation');
  const d = await run('doctor', '--json');
  t.equal(d.code, 0); t.ok(typeof JSON.parse(d.out) === 'object');
  const x = await run('export', 'resnet_digits', '--onnx', join(dir, 'd.onnx'), '--backend', 'js', '--num-classes', '10', '--json');
  t.equal(x.code, 0, x.err); t.ok(JSON.parse(x.out).bytes > 1000 && existsSync(join(dir, 'd.onnx')));
});

t.test('usage errors exit 1 before any work, naming the flag or argument', async (t) => {
  const cases: [string[], RegExp][] = [
    [['summary', 'resnet19'], /unknown model 'resnet19' \(did you mean .*resnet18/],
    [['train', '--epochs', '0'], /--epochs must be an integer in \[1, 1000000\], got '0'/],
    [['train', '--optimizer', 'lamb'], /--optimizer must be sgd or adamw/],
    [['train', '--model', 'nope', '--backend', 'js'], /unknown model 'nope'/],
    [['train', '--data', 'folder:'], /give the directory/],
    [['train', '--val-split', '0.2'], /apply to --data folder:<dir> only/],
    [['bench', '--model', 'nope'], /unknown model 'nope'/],
    [['predict', 'x.png'], /required option '-m, --model <name>'/],
    [['predict', 'x.png', '-m', 'nope'], /unknown model 'nope'/],
    [['export', 'nope', '--onnx', 'x.onnx'], /unknown model 'nope'/],
    [['select', '--candidates', 'resnet18,nope'], /unknown candidate 'nope'/],
    [['select', '--max-params', 'lots'], /--max-params must be a number/],
    [['scale', '--phi', '-40', '--no-measure'], /--phi -40:/],
    [['explain', 'nope'], /neither a topic .* nor a registered model/],
    [['summary', 'resnet18', '--batch', '0'], /--batch must be a positive integer/],
  ];
  for (const [args, msg] of cases) {
    const r = await run(...args);
    t.equal(r.code, EXIT.usage, args.join(' '));
    t.match(r.err, msg, args.join(' '));
  }
  // gradflow checks every name before measuring the first (which takes seconds)
  const t0 = performance.now();
  const g = await run('gradflow', 'plain4', 'residual99x', '--out', join(dir, 'gf'), '--backend', 'js');
  t.equal(g.code, EXIT.usage);
  t.match(g.err, /unknown model 'residual99x'/);
  t.notOk(existsSync(join(dir, 'gf')), 'nothing measured or written');
  t.ok(performance.now() - t0 < 3000, 'refused at once');
});

t.test('bad input exits 2; a runtime failure exits 3', async (t) => {
  const d = await run('train', '--backend', 'js', '--data', `idx:${join(dir, 'missing')}`);
  t.equal(d.code, EXIT.input); t.match(d.err, /missing/);
  const bad = join(dir, 'bad.png');
  writeFileSync(bad, 'not a png');
  const p = await run('predict', bad, '-m', 'resnet18', '--backend', 'js');
  t.equal(p.code, EXIT.input); t.match(p.err, /bad\.png/);
  const r = await run('train', '--backend', 'broken');
  t.equal(r.code, EXIT.runtime); t.match(r.err, /backend 'broken' is unavailable: simulated: no device/);

  t.equal(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '')), 0);
  t.equal(exitCodeOf(new CommanderError(1, 'commander.unknownOption', '')), 1);
  t.equal(exitCodeOf(new UsageError('x')), 1);
  t.equal(exitCodeOf(new ConvnetsError('x')), 2);
  t.equal(exitCodeOf(new RuntimeFailure('x')), 3);
  const native = new ConvnetsError('cuda'); native.name = 'NativeBackendError';
  t.equal(exitCodeOf(native), 3);
  t.equal(exitCodeOf(new TypeError('bug')), 3, 'an internal error is a runtime failure');
});

t.test('the bench runner: --help prints help and runs nothing; an unknown flag exits 1', async (t) => {
  const runner = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
  const out = join(dir, 'bench-out');
  const h = spawnSync(process.execPath, [...process.execArgv, runner, '--help', '--out', out], { encoding: 'utf8', timeout: 60_000 });
  t.equal(h.status, 0, h.stderr);
  t.match(h.stdout, /Usage: node dist\/bench\/run\.js/);
  t.match(h.stdout, /--suites/);
  t.notOk(existsSync(out), 'no suite ran');
  const u = spawnSync(process.execPath, [...process.execArgv, runner, '--frobnicate'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(u.status, 1);
  t.match(u.stderr, /unknown argument '--frobnicate'/);
  t.notOk(readFileSync(runner, 'utf8').includes('process.exit('), 'exit codes set, the process is never cut short');
});
