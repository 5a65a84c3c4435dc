// What every tensor op shares: the tracer every forward op reports to (exporters and peer replays
// rebuild the graph from it), and the argument checks (tensor, shape, size, backend, aliasing, finite
// scalars) that name the op and the argument.
import { ACTIVATIONS, ConvnetsError } from './backend.js';
import type { ActivationKind, Backend } from './backend.js';
import { shapeToString } from './shape.js';
import type { Shape } from './shape.js';
import { Tensor, checkBackend } from './tensor.js';

// ---- tracing ------------------------------------------------------------------------------------

export interface TraceRecord {
  /** Kernel name ('conv2d', 'dwconv2d', 'pwconv2d', 'batchNormInference', ...) or 'reshape'. */
  op: string;
  /** The resolved kernel parameters (Conv2dParams incl. activation, BatchNormParams incl. eps, ...). */
  params: object;
  /** Activations read, in order. */
  inputs: Tensor[];
  /** Learned / stored tensors: conv/dense {w, bias}; batch norm {gamma, beta, mean, variance}. */
  weights: Record<string, Tensor | null>;
  output: Tensor;
  attrs?: object;
}

export interface Tracer {
  record(rec: TraceRecord): void;
}

let tracer: Tracer | null = null;

/** Installs (or removes, with null) the tracer every forward op reports to. Returns the previous one. */
export function setTracer(t: Tracer | null): Tracer | null {
  const prev = tracer;
  tracer = t;
  return prev;
}

export function getTracer(): Tracer | null { return tracer; }

export function trace(op: string, params: object, inputs: Tensor[], weights: Record<string, Tensor | null>, output: Tensor,
  attrs?: object): void {
  if (tracer) tracer.record(attrs ? { op, params, inputs, weights, output, attrs } : { op, params, inputs, weights, output });
}

// ---- helpers -------------------------------------------------------------------------------------

export function need(op: string, arg: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new ConvnetsError(`${op}: ${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.disposed) throw new ConvnetsError(`${op}: ${arg} ${shapeToString(t.shape)} was disposed`);
  return t;
}

export function needShape(op: string, arg: string, t: Tensor, shape: Shape): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ConvnetsError(`${op}: ${arg} must have shape ${shapeToString(shape)}, got ${shapeToString(t.shape)}`);
  }
}

export function needSize(op: string, arg: string, t: Tensor, size: number, what: string): void {
  if (t.size !== size) {
    throw new ConvnetsError(`${op}: ${arg} must hold ${size} elements (${what}), got ${shapeToString(t.shape)} (${t.size})`);
  }
}

/** Returns `out` after checking it (backend, shape), or a fresh tensor of `shape`. */
export function output(op: string, backend: Backend, shape: Shape, out: Tensor | undefined | null, arg = 'out'): Tensor {
  if (out === undefined || out === null) return new Tensor(backend, shape);
  need(op, arg, out);
  checkBackend(op, backend, out);
  needShape(op, arg, out, shape);
  return out;
}

/** Window / matrix kernels read inputs while writing: their output may not share storage with an input. */
export function noAlias(op: string, out: Tensor | undefined, ...inputs: (Tensor | null | undefined)[]): void {
  if (!out) return;
  for (const t of inputs) {
    if (t && !t.disposed && !out.disposed && t.buffer === out.buffer) {
      throw new ConvnetsError(`${op}: out must not share storage with an input`);
    }
  }
}

export function checkActivation(op: string, kind: unknown): ActivationKind {
  if (!ACTIVATIONS.includes(kind as ActivationKind)) {
    throw new ConvnetsError(`${op}: activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  return kind as ActivationKind;
}

export function checkFinite(op: string, arg: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConvnetsError(`${op}: ${arg} must be a finite number, got ${v}`);
}
