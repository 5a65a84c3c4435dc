// The model class every builder returns, and the options every builder understands.
import { ConvnetsError } from '../ts/core/backend.js';
import type { Tensor } from '../ts/core/tensor.js';
import type { Module } from '../ts/nn/module.js';
import { Sequential } from '../ts/nn/containers.js';
import { AuxTap, Flat } from './blocks.js';
import type { Named } from './blocks.js';

export interface ModelOptions {
  /** Classifier outputs (default 1000). */
  numClasses?: number;
  /** Input resolution the model is meant for (defaultInputSize; MobileNet v1's resolution multiplier). */
  inputSize?: number;
  /** Classifier dropout (family default when absent). */
  dropout?: number;
  /**
   * A stem for 28x28 / 32x32 data. ResNet (v1, v2) and DenseNet: 3x3 stride-1 stem conv, no stem max pool.
   * MobileNet v1/v2/v3 and EfficientNet: stem conv stride 1. VGG: the last max pool is dropped and the
   * head is global average pooling + a 512-512-classes MLP. Other families reject it.
   */
  smallInput?: boolean;
  /** Input channels (1 for MNIST; default 3). */
  inputChannels?: number;
  /** GoogLeNet / Inception-v3 auxiliary classifiers (default false: the pretrained-weights layout). */
  aux?: boolean;
  /** Width multiplier (MobileNet v1 alpha, MobileNet v2/v3 width_mult). */
  width?: number;
  /** EfficientNet stochastic depth rate of the last block (default 0.2). */
  stochasticDepth?: number;
  /** Compound-scaling coefficient for the 'efficientnet' entry. */
  phi?: number;
  /**
   * 'none': build for counting only (parameters, MACs, shapes): no storage, no random draws; the model
   * cannot run. Default: torchvision-like random initialisation on the current backend.
   */
  init?: 'default' | 'none';
}

export interface ModelInfo {
  name: string;
  family: string;
  defaultInputSize: number;
  inputChannels: number;
  numClasses: number;
}

/** A whole network: a named chain of torchvision-named children, with optional aux classifier taps. */
export class ConvNet extends Flat {
  readonly name: string;
  readonly family: string;
  readonly defaultInputSize: number;
  private minSize = 0;
  readonly inputChannels: number;
  readonly numClasses: number;
  private readonly taps: AuxTap[];

  constructor(info: ModelInfo, named: Named[]) {
    super(Sequential.named(named), named, info.name);
    this.name = info.name;
    this.family = info.family;
    this.defaultInputSize = info.defaultInputSize;
    this.inputChannels = info.inputChannels;
    this.numClasses = info.numClasses;
    this.taps = named.map(([, m]) => m).filter((m): m is AuxTap => m instanceof AuxTap);
  }

  /** Smallest square input every layer accepts (found from the shape math, cached). */
  get minInputSize(): number {
    if (this.minSize) return this.minSize;
    for (let s = 1; s <= 4096; s++) {
      try {
        this.outputShape([1, s, s, this.inputChannels]);
        this.minSize = s;
        return s;
      } catch (e) {
        if (!(e instanceof ConvnetsError)) throw e;
      }
    }
    throw new ConvnetsError(`${this.name}: no square input up to 4096 fits`);
  }

  /** Number of auxiliary classifiers. */
  get auxCount(): number { return this.taps.length; }

  /** Logits of the aux classifiers after a training forward (empty in eval or without aux). */
  auxOutputs(): Tensor[] {
    return this.taps.map((t) => t.output).filter((t): t is Tensor => t !== null);
  }

  /**
   * Gradients of the loss w.r.t. each aux output, used by the next backward (null: aux loss weight 0).
   * torchvision's recipes weight aux losses 0.3 (GoogLeNet) and 0.4 (Inception-v3).
   */
  setAuxGradients(grads: readonly (Tensor | null)[] | null): void {
    if (grads && grads.length !== this.taps.length) {
      throw new ConvnetsError(`${this.name}.setAuxGradients: ${grads.length} gradients for ${this.taps.length} aux classifiers`);
    }
    this.taps.forEach((t, i) => t.setGradient(grads ? grads[i] : null));
  }

  /** A child by name (e.g. 'fc', 'classifier'). */
  child(name: string): Module | undefined { return this.children.get(name); }
}

// ---- option helpers -------------------------------------------------------------------------------------

export function positiveInt(model: string, name: string, v: unknown, dflt: number): number {
  const x = v === undefined ? dflt : v;
  if (typeof x !== 'number' || !Number.isInteger(x) || x <= 0) {
    throw new ConvnetsError(`${model}: option ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return x;
}

export function rate(model: string, name: string, v: unknown, dflt: number): number {
  const x = v === undefined ? dflt : v;
  if (typeof x !== 'number' || !(x >= 0 && x < 1)) {
    throw new ConvnetsError(`${model}: option ${name} must be a number in [0, 1), got ${JSON.stringify(v)}`);
  }
  return x;
}

export function positive(model: string, name: string, v: unknown, dflt: number): number {
  const x = v === undefined ? dflt : v;
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new ConvnetsError(`${model}: option ${name} must be a positive number, got ${JSON.stringify(v)}`);
  }
  return x;
}

/** The family has no small-input stem (buildModel then builds the torchvision one). */
export class SmallInputUnavailable extends ConvnetsError {}

/** Common options resolved with a family's defaults. */
export interface Common {
  numClasses: number;
  inputChannels: number;
  inputSize: number;
  dropout: number;
  smallInput: boolean;
}

export function common(model: string, o: ModelOptions, defaults: { inputSize: number; dropout: number; smallInputOk: boolean }): Common {
  const smallInput = o.smallInput ?? false;
  if (smallInput && !defaults.smallInputOk) {
    throw new SmallInputUnavailable(`${model}: smallInput is not available for this family (ResNet, VGG, MobileNet, EfficientNet and DenseNet have it)`);
  }
  return {
    numClasses: positiveInt(model, 'numClasses', o.numClasses, 1000),
    inputChannels: positiveInt(model, 'inputChannels', o.inputChannels, 3),
    inputSize: positiveInt(model, 'inputSize', o.inputSize, smallInput ? 32 : defaults.inputSize),
    dropout: rate(model, 'dropout', o.dropout, defaults.dropout),
    smallInput,
  };
}
