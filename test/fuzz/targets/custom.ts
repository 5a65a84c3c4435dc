// Fuzz target: custom macro designs (JSON text and objects). Designs drawn from the grammar (stem,
// stages of every block type, head), then fields replaced by awkward values (1e9 blocks, negatives,
// strings, BigInt, cycles, deep nesting, huge lists, unknown keys with escapes) or the JSON text
// mutated. parseMacroSpec must refuse or accept; small accepted designs are also built.
import type { Rng } from '../../../src/ts/core/random.js';
import { JsBackend } from '../../../src/ts/backends/js/index.js';
import { setBackend } from '../../../src/ts/core/registry.js';
import { BLOCK_TYPES, buildCustomModel, estimateParams, parseMacroSpec } from '../../../src/architectures/custom.js';
import type { ParsedSpec } from '../../../src/architectures/custom.js';
import { deepText, isObject, mutateBytes, pick, weirdValue } from '../harness.js';
import type { FuzzTarget } from '../harness.js';

export function design(rng: Rng): Record<string, unknown> {
  const stages = Array.from({ length: 1 + rng.int(3) }, () => {
    const block = pick(rng, BLOCK_TYPES);
    const s: Record<string, unknown> = { block, channels: 8 * (1 + rng.int(3)), blocks: 1 + rng.int(2) };
    if (rng.int(2)) s.stride = 1 + rng.int(2);
    if (block === 'mbconv' || block === 'inverted_residual') { if (rng.int(2)) s.expand = 1 + rng.int(4); if (rng.int(2)) s.kernel = pick(rng, [3, 5]); if (rng.int(2)) s.se = 0.25; }
    if (block === 'dense' && rng.int(2)) s.growth = 4 + rng.int(8);
    return s;
  });
  const d: Record<string, unknown> = { stem: { channels: 8 * (1 + rng.int(2)), stride: 1 + rng.int(2) }, stages, inputSize: 16 + 8 * rng.int(3), numClasses: 2 + rng.int(9) };
  if (rng.int(2)) d.head = { lastConv: rng.int(2) ? 16 : undefined, hidden: rng.int(2) ? [8] : undefined, dropout: rng.int(2) ? 0.2 : undefined };
  if (rng.int(3) === 0) d.inputChannels = 1 + rng.int(3);
  return d;
}

/** A path into the design: returns [container, key] of a random field. */
function randomSlot(rng: Rng, d: Record<string, unknown>): [Record<string, unknown> | unknown[], string | number] {
  const seenSlots = new Set<unknown>();
  let cur: Record<string, unknown> | unknown[] = d;
  for (let depth = 0; depth < 3; depth++) {
    const keys: (string | number)[] = Array.isArray(cur) ? cur.map((_, i) => i) : Object.keys(cur);
    if (!keys.length) break;
    const k = pick(rng, keys);
    const v = (cur as Record<string | number, unknown>)[k];
    if (isObject(v) && !seenSlots.has(v) && rng.int(2)) { seenSlots.add(v); cur = v as Record<string, unknown>; continue; }
    return [cur, k];
  }
  return [cur, Array.isArray(cur) ? cur.length : pick(rng, ['blocks', 'channels', 'stem', 'stages', 'head', '\u001b[1mbold'])];
}

function awkward(rng: Rng, d: Record<string, unknown>, slotHolder: unknown): unknown {
  switch (rng.int(8)) {
    case 0: return pick(rng, [1e9, 1e6, 5000, 1001, 16385, 2 ** 31, -1, 0, 1.5, NaN, Infinity]);
    case 1: return BigInt(1 + rng.int(100));
    case 2: return d; // a cycle back to the root
    case 3: return slotHolder; // a cycle to the container itself
    case 4: return Symbol('s');
    case 5: return () => 1;
    default: return weirdValue(rng, 5000);
  }
}

let lastBuilt = 0;

export const customTarget: FuzzTarget = {
  name: 'custom',
  setup() { setBackend(new JsBackend()); },
  make(rng) {
    const d = design(rng);
    const mode = rng.int(3);
    if (mode === 0) {
      // JSON text, possibly byte-mutated.
      let text = JSON.stringify(d);
      if (rng.int(10) === 0) text = text.replace(/"stages":/, `"stages":${deepText(1 + rng.int(200000))},"x":`);
      if (rng.int(3)) text = Buffer.from(mutateBytes(rng, Buffer.from(text), 3)).toString('latin1');
      return { label: 'json text', run: () => parse(text) };
    }
    for (let k = 0, n = 1 + rng.int(2); k < n; k++) {
      const [c, key] = randomSlot(rng, d);
      if (!isObject(c) || Object.isFrozen(c)) continue;
      (c as Record<string | number, unknown>)[key] = mode === 1 ? weirdValue(rng, 5000) : awkward(rng, d, c);
    }
    if (rng.int(10) === 0 && Array.isArray(d.stages)) (d.stages as unknown[])[0] = { block: 'basic', channels: 16, blocks: pick(rng, [1e9, 1000, 999]) };
    if (rng.int(20) === 0) d.stages = new Array(pick(rng, [65, 1e6, 1e9]));
    return { label: mode === 1 ? 'awkward JSON value' : 'awkward JS value', run: () => parse(d) };
  },
  check(r) {
    const { spec, params } = r as { spec: ParsedSpec; params: number | null };
    if (!Number.isFinite(estimateParams(spec))) return 'estimate not finite';
    if (params !== null && params <= 0) return 'built model without parameters';
    return null;
  },
};

/** Parses; builds small accepted designs (and disposes them) so the builder sees fuzzed input too. */
function parse(input: unknown): { spec: ParsedSpec; params: number | null } {
  const spec = parseMacroSpec(input);
  let params: number | null = null;
  if (estimateParams(spec) < 300_000 && spec.inputSize <= 64) {
    const m = buildCustomModel(input as Parameters<typeof buildCustomModel>[0]);
    params = m.paramCount();
    lastBuilt = params;
    m.dispose();
  }
  return { spec, params };
}
export const lastBuiltParams = (): number => lastBuilt;
