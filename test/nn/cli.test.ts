// `convnets list` / `convnets summary` through commander, against torchvision's published counts.
import t from 'tap';
import { Command } from 'commander';
import { register } from '../../src/ts/cli/summary.js';

async function run(args: string[]): Promise<string> {
  const p = new Command('convnets').exitOverride();
  register(p);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]): void => { lines.push(a.map(String).join(' ')); };
  try {
    await p.parseAsync(['node', 'convnets', ...args]);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

t.test('list', async (t) => {
  const names = JSON.parse(await run(['list', '--json'])) as string[];
  for (const n of ['resnet18', 'vgg16_bn', 'mobilenet_v2']) t.ok(names.includes(n), `lists ${n}`);
  t.match(await run(['list']), /resnet50\s+resnet/);
});

t.test('summary --json matches torchvision for resnet18', async (t) => {
  const s = JSON.parse(await run(['summary', 'resnet18', '--json', '--batch', '2']));
  t.equal(s.params, 11689512, 'torchvision parameter count');
  t.equal(s.buffers, 2 * 4800, 'BN running stats: mean + var of 4,800 BN channels');
  t.ok(Math.abs(s.macs / 1e9 - 1.814) < 0.001, `1.814 GMACs (got ${s.macs})`);
  t.same(s.outputShape, [2, 1000]);
  t.ok(Array.isArray(s.layers) && s.layers.some((l: { name: string }) => l.name === 'layer1.0.conv1'), 'torchvision layer names');
  t.ok(s.receptiveField > 200, `receptive field ${s.receptiveField}`);
});

t.test('summary text and --input', async (t) => {
  const txt = await run(['summary', 'mobilenet_v2', '--input', '160']);
  t.match(txt, /params: 3,504,872/);
  t.match(txt, /input \[1, 160, 160, 3\]/);
});

t.test('summary --train: the planned peak of a training step, before any step runs', async (t) => {
  const txt = await run(['summary', 'resnet18', '--input', '64', '--batch', '4', '--train']);
  t.match(txt, /planned training memory \(batch 4, float32, before any step runs\):/);
  t.match(txt, /js, native: .* = activations\+gradients arena .* \(one buffer per tensor: .*\) \+ parameters 44\.6 MiB \+ gradients 44\.6 MiB \+ optimizer state 89\.2 MiB/);
  t.match(txt, /wasm: .* of wasm32's 4\.0 GiB: fits/);
  const s = JSON.parse(await run(['summary', 'resnet18', '--input', '64', '--batch', '4', '--train', '--json']));
  const m = s.training;
  t.equal(m.total, m.arena + m.params + m.grads + m.optimizerState + m.buffers + m.packedWeights, 'total = the parts');
  t.ok(m.arena < m.unplannedArena / 2, `arena ${m.arena} < half of one buffer per tensor ${m.unplannedArena}`);
  const big = await run(['summary', 'resnet18', '--batch', '1024', '--train']);
  t.match(big, /wasm: .* does not fit; the largest batch that fits is \d+/, 'resnet18 at batch 1024 on 224 does not fit wasm32');
});

t.test('bad arguments are ConvnetsErrors', async (t) => {
  await t.rejects(run(['summary', 'resnet18', '--batch', '0']), /--batch must be a positive integer/);
  await t.rejects(run(['summary', 'resnet_18']), /unknown model 'resnet_18'/);
});
