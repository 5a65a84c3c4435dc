// Every kernel family's test body, in one list: test/contract.test.ts checks that their kernels
// partition KERNEL_NAMES, and scripts/gpu-check.mjs runs them all on the GPU (runConformance).
import type { Test } from 'tap';
import type { Backend } from '../../src/ts/core/backend.js';
import { conform } from './lib/conform.js';
import type { ConformanceOptions } from './lib/conform.js';
import type { Family } from './lib/harness.js';
import { activation } from './activation.js';
import { batchnorm } from './batchnorm.js';
import { channelscale } from './channelscale.js';
import { concat } from './concat.js';
import { conv2d } from './conv2d.js';
import { dense } from './dense.js';
import { dropout } from './dropout.js';
import { dwconv2d } from './dwconv2d.js';
import { elementwise } from './elementwise.js';
import { globalpool } from './globalpool.js';
import { optim } from './optim.js';
import { pool } from './pool.js';
import { pwconv2d } from './pwconv2d.js';
import { softmax_xent } from './softmax_xent.js';

export const FAMILIES: Family[] = [
  conv2d, dwconv2d, pwconv2d, batchnorm, pool, globalpool, dense, activation, elementwise, channelscale, concat,
  dropout, softmax_xent, optim,
];

/** Conformance of every kernel of every family on one backend (sub-tests named `${name}: ${kernel}`). */
export function runConformance(t: Test, name: string, make: () => Promise<Backend>, opts: ConformanceOptions = {}): Promise<void> {
  return conform(t, name, make, FAMILIES, opts);
}
