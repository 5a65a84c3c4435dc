// The gradient-flow nets of the chapter's Q10 (`convnets gradflow`, src/ts/analysis/gradflow.ts): plain
// deep nets (VGG-style, no skips, no BN) at any depth, and residual and dense nets of the same width,
// registered as the plainN / residualN / denseN families. MNIST-sized (28 px, 1 channel) by default.
import { ConvnetsError } from '../ts/core/backend.js';
import type { Module } from '../ts/nn/module.js';
import {
  Conv2d, ReLU, Sequential, Residual, Concat, MaxPool2d, AvgPool2d, GlobalAvgPool2d, Flatten, Linear, Identity,
} from '../ts/nn/index.js';
import { ConvNet } from './model.js';

type Named = [string, Module];

export interface GradNetOptions {
  /** Channels of every conv (plain/residual) or the stem (dense). */
  width?: number;
  inChannels?: number;
  numClasses?: number;
  /** DenseNet growth rate. */
  growth?: number;
  /** The model's default input size (MNIST's 28 unless given). */
  inputSize?: number;
}

/** Where the two 2x2 max-pools go in a stack of `depth` convs (after 1/3 and 2/3 of them). */
function poolAfter(depth: number): Set<number> {
  return new Set([Math.floor(depth / 3), Math.floor((2 * depth) / 3)].filter((i) => i > 0 && i < depth));
}

function head(c: number, numClasses: number): Named[] {
  return [['pool', new GlobalAvgPool2d()], ['flatten', new Flatten()], ['fc', new Linear(c, numClasses)]];
}

/** VGG-style plain net: `depth` 3x3 convs + ReLU, no BN, no skips, two max-pools, GAP, Linear. */
export function plainNet(depth: number, o: GradNetOptions = {}): ConvNet {
  checkDepth('plain', depth, 2);
  const w = o.width ?? 16, inC = o.inChannels ?? 1;
  const pools = poolAfter(depth);
  const layers: Named[] = [];
  for (let i = 0; i < depth; i++) {
    layers.push([`conv${i + 1}`, new Conv2d(i === 0 ? inC : w, w, 3, { padding: 1 })]);
    layers.push([`relu${i + 1}`, new ReLU()]);
    if (pools.has(i + 1)) layers.push([`pool${i + 1}`, new MaxPool2d(2)]);
  }
  return net(`plain${depth}`, o, [...layers, ...head(w, o.numClasses ?? 10)]);
}

/**
 * The same convs as plainNet(depth), but after the stem conv they are paired into residual blocks
 * y = relu(x + conv(relu(conv(x)))) with identity shortcuts (no BN either, so only the skip differs).
 */
export function residualNet(depth: number, o: GradNetOptions = {}): ConvNet {
  checkDepth('residual', depth, 3);
  if ((depth - 1) % 2 !== 0) throw new ConvnetsError(`gradflow: residual depth must be odd (stem + pairs), got ${depth}`);
  const w = o.width ?? 16, inC = o.inChannels ?? 1;
  const pools = poolAfter(depth);
  const layers: Named[] = [['conv1', new Conv2d(inC, w, 3, { padding: 1 })], ['relu1', new ReLU()]];
  let i = 1;
  let b = 0;
  while (i < depth) {
    b++;
    layers.push([`block${b}`, new Residual(
      [['conv1', new Conv2d(w, w, 3, { padding: 1 })], ['relu', new ReLU()], ['conv2', new Conv2d(w, w, 3, { padding: 1 })]],
      { post: new ReLU() })]);
    // A pool that falls inside a pair goes after the block: same resolution schedule as plainNet.
    const crossed = [...pools].filter((p) => p > i && p <= i + 2);
    i += 2;
    for (const p of crossed) layers.push([`pool${p}`, new MaxPool2d(2)]);
  }
  return net(`residual${depth}`, o, [...layers, ...head(w, o.numClasses ?? 10)]);
}

/**
 * DenseNet-style net without BN: a stem conv, then `depth - 1` 3x3 conv layers in three dense blocks
 * (each layer sees the concatenation of every earlier output of its block), 1x1 transitions + avg-pool.
 */
export function denseNet(depth: number, o: GradNetOptions = {}): ConvNet {
  checkDepth('dense', depth, 4);
  const stem = o.width ?? 16, inC = o.inChannels ?? 1, g = o.growth ?? 8;
  const perBlock = Math.ceil((depth - 1) / 3);
  const layers: Named[] = [['conv0', new Conv2d(inC, stem, 3, { padding: 1 })], ['relu0', new ReLU()]];
  let c = stem;
  let made = 0;
  for (let blk = 1; blk <= 3 && made < depth - 1; blk++) {
    const n = Math.min(perBlock, depth - 1 - made);
    for (let l = 1; l <= n; l++) {
      layers.push([`denseblock${blk}.layer${l}`, new Concat([
        [['identity', new Identity()]],
        [['conv', new Conv2d(c, g, 3, { padding: 1 })], ['relu', new ReLU()]],
      ])]);
      c += g;
    }
    made += n;
    if (blk < 3 && made < depth - 1) {
      const out = Math.max(g, Math.floor(c / 2));
      layers.push([`transition${blk}`, Sequential.named([
        ['conv', new Conv2d(c, out, 1)], ['relu', new ReLU()], ['pool', new AvgPool2d(2)]])]);
      c = out;
    }
  }
  return net(`dense${depth}`, o, [...layers, ...head(c, o.numClasses ?? 10)]);
}

function net(name: string, o: GradNetOptions, named: Named[]): ConvNet {
  return new ConvNet({
    name, family: 'gradflow', defaultInputSize: o.inputSize ?? 28, inputChannels: o.inChannels ?? 1, numClasses: o.numClasses ?? 10,
  }, named);
}

function checkDepth(kind: string, depth: number, min: number): void {
  if (!Number.isInteger(depth) || depth < min || depth > 512) {
    throw new ConvnetsError(`gradflow: ${kind} net depth must be an integer in [${min}, 512], got ${depth}`);
  }
}

/** Builds a gradflow net from a name: plainN, residualN (N odd), denseN. Null for other names. */
export function gradflowNet(name: string, o: GradNetOptions = {}): ConvNet | null {
  const m = /^(plain|residual|dense)(\d+)$/.exec(name);
  if (!m) return null;
  const d = Number(m[2]);
  return m[1] === 'plain' ? plainNet(d, o) : m[1] === 'residual' ? residualNet(d, o) : denseNet(d, o);
}

