// Inference fusion: Conv2d -> BatchNorm2d [-> activation] (and Conv2d -> activation) chains run as one
// conv with folded weights and a fused epilogue, as inference engines do (ORT, XNNPACK delegates):
//   w' = w * gamma / sqrt(var + eps) (per output channel), b' = (b - mean) * gamma / sqrt(var + eps) + beta.
// Opt-in and inference-only: parameters are untouched (state dicts and training see the original
// modules); any training forward of a fused conv undoes its fusion; call it again after loading
// weights. The tracer then records the folded conv (with `activation`), not the BN/activation.
import { Tensor } from '../core/tensor.js';
import { Module } from './module.js';
import { Conv2d } from './conv.js';
import { BatchNorm2d } from './batchnorm.js';
import { Activation } from './activation.js';
import { Concat, Residual, Sequential } from './containers.js';

function chains(m: Module, out: Module[][], seen: Set<Module>): void {
  if (seen.has(m)) return;
  seen.add(m);
  if (m instanceof Sequential) out.push(m.modules());
  else if (m instanceof Residual) out.push(m.main.map((e) => e[1]));
  else if (m instanceof Concat) for (const b of m.branches) out.push(b.map((e) => e[1]));
  const inner = (m as unknown as { inner?: unknown }).inner;
  if (inner instanceof Module) chains(inner, out, seen);
  for (const c of m.children.values()) chains(c, out, seen);
}

function fold(conv: Conv2d, bn: BatchNorm2d): { w: Tensor; b: Tensor } {
  const be = conv.weight.value.backend;
  const w = conv.weight.value.data();
  const c = conv.outChannels;
  const per = w.length / c;
  const gamma = bn.weight.value.data(), beta = bn.bias.value.data();
  const mean = bn.runningMean.data(), variance = bn.runningVar.data();
  const bias = conv.bias ? conv.bias.value.data() : new Float64Array(c);
  const fb = new Float64Array(c);
  for (let o = 0; o < c; o++) {
    const s = gamma[o] / Math.sqrt(variance[o] + bn.eps);
    for (let i = 0; i < per; i++) w[o * per + i] *= s;
    fb[o] = (bias[o] - mean[o]) * s + beta[o];
  }
  return { w: Tensor.from(w, conv.weight.value.shape, be), b: Tensor.from(fb, [c], be) };
}

/** Fuses every conv-BN[-activation] and conv-activation run in the model's chains. Returns how many convs were fused. */
export function fuseForInference(model: Module): number {
  const found: Module[][] = [];
  chains(model, found, new Set());
  let fused = 0;
  for (const mods of found) {
    for (let i = 0; i < mods.length; i++) {
      const conv = mods[i];
      if (!(conv instanceof Conv2d)) continue;
      let j = i + 1;
      const bn = mods[j] instanceof BatchNorm2d && (mods[j] as BatchNorm2d).numFeatures === conv.outChannels ? mods[j++] as BatchNorm2d : null;
      const act = mods[j] instanceof Activation ? mods[j] as Activation : null;
      if (!bn && !act) continue;
      if (bn) {
        const { w, b } = fold(conv, bn);
        conv.setFusion(w, b, act?.kind, act ? [bn, act] : [bn]);
      } else {
        conv.setFusion(conv.weight.value, conv.bias ? conv.bias.value : null, act!.kind, [act!]);
      }
      fused++;
    }
  }
  return fused;
}

/** Undoes fuseForInference everywhere in the model. */
export function unfuse(model: Module): void {
  for (const [, m] of model.namedModules()) if (m instanceof Conv2d) m.clearFusion();
}
