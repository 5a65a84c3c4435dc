// Runs `convnets predict|export ...` in this process (the commands of src/ts/cli/predict.ts), capturing
// what they log: shared by the predict tests.
import { Command } from 'commander';
import { register } from '../../src/ts/cli/predict.js';

export async function runPredictCli(args: string[]): Promise<{ out: string; err: string }> {
  const p = new Command('convnets').exitOverride();
  register(p);
  const out: string[] = []; const err: string[] = [];
  const log = console.log; const error = console.error;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    await p.parseAsync(['node', 'convnets', ...args]);
  } finally {
    console.log = log; console.error = error;
  }
  return { out: out.join('\n'), err: err.join('\n') };
}
