// Storage of the js reference backend: a plain typed array per buffer, float32 by default or float64
// (gradient checks). Every kernel fetches its arrays through `arr`, which turns a wrong buffer (freed,
// from another backend, wrong length) into a ConvnetsError naming the kernel and argument instead of
// an out-of-bounds read that would silently yield NaN/undefined.
import { ConvnetsError } from '../../core/backend.js';
import type { BackendBuffer } from '../../core/backend.js';

export type JsArray = Float32Array | Float64Array;

export class JsBuffer implements BackendBuffer {
  private dead = false;
  /** `parent`: set for views (subarrays), which die with it. */
  constructor(public readonly data: JsArray, readonly parent: JsBuffer | null = null) {}
  get length(): number { return this.data.length; }
  get freed(): boolean { return this.dead || (this.parent !== null && this.parent.freed); }
  set freed(v: boolean) { this.dead = v; }
}

/**
 * The array behind `b`. `exact` (default): its length must equal `len`; otherwise it must hold at least
 * `len` scalars (length-parameterised elementwise kernels may work on a prefix of a larger buffer).
 */
export function arr(kernel: string, name: string, b: BackendBuffer | null | undefined, len: number, exact = true): JsArray {
  if (!(b instanceof JsBuffer)) {
    throw new ConvnetsError(`${kernel}: ${name} is not a js backend buffer (got ${b === null || b === undefined ? String(b) : b.constructor?.name ?? typeof b})`);
  }
  if (b.freed) throw new ConvnetsError(`${kernel}: ${name} was freed`);
  if (exact ? b.data.length !== len : b.data.length < len) {
    throw new ConvnetsError(`${kernel}: ${name} has ${b.data.length} elements, expected ${exact ? '' : 'at least '}${len}`);
  }
  return b.data;
}

/** Checks a count parameter is a non-negative integer (a NaN length would make loops do nothing silently). */
export function checkCount(kernel: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new ConvnetsError(`${kernel}: ${name} must be a non-negative integer, got ${v}`);
}
