// Marshalling of the contract's parameter records into the flat typed arrays the addon decodes
// (native/src/plan.cpp and ops.cpp read them in exactly this order).
import { ConvnetsError } from '../../core/backend.js';
import type { ActivationKind, Conv2dParams, Pool2dParams } from '../../core/backend.js';

/** Activation codes shared with native/src/common.h (enum Act). */
export const ACTIVATION_CODES: Record<ActivationKind, number> = {
  relu: 0, relu6: 1, silu: 2, sigmoid: 3, hardswish: 4, hardsigmoid: 5,
};

export function activationCode(op: string, kind: ActivationKind | undefined): number {
  if (kind === undefined) return -1;
  const c = ACTIVATION_CODES[kind];
  if (c === undefined) {
    throw new ConvnetsError(`${op}: unknown activation '${String(kind)}' (expected ${Object.keys(ACTIVATION_CODES).join(', ')})`);
  }
  return c;
}

function int(op: string, name: string, v: number): number {
  if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
    throw new ConvnetsError(`${op}: ${name} must be a 32-bit integer, got ${v}`);
  }
  return v;
}

export const CONV_FIELDS = ['n', 'inH', 'inW', 'inC', 'outH', 'outW', 'outC', 'kH', 'kW', 'strideH', 'strideW',
  'padTop', 'padLeft', 'dilationH', 'dilationW', 'groups'] as const;

export function packConv(op: string, p: Conv2dParams): Int32Array {
  const a = new Int32Array(CONV_FIELDS.length + 1);
  CONV_FIELDS.forEach((k, i) => { a[i] = int(op, `params.${k}`, p[k]); });
  a[CONV_FIELDS.length] = activationCode(op, p.activation);
  return a;
}

export const POOL_FIELDS = ['n', 'inH', 'inW', 'c', 'outH', 'outW', 'kH', 'kW', 'strideH', 'strideW', 'padTop', 'padLeft',
  'padBottom', 'padRight'] as const;

export function packPool(op: string, p: Pool2dParams): Int32Array {
  const a = new Int32Array(POOL_FIELDS.length + 1);
  POOL_FIELDS.forEach((k, i) => { a[i] = int(op, `params.${k}`, p[k]); });
  a[POOL_FIELDS.length] = p.countIncludePad ? 1 : 0;
  return a;
}

export function ints(op: string, names: string[], values: number[]): Int32Array {
  return Int32Array.from(values.map((v, i) => int(op, names[i] ?? `int ${i}`, v)));
}

export function floats(op: string, names: string[], values: number[]): Float64Array {
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new ConvnetsError(`${op}: ${names[i] ?? `float ${i}`} must be a finite number, got ${v}`);
  });
  return Float64Array.from(values);
}
