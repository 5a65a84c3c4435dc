// Assertion helpers shared by the error-path tests.
import type { Test } from 'tap';
import { ConvnetsError } from '../../src/ts/core/backend.js';

/** Asserts fn throws a ConvnetsError whose message matches every pattern (the op, the argument, ...). */
export function throwsNaming(t: Test, fn: () => unknown, patterns: RegExp[], what: string): void {
  try {
    fn();
    t.fail(`${what}: did not throw`);
  } catch (e) {
    t.ok(e instanceof ConvnetsError, `${what}: throws a ConvnetsError (${(e as Error).message})`);
    for (const p of patterns) t.match((e as Error).message, p, `${what}: message matches ${p}`);
  }
}
