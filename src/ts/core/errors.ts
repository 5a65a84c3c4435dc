/** Thrown for bad input anywhere in the library: names the op and what was wrong. */
export class ConvnetsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvnetsError';
  }
}

/** A bad command-line flag or argument (the CLI exits 1); its message names the flag and the value. */
export class UsageError extends ConvnetsError {}

/**
 * A failure of the machine or the run rather than of the input (a backend that cannot start, training
 * that diverged, a CUDA error): the CLI exits 3.
 */
export class RuntimeFailure extends ConvnetsError {}
