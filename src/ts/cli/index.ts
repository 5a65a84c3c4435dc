// `convnets` command line. Each command lives in its own file and registers itself here.
import { Command, CommanderError } from 'commander';
import { ConvnetsError } from '../core/backend.js';
import { enableRelaxedSimd } from '../backends/wasm/index.js';

import { register as summary } from './summary.js';
import { register as train } from './train.js';
import { register as bench } from './bench.js';
import { register as doctor } from './doctor.js';
import { register as predict } from './predict.js';
import { register as analyze } from './analyze.js';

type Register = (program: Command) => void;
const commands: Register[] = [summary, train, bench, doctor, predict, analyze];

export function program(): Command {
  const p = new Command('convnets')
    .description('Build, train, run and measure convolutional neural networks in Node.js')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(p);
  return p;
}

/**
 * A closed stdout (`convnets train ... | head -1`) ends the CLI quietly with exit status 0: nobody
 * is left to read the output, and checkpoints already written stay complete (writes are atomic).
 * A closed stderr is ignored. Any other stream error is reported as usual.
 */
export function exitQuietlyOnClosedPipe(): void {
  const onError = (stream: 'stdout' | 'stderr') => (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
      if (stream === 'stdout') process.exit(0);
      return;
    }
    throw e;
  };
  if (pipeHandlers) return;
  pipeHandlers = true;
  process.stdout.on('error', onError('stdout'));
  process.stderr.on('error', onError('stderr'));
}
let pipeHandlers = false;

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  // The CLI owns its process: let the wasm backend use fused multiply-add where V8 has it behind a flag.
  enableRelaxedSimd();
  try {
    await program().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    // Library errors are the user's to fix: print the message, not a stack.
    if (e instanceof ConvnetsError) {
      console.error(`convnets: ${e.message}`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}
