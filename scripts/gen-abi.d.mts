// Types of scripts/gen-abi.mjs for the tests that import it (test/abi.test.ts).
import type * as abi from '../src/ts/core/abi.js';

export function renderAssembly(schema: typeof abi): string;
export function renderNative(schema: typeof abi): string;
export const TARGETS: { path: string; render: (schema: typeof abi) => string }[];
