// `convnets list` and `convnets summary <model>`: the registered models, and one model's per-layer
// output shapes, parameters and MACs with totals, activation memory and receptive field.
import type { Command } from 'commander';
import { ConvnetsError } from '../core/backend.js';
import { summary, formatSummary } from '../nn/summary.js';
import type { Module } from '../nn/module.js';

interface Registry {
  listModels(): string[];
  modelFamily?(name: string): string;
  createModel(name: string, o?: Record<string, unknown>): Module & { defaultInputSize: number; inputChannels: number };
}

/** The architectures registry, imported lazily so the CLI starts (and says why) without it. */
async function registry(): Promise<Registry> {
  try {
    return (await import('../../architectures/index.js')) as unknown as Registry;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') {
      throw new ConvnetsError(`the model registry (src/architectures) is not part of this build: ${err.message ?? ''}`.trim());
    }
    throw e;
  }
}

function positiveInt(flag: string): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n <= 0) {
      throw new ConvnetsError(`${flag} must be a positive integer, got '${v}'`);
    }
    return n;
  };
}

export function register(program: Command): void {
  program.command('list')
    .description('list the registered model names')
    .option('--json', 'print a JSON array')
    .action(async (o: { json?: boolean }) => {
      const reg = await registry();
      const names = reg.listModels();
      if (o.json) { console.log(JSON.stringify(names)); return; }
      for (const n of names) console.log(reg.modelFamily ? `${n.padEnd(22)} ${reg.modelFamily(n)}` : n);
    });

  program.command('summary <model>')
    .description('per-layer output shapes, parameters and MACs of a model, with totals')
    .option('--input <n>', 'input resolution (default: the model\'s)', positiveInt('--input'))
    .option('--batch <b>', 'batch size for shapes and activation memory', positiveInt('--batch'), 1)
    .option('--classes <k>', 'classifier outputs (default 1000)', positiveInt('--classes'))
    .option('--json', 'print one JSON object (params, buffers, macs, layers, ...)')
    .option('--train', 'also plan a training step: peak training memory per backend (a dry run, nothing computed)')
    .action(async (name: string, o: { input?: number; batch: number; classes?: number; json?: boolean; train?: boolean }) => {
      const reg = await registry();
      const opts: Record<string, unknown> = { init: 'none' };
      if (o.input !== undefined) opts.inputSize = o.input;
      if (o.classes !== undefined) opts.numClasses = o.classes;
      // Counting only: the registry builds without storage or random draws.
      const model = reg.createModel(name, opts);
      const size = o.input ?? model.defaultInputSize;
      const s = summary(model, [o.batch, size, size, model.inputChannels], { batch: o.batch, ...(o.train ? { train: {} } : {}) });
      if (o.json) console.log(JSON.stringify({ model: name, ...s }));
      else console.log(formatSummary(s, name));
    });
}
