// The bench / analysis commands through commander (js backend, tiny models, quick timing).
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register as bench } from '../../src/ts/cli/bench.js';
import { register as analyze } from '../../src/ts/cli/analyze.js';

async function run(args: string[]): Promise<string[]> {
  const p = new Command('convnets').exitOverride();
  bench(p); analyze(p);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]): void => { lines.push(a.map(String).join(' ')); };
  try { await p.parseAsync(['node', 'convnets', ...args]); } finally { console.log = log; }
  return lines;
}

t.test('bench --json: last line has median_ms; peers verified and timed', async (t) => {
  const lines = await run(['bench', '--backend', 'js', '--model', 'plain4', '--input', '12', '--quick', '--json', '--peer-list', 'tfjs-cpu']);
  const j = JSON.parse(lines[lines.length - 1]);
  t.equal(j.model, 'plain4'); t.equal(j.backend, 'js');
  t.ok(j.median_ms > 0 && j.min_ms <= j.median_ms && j.median_ms <= j.max_ms);
  t.equal(j.peers.length, 1);
  t.equal(j.peers[0].runtime, 'tfjs-cpu');
  t.ok(j.peers[0].max_rel_diff < 1e-4, `tfjs-cpu agrees: ${j.peers[0].max_rel_diff}`);
  t.ok(j.peers[0].median_ms > 0);
  await t.rejects(run(['bench', '--backend', 'js', '--model', 'plain4', '--peer-list', 'pytorch']), /unknown peer 'pytorch'/);
  await t.rejects(run(['bench', '--backend', 'js', '--model', 'no_such_net', '--no-peers']), /unknown model 'no_such_net'/);
});

t.test('gradflow writes a plot per model and checks the claim', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-'));
  try {
    const lines = await run(['gradflow', 'plain9', 'residual9', '--backend', 'js', '--batch', '4', '--size', '10', '--width', '4', '--steps', '1', '--init', 'torch-default', '--out', dir]);
    const out = lines.join('\n');
    t.match(out, /plain9\s+torch-default\s+9 /);
    t.match(out, /first-layer gradient = .* residual9's/);
    const svg = readFileSync(join(dir, 'gradflow-plain9.svg'), 'utf8');
    t.match(svg, /<polyline /);
    t.equal(JSON.parse(readFileSync(join(dir, 'gradflow.json'), 'utf8')).results.length, 2);
    await t.rejects(run(['gradflow', 'plain9', '--init', 'zeros', '--out', dir]), /--init must be one of/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t.test('explain and scale (no measurement)', async (t) => {
  t.match((await run(['explain', 'depthwise', '--channels', '32', '--out-channels', '64', '--kernel', '5', '--size', '8'])).join('\n'), /1\/64 \+ 1\/25/);
  const dir = mkdtempSync(join(tmpdir(), 'scale-'));
  try {
    const out = (await run(['scale', '--phi', '2', '--no-measure', '--out', dir])).join('\n');
    t.match(out, /depth x1\.440/);
    t.match(out, /efficientnet_b7 .* 66347960 +66347960/);
    t.match(readFileSync(join(dir, 'scale-phi2.svg'), 'utf8'), /<svg/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
  await t.rejects(run(['scale', '--phi', 'x', '--no-measure']), /--phi must be a number/);
});
