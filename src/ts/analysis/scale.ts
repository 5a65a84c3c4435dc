// EfficientNet compound scaling (chapter Q4): depth d = alpha^phi, width w = beta^phi, resolution
// r = gamma^phi with alpha=1.2, beta=1.1, gamma=1.15 (alpha * beta^2 * gamma^2 ~ 2, so FLOPs ~ 2^phi).
// A closed-form cost model of the torchvision EfficientNet (B0 stage table, channels rounded to
// multiples of 8, repeats ceil(d*n)) gives parameters and MACs for any (w, d, r); it reproduces the
// published B0-B7 parameter counts exactly, which the tests check.
import { ConvnetsError } from '../core/backend.js';
import { publishedTop1 } from './accuracy.js';

export const ALPHA = 1.2;
export const BETA = 1.1;
export const GAMMA = 1.15;
export const BASE_RESOLUTION = 224;

export interface Multipliers { phi: number; depth: number; width: number; resolutionMult: number; resolution: number; flopsFactor: number; }

/** Multipliers for a compound coefficient. */
export function compoundMultipliers(phi: number, alpha = ALPHA, beta = BETA, gamma = GAMMA): Multipliers {
  if (!Number.isFinite(phi) || phi < 0 || phi > 12) throw new ConvnetsError(`scale: --phi must be a number in [0, 12], got ${phi}`);
  const depth = alpha ** phi, width = beta ** phi, resolutionMult = gamma ** phi;
  return {
    phi, depth, width, resolutionMult,
    // Rounded as the architectures builder does (src/architectures/efficientnet.ts compoundScale).
    resolution: Math.round(BASE_RESOLUTION * resolutionMult),
    // FLOPs grow as d * w^2 * r^2.
    flopsFactor: depth * width * width * resolutionMult * resolutionMult,
  };
}

/** B0 stages: expand ratio, kernel, stride, output channels, repeats (torchvision / the paper). */
export const B0_STAGES: readonly { expand: number; kernel: number; stride: number; out: number; repeats: number }[] = [
  { expand: 1, kernel: 3, stride: 1, out: 16, repeats: 1 },
  { expand: 6, kernel: 3, stride: 2, out: 24, repeats: 2 },
  { expand: 6, kernel: 5, stride: 2, out: 40, repeats: 2 },
  { expand: 6, kernel: 3, stride: 2, out: 80, repeats: 3 },
  { expand: 6, kernel: 5, stride: 1, out: 112, repeats: 3 },
  { expand: 6, kernel: 5, stride: 2, out: 192, repeats: 4 },
  { expand: 6, kernel: 3, stride: 1, out: 320, repeats: 1 },
];

export interface PublishedVariant { name: string; width: number; depth: number; resolution: number; dropout: number; params: number; gmacs: number; top1: number; }

/** torchvision's B0-B7 (width, depth, eval resolution, dropout; params and GMACs from its docs, DESIGN.md section 5). */
export const EFFICIENTNET_VARIANTS: readonly PublishedVariant[] = ([
  ['efficientnet_b0', 1.0, 1.0, 224, 0.2, 5288548, 0.386],
  ['efficientnet_b1', 1.0, 1.1, 240, 0.2, 7794184, 0.687],
  ['efficientnet_b2', 1.1, 1.2, 288, 0.3, 9109994, 1.088],
  ['efficientnet_b3', 1.2, 1.4, 300, 0.3, 12233232, 1.827],
  ['efficientnet_b4', 1.4, 1.8, 380, 0.4, 19341616, 4.394],
  ['efficientnet_b5', 1.6, 2.2, 456, 0.4, 30389784, 10.266],
  ['efficientnet_b6', 1.8, 2.6, 528, 0.5, 43040704, 19.068],
  ['efficientnet_b7', 2.0, 3.1, 600, 0.5, 66347960, 37.746],
] as const).map(([name, width, depth, resolution, dropout, params, gmacs]) => ({
  name, width, depth, resolution, dropout, params, gmacs, top1: publishedTop1(name)?.top1 ?? NaN,
}));

/** torchvision's _make_divisible(v, 8): nearest multiple of 8, never below 90% of v. */
export function makeDivisible(v: number, divisor = 8): number {
  let nv = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}

function convOut(inSize: number, k: number, stride: number): number {
  const pad = Math.floor((k - 1) / 2);
  return Math.floor((inSize + 2 * pad - k) / stride) + 1;
}

export interface EfficientNetCost { params: number; macs: number; blocks: number; finalChannels: number; }

/**
 * Parameters (trainable: conv weights, BN gamma/beta, SE and classifier biases) and MACs (convs, SE
 * 1x1s, classifier; as torchvision counts) of EfficientNet at width w, depth d, input `resolution`.
 */
export function efficientNetCost(width: number, depth: number, resolution: number, numClasses = 1000): EfficientNetCost {
  if (!(width > 0) || !(depth > 0) || !(resolution >= 32)) {
    throw new ConvnetsError(`scale: width and depth must be positive and resolution >= 32, got w=${width} d=${depth} r=${resolution}`);
  }
  let params = 0, macs = 0, blocks = 0;
  let h = resolution;
  const conv = (cin: number, cout: number, k: number, stride: number, groups = 1): void => {
    h = convOut(h, k, stride);
    params += cout * k * k * (cin / groups);
    macs += h * h * cout * k * k * (cin / groups);
  };
  const bn = (c: number): void => { params += 2 * c; };
  const stem = makeDivisible(32 * width);
  conv(3, stem, 3, 2); bn(stem);
  let c = stem;
  for (const s of B0_STAGES) {
    const out = makeDivisible(s.out * width);
    const reps = Math.ceil(s.repeats * depth);
    for (let i = 0; i < reps; i++) {
      const exp = makeDivisible(c * s.expand);
      if (exp !== c) { conv(c, exp, 1, 1); bn(exp); }
      conv(exp, exp, s.kernel, i === 0 ? s.stride : 1, exp); bn(exp);
      // Squeeze-excite: 1x1 convs with bias on the pooled vector, squeeze = max(1, block input / 4).
      const sq = Math.max(1, Math.floor(c / 4));
      params += exp * sq + sq + sq * exp + exp;
      macs += 2 * exp * sq;
      conv(exp, out, 1, 1); bn(out);
      c = out;
      blocks++;
    }
  }
  const last = 4 * c;
  conv(c, last, 1, 1); bn(last);
  params += last * numClasses + numClasses;
  macs += last * numClasses;
  return { params, macs, blocks, finalChannels: last };
}

export interface ScaleRow {
  name: string; width: number; depth: number; resolution: number;
  params: number; gmacs: number;
  publishedParams?: number; publishedGmacs?: number; top1?: number;
  /** Measured forward latency (ms, batch 1) when measured. */
  latencyMs?: number;
}

/** The phi-family member at `phi`, costed. */
export function phiVariant(phi: number): ScaleRow & { multipliers: Multipliers } {
  const m = compoundMultipliers(phi);
  const cost = efficientNetCost(m.width, m.depth, m.resolution);
  return { name: `phi=${phi}`, width: m.width, depth: m.depth, resolution: m.resolution, params: cost.params, gmacs: cost.macs / 1e9, multipliers: m };
}

/** B0-B7 costed with the same model, next to their published numbers. */
export function publishedRows(): ScaleRow[] {
  return EFFICIENTNET_VARIANTS.map((v) => {
    const cost = efficientNetCost(v.width, v.depth, v.resolution);
    return {
      name: v.name, width: v.width, depth: v.depth, resolution: v.resolution, params: cost.params, gmacs: cost.macs / 1e9,
      publishedParams: v.params, publishedGmacs: v.gmacs, top1: v.top1,
    };
  });
}

/**
 * The phi that best matches a published variant's (width, depth) in the least-squares sense on
 * log multipliers: shows how far the hand-picked B1-B7 coefficients sit from the alpha/beta/gamma rule.
 */
export function equivalentPhi(width: number, depth: number): number {
  const a = Math.log(ALPHA), b = Math.log(BETA);
  return (a * Math.log(depth) + b * Math.log(width)) / (a * a + b * b);
}
