// Recomputation (gradient checkpointing) as an option: a model's stages run their forward in
// training keeping only each segment's input, and backward recomputes a segment's forward right before
// its backward (Chen et al. 2016). Costs at most one extra forward; gradients are the same bits,
// because the recomputed forward sees the same input, seed and batch statistics (containers.ts).
import { ConvnetsError } from '../core/backend.js';
import { Sequential } from './containers.js';
import { DenseBlock } from './dense.js';
import type { Module } from './module.js';

/** true: segments of ceil(sqrt(blocks)) per stage; a number k: segments of k blocks; false/0: off. */
export type RecomputeSpec = boolean | number;

/** A block: a child that holds parameters and has children of its own (a residual block, a dense layer ...). */
function isBlock(m: Module): boolean { return m.children.size > 0 && m.paramCount() > 0; }

/** Sequentials of at least two blocks with no such Sequential inside them: the stages. */
export function stages(model: Module): Sequential[] {
  const out: Sequential[] = [];
  const visit = (m: Module): boolean => {
    let inner = false;
    for (const c of m.children.values()) inner = visit(c) || inner;
    if (!inner && m instanceof Sequential && m.modules().filter(isBlock).length >= 2) { out.push(m); return true; }
    return inner;
  };
  visit(model);
  return out;
}

/**
 * Sets (or clears) checkpoint segments on every stage of `model`, and the memory-efficient mode of its
 * dense blocks (bottlenecks recomputed); returns the number of stages changed.
 */
export function setRecompute(model: Module, spec: RecomputeSpec): number {
  if (spec !== true && spec !== false && !(Number.isInteger(spec) && (spec as number) >= 0)) {
    throw new ConvnetsError(`recompute: expected true, false or a block count (a non-negative integer), got ${String(spec)}`);
  }
  for (const [, m] of model.namedModules()) if (m instanceof DenseBlock) m.memoryEfficient = spec !== false && spec !== 0;
  const ss = stages(model);
  for (const s of ss) {
    s.checkpointEvery = spec === false || spec === 0 ? 0 : spec === true ? Math.ceil(Math.sqrt(s.length)) : spec;
  }
  return ss.length;
}
