// `convnets list` and `convnets summary <model>`: the registered models, and one model's per-layer
// output shapes, parameters and MACs with totals, activation memory and receptive field.
import type { Command } from 'commander';
import { summary, formatSummary } from '../nn/summary.js';
import { createModel, listModelPatterns, listModels, modelFamily } from '../../architectures/index.js';
import { checkModelName, posInt } from './options.js';

export function register(program: Command): void {
  program.command('list')
    .description('list the registered model names with their families, and the depth patterns gradflow builds')
    .option('--json', 'print a JSON array')
    .action(async (o: { json?: boolean }) => {
      const names = listModels();
      if (o.json) { console.log(JSON.stringify(names)); return; }
      for (const n of names) console.log(`${n.padEnd(22)} ${modelFamily(n)}`);
      console.log(`and any depth N of: ${listModelPatterns().join(', ')} (gradflow)`);
    });

  program.command('summary <model>')
    .description("print a model's per-layer output shapes, parameters and MACs, with totals, activation memory and receptive field")
    .option('--input <n>', 'input resolution (default: the model\'s)', posInt('--input'))
    .option('--batch <b>', 'batch size for shapes and activation memory', posInt('--batch'), 1)
    .option('--classes <k>', 'classifier outputs (default 1000)', posInt('--classes'))
    .option('--json', 'print one JSON object (params, buffers, macs, layers, ...)')
    .option('--train', 'also plan a training step: peak training memory per backend (a dry run, nothing computed)')
    .action(async (name: string, o: { input?: number; batch: number; classes?: number; json?: boolean; train?: boolean }) => {
      checkModelName(name);
      const opts: Record<string, unknown> = { init: 'none' };
      if (o.input !== undefined) opts.inputSize = o.input;
      if (o.classes !== undefined) opts.numClasses = o.classes;
      // Counting only: the registry builds without storage or random draws.
      const model = createModel(name, opts);
      const size = o.input ?? model.defaultInputSize;
      const s = summary(model, [o.batch, size, size, model.inputChannels], { batch: o.batch, ...(o.train ? { train: {} } : {}) });
      if (o.json) console.log(JSON.stringify({ model: name, ...s }));
      else console.log(formatSummary(s, name));
    });
}
