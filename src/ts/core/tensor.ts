// Tensor: a shape, the backend that owns its storage, and a buffer. float32 (or the js reference's
// float64), NHWC activations, OHWI filters. Tensors of different backends never mix silently.
import { ConvnetsError } from './backend.js';
import type { Backend, Buf } from './backend.js';
import { getBackend } from './registry.js';
import { Rng } from './random.js';
import { checkShape, shapeSize, shapeToString } from './shape.js';
import type { Shape } from './shape.js';

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  private buf: Buf | null;
  /** False for views (reshape): they never free the storage. */
  private readonly owner: boolean;

  constructor(readonly backend: Backend, shape: Shape, buffer?: Buf, owner = true) {
    checkShape('Tensor', 'shape', shape);
    this.shape = Object.freeze([...shape]);
    this.size = shapeSize(shape);
    if (buffer && buffer.length !== this.size) {
      throw new ConvnetsError(`Tensor: buffer of ${buffer.length} elements does not fit shape ${shapeToString(shape)} (${this.size})`);
    }
    this.buf = buffer ?? backend.alloc(this.size);
    this.owner = buffer ? owner : true;
  }

  get buffer(): Buf {
    if (!this.buf) throw new ConvnetsError(`Tensor ${shapeToString(this.shape)}: used after dispose()`);
    return this.buf;
  }

  get disposed(): boolean { return this.buf === null; }

  /** A view with another shape of the same storage (same element count). */
  reshape(shape: Shape): Tensor {
    const size = shapeSize(shape);
    if (size !== this.size) {
      throw new ConvnetsError(`reshape: cannot view ${shapeToString(this.shape)} (${this.size} elements) as ${shapeToString(shape)} (${size})`);
    }
    return new Tensor(this.backend, shape, this.buffer, false);
  }

  /** Contents as a Float32Array (a copy; float64 backends are rounded). */
  toFloat32(): Float32Array {
    const d = this.backend.read(this.buffer);
    return d instanceof Float32Array ? d : Float32Array.from(d);
  }

  /** Contents in the backend's own precision (a copy). */
  data(): Float32Array | Float64Array { return this.backend.read(this.buffer); }

  /** Overwrites the contents. */
  set(values: ArrayLike<number>): this {
    if (values.length !== this.size) {
      throw new ConvnetsError(`Tensor.set: ${values.length} values for shape ${shapeToString(this.shape)} (${this.size})`);
    }
    this.backend.write(this.buffer, values);
    return this;
  }

  /** The same values on another backend (explicit copy). */
  to(backend: Backend): Tensor {
    return Tensor.from(this.data(), this.shape, backend);
  }

  dispose(): void {
    if (this.buf && this.owner) this.backend.free(this.buf);
    this.buf = null;
  }

  toString(): string { return `Tensor(${shapeToString(this.shape)}, ${this.backend.name})`; }

  // ---- constructors ------------------------------------------------------------------------------
  static from(values: ArrayLike<number>, shape: Shape, backend: Backend = getBackend()): Tensor {
    // Typed arrays hold numbers by construction; a plain array may hold anything ('a' would become NaN).
    if (!ArrayBuffer.isView(values)) {
      if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
        throw new ConvnetsError(`Tensor.from: values must be an array or typed array of numbers, got ${values === null ? 'null' : typeof values}`);
      }
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v !== 'number') throw new ConvnetsError(`Tensor.from: values[${i}] is ${typeof v === 'string' ? 'a string' : v === null ? 'null' : typeof v}, expected a number`);
      }
    }
    const t = new Tensor(backend, shape);
    try { return t.set(values); } catch (e) { t.dispose(); throw e; }
  }

  static zeros(shape: Shape, backend: Backend = getBackend()): Tensor {
    const t = new Tensor(backend, shape);
    backend.fill(t.buffer, 0);
    return t;
  }

  static full(shape: Shape, value: number, backend: Backend = getBackend()): Tensor {
    const t = new Tensor(backend, shape);
    backend.fill(t.buffer, value);
    return t;
  }

  static randn(shape: Shape, seed = 0, std = 1, mean = 0, backend: Backend = getBackend()): Tensor {
    return Tensor.from(fillRandom(shape, seed, (r) => mean + std * r.normal()), shape, backend);
  }

  static uniform(shape: Shape, seed = 0, low = 0, high = 1, backend: Backend = getBackend()): Tensor {
    return Tensor.from(fillRandom(shape, seed, (r) => low + (high - low) * r.uniform()), shape, backend);
  }

  /** Kaiming/He normal (fan_out, ReLU gain) as torchvision initialises conv filters. */
  static heNormal(shape: Shape, fan: number, seed = 0, backend: Backend = getBackend()): Tensor {
    return Tensor.randn(shape, seed, Math.sqrt(2 / fan), 0, backend);
  }

  /** Glorot/Xavier uniform: U(-a, a), a = sqrt(6 / (fanIn + fanOut)). */
  static glorotUniform(shape: Shape, fanIn: number, fanOut: number, seed = 0, backend: Backend = getBackend()): Tensor {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    return Tensor.uniform(shape, seed, -a, a, backend);
  }
}

function fillRandom(shape: Shape, seed: number, draw: (r: Rng) => number): Float64Array {
  checkShape('Tensor', 'shape', shape);
  const r = new Rng(seed);
  const out = new Float64Array(shapeSize(shape));
  for (let i = 0; i < out.length; i++) out[i] = draw(r);
  return out;
}

/** Throws unless every tensor lives on `backend`. */
export function checkBackend(op: string, backend: Backend, ...tensors: (Tensor | null | undefined)[]): void {
  for (const t of tensors) {
    if (t && t.backend !== backend) {
      const where = t.backend.name === backend.name ? `another instance of backend '${backend.name}'` : `backend '${t.backend.name}'`;
      throw new ConvnetsError(`${op}: tensor ${shapeToString(t.shape)} belongs to ${where}, ` +
        `but the op runs on '${backend.name}'; copy it explicitly with tensor.to(backend)`);
    }
  }
}
