/** Thrown for bad input anywhere in the library: names the op and what was wrong. */
export class ConvnetsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvnetsError';
  }
}
