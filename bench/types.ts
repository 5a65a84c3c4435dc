// Shared result records of the benchmark run (written to bench/results/*.json as they are).
import type { Backend } from '../src/ts/core/backend.js';
import type { Timing } from './timing.js';

/** One of our backends at a thread count, named like 'convnets-wasm-2t', 'convnets-cpu-1t'. */
export interface Runtime { name: string; backendName: string; threads: number; backend: Backend; }

export const SUITES = ['kernels', 'models', 'train', 'defaultjob'] as const;
export type BenchSuite = typeof SUITES[number];

export interface BenchResult {
  suite: BenchSuite;
  case: string;
  /** The model layer a kernel case comes from. */
  from?: string;
  /** 'convnets-js', 'convnets-wasm-1t', 'tfjs-wasm', 'ort-node-2t' ... */
  runtime: string;
  threads: number;
  /** Multiply-accumulates of one call (0 when not a MAC-bound case). */
  macs: number;
  direction?: string;
  kernel?: string;
  timing?: Timing;
  gflops?: number;
  gbps?: number;
  /** Peak RSS of the process that ran the case alone (our training steps, every torch case), MB. */
  peakRssMB?: number;
  /** Training images per second (the default job). */
  imagesPerSecond?: number;
  /** Output agreement with our first backend (max |diff| / max |ref|). */
  maxRelDiff?: number;
  /** Why this runtime could not run the case (its error text). */
  error?: string;
  note?: string;
}
