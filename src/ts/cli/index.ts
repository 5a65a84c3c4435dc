// `convnets` command line. Each command lives in its own file and registers itself here.
//
// Exit codes, one rule for every command (mapped here, from the error's type, never per command):
//   0  success (and --help, --version)
//   1  usage error: unknown command or option, missing or malformed argument/flag (commander errors, UsageError)
//   2  bad input or data: a file that is missing or corrupt, a model that cannot take the data (ConvnetsError)
//   3  runtime failure: a backend that cannot start, a CUDA error, training that diverged (RuntimeFailure,
//      NativeBackendError), or an unexpected internal error (printed with its stack)
import { Command, CommanderError } from 'commander';
import { ConvnetsError, RuntimeFailure, UsageError } from '../core/backend.js';

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

export const EXIT = { ok: 0, usage: 1, input: 2, runtime: 3 } as const;

/** The exit code of an error thrown by a command (see the rule at the top of this file). */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof RuntimeFailure || (e instanceof ConvnetsError && e.name === 'NativeBackendError')) return EXIT.runtime;
  if (e instanceof ConvnetsError) return EXIT.input;
  return EXIT.runtime;
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
  // The CLI owns its process: let the wasm backend use fused multiply-add where V8 has it behind a flag
  // (before any wasm is compiled). A wasm module that cannot load is doctor's to report, not a crash here.
  try {
    (await import('../backends/wasm/index.js')).enableRelaxedSimd();
  } catch { /* convnets doctor says why */ }
  try {
    await program().parseAsync(argv);
  } catch (e) {
    process.exitCode = exitCodeOf(e);
    // commander has already printed its own message (and the help after it).
    if (e instanceof CommanderError) return;
    // Library errors are the user's to act on: the message, not a stack.
    if (e instanceof ConvnetsError) {
      console.error(`convnets: ${e.message}${e instanceof UsageError ? ' (see --help)' : ''}`);
      return;
    }
    console.error(`convnets: internal error: ${(e as Error)?.stack ?? String(e)}`);
  }
}
