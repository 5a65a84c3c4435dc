// Issue 15 item 10 for custom designs: sizes bounded up front (blocks 1e9 refused in milliseconds,
// before any module is built, with the estimate), cyclic and BigInt values give a ConvnetsError
// instead of a TypeError, and the parameter estimate matches the built models.
import t from 'tap';
import { JsBackend } from '../../src/ts/backends/js/index.js';
import { ConvnetsError } from '../../src/ts/core/backend.js';
import { setBackend } from '../../src/ts/core/registry.js';
import { LIMITS, buildCustomModel, estimateParams, parseMacroSpec, validate } from '../../src/architectures/custom.js';
import type { MacroSpec } from '../../src/architectures/custom.js';

const be = new JsBackend();
setBackend(be);
const ok = (stages: unknown[]): Record<string, unknown> => ({ stem: { channels: 16 }, stages, inputSize: 32, numClasses: 10 });

function refusal(fn: () => unknown): string {
  try { fn(); } catch (e) {
    if (!(e instanceof ConvnetsError)) throw new Error(`not a ConvnetsError: ${(e as Error).name}: ${(e as Error).message}`);
    return e.message;
  }
  throw new Error('expected a ConvnetsError');
}

t.test('blocks: 1e9 is refused at once, before building', async (t) => {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  t.match(refusal(() => buildCustomModel(ok([{ block: 'basic', channels: 64, blocks: 1e9 }]) as unknown as MacroSpec)),
    /custom model: stages\[0\]\.blocks must be an integer in \[1, 1000\], got 1000000000/);
  t.ok(performance.now() - t0 < 100, 'in milliseconds');
  t.ok(process.memoryUsage().rss - rss0 < 50 * 2 ** 20, 'no memory spent');
  t.equal(be.allocated(), 0, 'no tensor allocated');
});

t.test('designs within each limit but huge in all are refused with their estimate', async (t) => {
  const huge = ok([{ block: 'conv', channels: 16384, blocks: 100 }]);
  const m = refusal(() => buildCustomModel(huge as unknown as MacroSpec));
  t.match(m, /custom model: description has about \d+M parameters \(\d+\.\d GiB of float32 weights\), more than the 250M allowed: refused before building/);
  t.equal(be.allocated(), 0);
  t.match(refusal(() => parseMacroSpec(ok(Array.from({ length: 65 }, () => ({ block: 'conv', channels: 8, blocks: 1 }))))), /stages has 65 stages, more than the 64 allowed/);
  t.match(refusal(() => parseMacroSpec(ok(Array.from({ length: 6 }, () => ({ block: 'conv', channels: 8, blocks: 1000 }))))), /stages hold 6000 blocks in all, more than the 5000 allowed/);
  t.match(refusal(() => parseMacroSpec({ ...ok([{ block: 'conv', channels: 8, blocks: 1 }]), inputSize: 20000 })), /inputSize must be an integer in \[1, 4096\], got 20000/);
  t.match(refusal(() => parseMacroSpec({ ...ok([{ block: 'conv', channels: 8, blocks: 1 }]), stages: new Array(1e9) })), /stages has 1000000000 stages/);
  t.match(refusal(() => parseMacroSpec('{"stages":' + ' '.repeat(LIMITS.params))), /characters of JSON, more than the 1000000 allowed/);
});

t.test('cyclic, BigInt and other non-JSON values are ConvnetsErrors', async (t) => {
  const cyclic: Record<string, unknown> = ok([{ block: 'basic', channels: 16, blocks: 1 }]);
  (cyclic.stem as Record<string, unknown>).channels = cyclic;
  t.match(refusal(() => parseMacroSpec(cyclic)), /custom model: stem\.channels must be an integer in \[1, 16384\], got \{stem: \{channels: <cycle>/);
  const selfList: unknown[] = [];
  selfList.push(selfList);
  t.match(refusal(() => parseMacroSpec(ok(selfList))), /stages\[0\] must be an object, got \[<cycle>\]/);
  t.match(refusal(() => parseMacroSpec(ok([{ block: 'basic', channels: 16n, blocks: 1 }]))), /stages\[0\]\.channels must be an integer .*got 16n \(BigInt\)/);
  t.match(refusal(() => parseMacroSpec(ok([{ block: 'basic', channels: 16, blocks: Symbol('x') }]))), /blocks must be .*got a symbol/);
  t.match(refusal(() => parseMacroSpec({ ...ok([{ block: 'basic', channels: 16, blocks: 1 }]), '\u001b[31mx': 1 })), /description\.\\u001b\[31mx is not a known field/);
  const deep = JSON.parse('['.repeat(100000) + ']'.repeat(100000));
  const m = refusal(() => parseMacroSpec(ok(deep)));
  t.ok(m.length < 300, `deep value: ${m.length} chars`);
});

t.test('the estimate matches the built parameter counts', async (t) => {
  const designs = [
    ok([{ block: 'basic', channels: 32, blocks: 2, stride: 2 }, { block: 'bottleneck', channels: 64, blocks: 2 }]),
    ok([{ block: 'mbconv', channels: 24, blocks: 2, expand: 4 }, { block: 'inverted_residual', channels: 32, blocks: 2, stride: 2 }]),
    ok([{ block: 'dense', channels: 32, blocks: 4, growth: 8 }, { block: 'depthwise_separable', channels: 64, blocks: 1 }]),
    { ...ok([{ block: 'conv', channels: 32, blocks: 3 }, { block: 'preact_basic', channels: 48, blocks: 2 }]), head: { lastConv: 64, hidden: [32] } },
  ];
  for (const d of designs) {
    const model = buildCustomModel(d as unknown as MacroSpec);
    const real = model.paramCount();
    const est = estimateParams(parseMacroSpec(d));
    t.ok(Math.abs(est - real) / real < 0.15, `estimate ${est} within 15% of ${real}`);
    model.dispose();
  }
});

t.test('validate() refuses an activation too large before allocating', async (t) => {
  const model = buildCustomModel(ok([{ block: 'conv', channels: 16, blocks: 1 }]) as unknown as MacroSpec);
  const before = be.allocated();
  t.match(refusal(() => validate(model, {}, { inputSize: 4096, batch: 1024 })), /inputSize 4096 with batch 1024 needs an activation of \d+\.\d GiB .*refused before allocating/);
  t.equal(be.allocated(), before, 'nothing allocated');
  model.dispose();
});
