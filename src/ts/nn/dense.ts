// DenseBlock: layer i sees the channel concatenation of the block input and every earlier layer's
// new features, and the block returns the concatenation of all of them (torchvision's _DenseBlock).
// Each layer's new features are stored once; the concatenations are temporaries. With
// `memoryEfficient` (torchvision's memory_efficient; set by setRecompute) the bottleneck
// (concat, norm1, relu1, conv1) of every layer is recomputed in backward (Pleiss et al. 2017), so
// no concatenation outlives its layer's forward and training memory grows linearly with depth.
// Gradients are the same bits as with a chain of Concat layers: the same sums in the same order.
import * as ops from '../core/ops.js';
import { ConvnetsError } from '../core/backend.js';
import type { Shape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { ForwardContext, LayerInfo } from './module.js';
import { Sequential, chainForward } from './containers.js';
import { PlannedModule, noForward } from './plan.js';
import { asRecomputation } from './memory.js';

function join(prefix: string, name: string): string { return prefix ? `${prefix}.${name}` : name; }

export class DenseBlock extends PlannedModule {
  readonly denseLayers: Sequential[];
  /** How many leading modules of a layer form its recomputed bottleneck (norm1, relu1, conv1). */
  readonly bottleneck: number;
  memoryEfficient = false;
  private saved: { feats: Tensor[]; ctx: ForwardContext; efficient: boolean } | null = null;

  /** `layers`: [name, layer] with every layer a Sequential whose input is the concat so far. */
  constructor(layers: readonly (readonly [string, Sequential])[], opts: { bottleneck?: number; memoryEfficient?: boolean } = {}) {
    super();
    if (!Array.isArray(layers) || layers.length === 0) throw new ConvnetsError('DenseBlock: needs at least one layer');
    this.denseLayers = layers.map(([n, l]) => {
      if (!(l instanceof Sequential)) throw new ConvnetsError(`DenseBlock: layer '${n}' must be a Sequential`);
      if (this.children.has(n)) throw new ConvnetsError(`DenseBlock: two layers are named '${n}'`);
      this.addModule(n, l);
      return l;
    });
    this.bottleneck = opts.bottleneck ?? 3;
    this.memoryEfficient = opts.memoryEfficient ?? false;
  }

  private channels(input: Shape): number[] {
    const cs = [input[input.length - 1]];
    let s = [...input];
    for (const l of this.denseLayers) {
      const o = l.outputShape(s);
      cs.push(o[o.length - 1]);
      s = [...input.slice(0, -1), cs.reduce((a, b) => a + b, 0)];
    }
    return cs;
  }

  /** Concat of feats[0..k) (feats[0] itself when k = 1) into this plan's tensor `name`. */
  private cat(feats: readonly Tensor[], k: number, name: string): Tensor {
    if (k === 1) return feats[0];
    const lead = feats[0].shape.slice(0, -1);
    const c = feats.slice(0, k).reduce((s, f) => s + f.shape[f.shape.length - 1], 0);
    return ops.concat(feats.slice(0, k), this.plan.tensor(name, [...lead, c], feats[0].backend));
  }

  forward(x: Tensor, ctx: ForwardContext): Tensor {
    // Also inside a recomputed segment: its backward then recomputes the bottlenecks once more.
    const efficient = this.memoryEfficient && ctx.training;
    const feats: Tensor[] = [x];
    for (let i = 0; i < this.denseLayers.length; i++) {
      feats.push(chainForward(this.denseLayers[i].modules(), this.cat(feats, i + 1, `cat${i}`), ctx));
    }
    this.saved = ctx.training ? { feats, ctx, efficient } : null;
    return this.cat(feats, feats.length, 'y');
  }

  backward(dy: Tensor): Tensor {
    if (!this.saved) noForward('DenseBlock');
    const { feats, ctx, efficient } = this.saved;
    const be = dy.backend;
    const lead = dy.shape.slice(0, -1);
    const cs = feats.map((f) => f.shape[f.shape.length - 1]);
    // d[j]: dL/dfeats[j], accumulated from the last layer down, as a chain of Concat layers does.
    const d = ops.split(dy, cs, cs.map((c, j) => this.plan.tensor(`d${j}`, [...lead, c], be)));
    for (let i = this.denseLayers.length - 1; i >= 0; i--) {
      const mods = this.denseLayers[i].modules();
      const head = mods.slice(0, this.bottleneck), tail = mods.slice(this.bottleneck);
      let g = d[i + 1];
      for (let k = tail.length - 1; k >= 0; k--) g = tail[k].backward(g);
      const bottleneckGrad = (): Tensor => {
        let b = g;
        for (let k = head.length - 1; k >= 0; k--) b = head[k].backward(b);
        return b;
      };
      const gin = efficient
        ? asRecomputation(() => {
          chainForward(head, this.cat(feats, i + 1, `cat${i}`), { ...ctx, recompute: true });
          return bottleneckGrad();
        })
        : bottleneckGrad();
      if (i === 0) { ops.addGrad(d[0], gin, d[0]); continue; }
      const parts = ops.split(gin, cs.slice(0, i + 1), cs.slice(0, i + 1).map((c, j) => this.plan.tensor(`g${i}.${j}`, [...lead, c], be)));
      for (let j = 0; j <= i; j++) ops.addGrad(d[j], parts[j], d[j]);
    }
    return d[0];
  }

  outputShape(input: Shape): number[] {
    const cs = this.channels(input);
    return [...input.slice(0, -1), cs.reduce((a, b) => a + b, 0)];
  }

  override layers(input: Shape, prefix = ''): LayerInfo[] {
    const out: LayerInfo[] = [];
    const cs = this.channels(input);
    const names = [...this.children.keys()];
    let c = cs[0];
    for (let i = 0; i < this.denseLayers.length; i++) {
      const s = [...input.slice(0, -1), c];
      out.push(...this.denseLayers[i].layers(s, join(prefix, names[i])));
      c += cs[i + 1];
      out.push({ name: join(join(prefix, names[i]), 'cat'), type: 'Concat', inputShape: s, outputShape: [...input.slice(0, -1), c], params: 0, macs: 0 });
    }
    return out;
  }
}
