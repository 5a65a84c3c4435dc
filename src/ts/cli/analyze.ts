// `convnets gradflow | select | scale | explain`: architecture analyses measured on real modules:
// gradient flow per layer, model selection under parameter/latency budgets, EfficientNet compound
// scaling, and the cost arithmetic of design choices. Arguments are checked before any work.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConvnetsError, UsageError } from '../core/backend.js';
import { initBackend } from '../core/registry.js';
import type { Backend } from '../core/backend.js';
import { backendName, checkModelName, finiteNumber, nonNegInt, posInt, posNumber, threadCount } from './options.js';
import { loadBench } from './bench.js';
import { lineChart } from '../analysis/svg.js';
import type { Series } from '../analysis/svg.js';
import {
  gradflowBatch, measureGradFlow, summarize, INIT_SCHEMES, seedModels,
} from '../analysis/gradflow.js';
import type { InitScheme, GradFlowResult } from '../analysis/gradflow.js';
import { buildModel, closeMatches, countMacs, createModel, isModel, modelFamily } from '../../architectures/index.js';
import { DEFAULT_CANDIDATES, selectModels, formatSelect, parseCount } from '../analysis/select.js';
import type { Candidate, SelectRow } from '../analysis/select.js';
import { compoundMultipliers, phiVariant, publishedRows, equivalentPhi } from '../analysis/scale.js';
import type { ScaleRow } from '../analysis/scale.js';
import { depthwiseSeparable, explainTopic, EXPLAIN_TOPICS, inceptionBottleneck, stackedVsLarge } from '../analysis/explain.js';
import { summary } from '../nn/summary.js';
import { Conv2d } from '../nn/conv.js';
import type { Module } from '../nn/module.js';

const e = (v: number): string => (v === 0 ? '0' : v.toExponential(2));

function startBackend(name?: string, threads?: number): Promise<Backend> {
  return initBackend(name, threads !== undefined ? { threads } : undefined);
}

function countModel(name: string, inputSize?: number): Candidate {
  const m = createModel(name, { init: 'none', ...(inputSize ? { inputSize } : {}) });
  const size = inputSize ?? m.defaultInputSize;
  return { model: name, params: m.paramCount(), macs: countMacs(m, size), inputSize: size };
}

/** Weight names of the layers that change resolution: stride-2 convolutions and 1x1 downsample shortcuts. */
export function downsampleLayers(m: Module): { strided: Set<string>; shortcut: Set<string> } {
  const strided = new Set<string>(), shortcut = new Set<string>();
  for (const [n, mod] of m.namedModules()) {
    if (!(mod instanceof Conv2d)) continue;
    const w = `${n}.weight`;
    const st = mod.opts.stride, stride = typeof st === 'number' ? st : Math.max(st[0], st[1]);
    if (/(^|\.)downsample(\.|$)/.test(n) || (mod.kernelSize[0] === 1 && stride > 1)) shortcut.add(w);
    else if (stride > 1) strided.add(w);
  }
  return { strided, shortcut };
}

function gradflowSvg(name: string, rs: GradFlowResult[], marks: { strided: Set<string>; shortcut: Set<string> }): string {
  const series: Series[] = [];
  for (const r of rs) {
    series.push({ name: `${r.init}: at init`, points: r.layers.map((l, i) => [i + 1, l.init] as [number, number]) });
    if (r.steps > 0) series.push({ name: `${r.init}: after ${r.steps} SGD`, points: r.layers.map((l, i) => [i + 1, l.after] as [number, number]) });
  }
  // Guides where the resolution halves: those layers' gradient norms differ from their neighbours'
  // (ResNet's dips are its 1x1 downsample shortcuts), which a bare index left unexplained.
  const layers = rs[0]?.layers ?? [];
  const xMarks = layers.flatMap((l, i) => marks.shortcut.has(l.name) ? [{ x: i + 1, label: '1x1 shortcut' }]
    : marks.strided.has(l.name) ? [{ x: i + 1, label: 'stride 2' }] : []);
  return lineChart(series, {
    title: `Gradient norm per layer: ${name}${xMarks.length ? ' (dashed: layers that halve the resolution)' : ''}`,
    xLabel: `weight tensor index, 1 = first conv ... ${layers.length} = classifier (conv/linear weights in forward order)`,
    yLabel: '||dL/dW|| (log)', logY: true, xMarks,
  });
}

/** Measured latency against published top-1, candidates within the budgets apart from those excluded. */
function selectSvg(rows: readonly SelectRow[], backend: string): string {
  const plotted = rows.filter((r) => r.latencyMs !== null && r.top1 !== null);
  const group = (keep: (r: SelectRow) => boolean, name: string, color: string): Series => {
    const rs = plotted.filter(keep);
    return { name, points: rs.map((r) => [r.latencyMs!, r.top1!] as [number, number]), labels: rs.map((r) => r.model), scatter: true, markers: true, color };
  };
  return lineChart([
    group((r) => r.excluded === null, 'within the budgets', '#2ca02c'),
    group((r) => r.excluded !== null, 'over a budget', '#d62728'),
  ], { title: `Model selection: latency on ${backend} (batch 1) vs published top-1`, xLabel: 'median latency, ms (log)', yLabel: 'ImageNet top-1 %', logX: true });
}

export function register(program: Command): void {
  program.command('gradflow <models...>')
    .description('measure the gradient norm of every conv/linear weight, at init and after N SGD steps on a batch of the embedded digits, ' +
      'for plainN / residualN / denseN nets or any registered model; print first/middle/last-layer norms and write one SVG plot per model')
    .option('--steps <n>', 'SGD steps after the first measurement', nonNegInt('--steps'), 5)
    .option('--lr <lr>', 'SGD learning rate', posNumber('--lr'), 0.01)
    .option('--init <scheme>', `weight init: ${INIT_SCHEMES.join(' | ')} | both (kaiming and torch-default)`, 'both')
    .option('--batch <n>', 'batch size', posInt('--batch'), 16)
    .option('--size <n>', 'input crop of the 28x28 digits', posInt('--size'), 28)
    .option('--width <n>', 'channels of the plain/residual nets (dense: stem)', posInt('--width'), 16)
    .option('--backend <name>', 'js | wasm | cpu | cuda', backendName())
    .option('--threads <n>', 'wasm threads', threadCount())
    .option('--out <dir>', 'directory for the SVG plots and JSON', 'convnets-gradflow')
    .option('--json', 'print the results as JSON')
    .action(async (models: string[], o: { steps: number; lr: number; init: string; batch: number; size: number; width: number; backend?: string; threads?: number; out: string; json?: boolean }) => {
      const inits: InitScheme[] = o.init === 'both' ? ['kaiming', 'torch-default'] : [o.init as InitScheme];
      for (const i of inits) if (!INIT_SCHEMES.includes(i)) throw new UsageError(`--init must be one of ${INIT_SCHEMES.join(', ')} or both, got '${o.init}'`);
      for (const name of models) checkModelName(name);
      await startBackend(o.backend, o.threads);
      const batch = await gradflowBatch(o.batch, o.size);
      mkdirSync(o.out, { recursive: true });
      const all: GradFlowResult[] = [];
      if (!o.json) {
        console.log(`batch: ${batch.source}; ${o.steps} SGD steps at lr ${o.lr}`);
        console.log('model          init           layers  first       middle      last        first/last  loss init -> after  | after steps: first/last');
      }
      for (const name of models) {
        const rs: GradFlowResult[] = [];
        let marks = { strided: new Set<string>(), shortcut: new Set<string>() };
        for (const init of inits) {
          seedModels(1);
          const m = buildModel(name, { inputChannels: 1, numClasses: 10, inputSize: o.size, ...(modelFamily(name) === 'gradflow' ? { width: o.width } : {}) });
          marks = downsampleLayers(m);
          try {
            let r: GradFlowResult;
            try {
              r = measureGradFlow(name, m, batch, { steps: o.steps, lr: o.lr, init, seed: 1 });
            } catch (err) {
              if (!(err instanceof ConvnetsError)) throw err;
              if (!o.json) console.log(`${name.padEnd(14)} ${init.padEnd(14)} ${err.message}`);
              continue;
            }
            rs.push(r); all.push(r);
            const s = summarize(r);
            if (!o.json) {
              console.log(`${name.padEnd(14)} ${init.padEnd(14)} ${String(s.convLayers).padStart(6)}  ${e(s.first).padEnd(10)}  ${e(s.middle).padEnd(10)}  ${e(s.last).padEnd(10)}  ` +
                `${e(s.ratio).padEnd(10)}  ${r.lossInit.toFixed(3)} -> ${r.diverged ? 'diverged' : r.lossAfter.toFixed(3)}   | ${e(s.ratioAfter)}`);
            }
          } finally { m.dispose(); }
        }
        writeFileSync(join(o.out, `gradflow-${name}.svg`), gradflowSvg(name, rs, marks));
      }
      writeFileSync(join(o.out, 'gradflow.json'), JSON.stringify({ batch: batch.source, results: all }, null, 1));
      batch.x.dispose();
      if (o.json) { console.log(JSON.stringify(all.map((r) => ({ ...summarize(r), init: r.init, lossInit: r.lossInit, lossAfter: r.lossAfter })))); return; }
      // The vanishing-gradient claim, checked on what was measured: plain nets' first-layer gradients vs skip nets'.
      for (const init of inits) {
        const rs = all.filter((r) => r.init === init).map((r) => ({ r, s: summarize(r) }));
        const plain = rs.filter(({ r }) => /^plain\d+$/.test(r.model) || /^vgg/.test(r.model));
        const skip = rs.filter(({ r }) => !plain.includes(rs.find((x) => x.r === r)!));
        if (!plain.length || !skip.length) continue;
        const deepest = plain.reduce((a, b) => (b.s.convLayers > a.s.convLayers ? b : a));
        for (const k of skip) {
          const f = deepest.s.first / k.s.first;
          console.log(`[${init}] ${deepest.r.model} first-layer gradient = ${e(f)} x ${k.r.model}'s: ` +
            `${f < 0.01 ? 'orders of magnitude smaller: the vanishing-gradient claim holds here' : f < 1 ? 'smaller, but by less than two orders of magnitude' : 'NOT smaller: the claim does not hold here'}` +
            `; first/last layer within the net: at init ${e(deepest.s.ratio)} vs ${e(k.s.ratio)}, after ${o.steps} steps ${e(deepest.s.ratioAfter)} vs ${e(k.s.ratioAfter)}`);
        }
      }
      console.log(`plots: ${join(o.out, 'gradflow-<model>.svg')}`);
    });

  program.command('select')
    .description('rank candidate models that fit a parameter budget and a latency budget measured on this machine (batch 1), ' +
      'with their published ImageNet top-1; print the table and plot latency against top-1')
    .option('--max-params <n>', 'parameter budget (e.g. 10M, 5e6)')
    .option('--max-latency <ms>', 'latency budget in ms (batch 1, measured here)', posNumber('--max-latency'))
    .option('--backend <name>', 'js | wasm | cpu | cuda', backendName())
    .option('--threads <n>', 'wasm threads', threadCount())
    .option('--input <n>', 'input resolution for every candidate (default: each model\'s own)', posInt('--input'))
    .option('--candidates <list>', 'comma-separated model names', DEFAULT_CANDIDATES.join(','))
    .option('--out <dir>', 'directory for the SVG plot (latency vs published top-1)', 'convnets-select')
    .option('--json', 'print JSON')
    .action(async (o: { maxParams?: string; maxLatency?: number; backend?: string; threads?: number; input?: number; candidates: string; out: string; json?: boolean }) => {
      let maxParams: number | undefined;
      try { maxParams = o.maxParams !== undefined ? parseCount(o.maxParams) : undefined; } catch (err) { throw new UsageError((err as Error).message); }
      const names = o.candidates.split(',').map((s) => s.trim()).filter(Boolean);
      if (names.length === 0) throw new UsageError('--candidates is empty');
      for (const n of names) checkModelName(n, 'candidate');
      const b = await startBackend(o.backend, o.threads);
      const cands: Candidate[] = names.map((n) => countModel(n, o.input));
      const { buildOn, timeOurForward, quickTiming } = await loadBench();
      const rows = await selectModels(cands, { maxParams, maxLatencyMs: o.maxLatency }, async (c) => {
        const built = await buildOn(b, c.model, 1, { inputSize: c.inputSize });
        try {
          const t = await timeOurForward(b, built, quickTiming(true));
          if (!o.json) process.stderr.write(`  ${c.model}: ${t.timing.median.toFixed(1)} ms\n`);
          return t.timing.median;
        } finally { built.dispose(); }
      });
      const label = b.name === 'wasm' || b.name === 'cpu' ? `${b.name} ${(b as { threads?: number }).threads ?? o.threads ?? 1}t` : b.name;
      mkdirSync(o.out, { recursive: true });
      const file = join(o.out, 'select.svg');
      writeFileSync(file, selectSvg(rows, label));
      if (o.json) { console.log(JSON.stringify(rows)); return; }
      console.log(formatSelect(rows, label));
      console.log(`plot: ${file}`);
    });

  program.command('scale')
    .description('apply EfficientNet compound scaling at phi: print the depth/width/resolution multipliers, parameters and MACs, ' +
      'and latency measured here, next to torchvision\'s B0-B7; plot MACs vs published top-1 and MACs vs latency')
    .requiredOption('--phi <p>', 'compound coefficient (0 = B0)', finiteNumber('--phi'))
    .option('--backend <name>', 'js | wasm | cpu | cuda', backendName())
    .option('--threads <n>', 'wasm threads', threadCount())
    .option('--no-measure', 'skip the latency measurement')
    .option('--out <dir>', 'directory for the SVG plots', 'convnets-scale')
    .option('--json', 'print JSON')
    .action(async (o: { phi: number; backend?: string; threads?: number; measure: boolean; out: string; json?: boolean }) => {
      let phiRow: ScaleRow;
      try { phiRow = phiVariant(o.phi); } catch (err) { throw new UsageError(`--phi ${o.phi}: ${(err as Error).message}`); }
      const m = compoundMultipliers(o.phi);
      const rows = publishedRows();
      // Cross-check the cost model against the real builder (counting only).
      let builderParams: number | null = null;
      try { builderParams = createModel('efficientnet', { phi: o.phi, init: 'none' }).paramCount(); } catch { builderParams = null; }
      // Latency of the phi variant, and of the published variants up to twice its MACs (B0 at least):
      // its neighbours on the same backend, measured in this run, so the plot compares like with like.
      const timed = o.measure ? rows.filter((r, k) => k === 0 || r.gmacs <= 2 * phiRow.gmacs) : [];
      if (o.measure) {
        const b = await startBackend(o.backend, o.threads);
        const { buildOn, timeOurForward, quickTiming } = await loadBench();
        const time = async (name: string, opts: Record<string, unknown>): Promise<number> => {
          const built = await buildOn(b, name, 1, opts);
          try { return (await timeOurForward(b, built, quickTiming(true))).timing.median; } finally { built.dispose(); }
        };
        phiRow.latencyMs = await time('efficientnet', { phi: o.phi, inputSize: m.resolution });
        for (const r of timed) {
          r.latencyMs = await time(r.name, { inputSize: r.resolution });
          if (!o.json) process.stderr.write(`  ${r.name}: ${r.latencyMs.toFixed(1)} ms\n`);
        }
      }
      mkdirSync(o.out, { recursive: true });
      const accs = rows.filter((r) => r.top1 !== undefined && Number.isFinite(r.top1));
      const short = (n: string): string => n.replace('efficientnet_', '').toUpperCase();
      // The phi variant has no published accuracy, so it is not drawn on the accuracy axis (a vertical
      // segment there read as data); its MACs are in the title and its latency in the second plot.
      const accSvg = lineChart([
        { name: 'B0-B7 (torchvision acc@1)', points: accs.map((r) => [r.gmacs, r.top1!] as [number, number]), labels: accs.map((r) => short(r.name)) },
      ], { title: `EfficientNet: MACs vs published ImageNet top-1 (phi=${o.phi}: ${phiRow.gmacs.toFixed(2)} GMACs, no published top-1)`, xLabel: 'GMACs (log)', yLabel: 'top-1 %', logX: true,
        xMarks: [{ x: phiRow.gmacs, label: `phi=${o.phi}: ${phiRow.gmacs.toFixed(2)} GMACs (no accuracy)` }] });
      const file = join(o.out, `scale-phi${o.phi}.svg`);
      writeFileSync(file, accSvg);
      let latFile: string | null = null;
      if (o.measure) {
        const lat = timed.filter((r) => r.latencyMs !== undefined);
        const svg = lineChart([
          { name: 'published variants (measured here)', points: lat.map((r) => [r.gmacs, r.latencyMs!] as [number, number]), labels: lat.map((r) => short(r.name)), markers: true },
          { name: `phi=${o.phi} at ${m.resolution}px`, points: [[phiRow.gmacs, phiRow.latencyMs!]], labels: [`phi=${o.phi}`], scatter: true, markers: true },
        ], { title: 'EfficientNet: MACs vs measured latency (batch 1)', xLabel: 'GMACs (log)', yLabel: 'median latency, ms (log)', logX: true, logY: true });
        latFile = join(o.out, `scale-phi${o.phi}-latency.svg`);
        writeFileSync(latFile, svg);
      }
      if (o.json) { console.log(JSON.stringify({ multipliers: m, phi: phiRow, builderParams, published: rows, plots: [file, ...(latFile ? [latFile] : [])] })); return; }
      console.log(`phi = ${o.phi}: depth x${m.depth.toFixed(3)} (1.2^phi), width x${m.width.toFixed(3)} (1.1^phi), resolution x${m.resolutionMult.toFixed(3)} (1.15^phi) = ${m.resolution}px; FLOPs x${m.flopsFactor.toFixed(2)} (d*w^2*r^2; alpha*beta^2*gamma^2 = ${(1.2 * 1.1 ** 2 * 1.15 ** 2).toFixed(3)})`);
      console.log('model             width  depth   res     params (ours)   published     GMACs  published  top-1    ~phi   latency');
      const line = (r: ScaleRow, phiEq: string): string =>
        `${r.name.padEnd(16)} ${r.width.toFixed(2).padStart(6)} ${r.depth.toFixed(2).padStart(6)} ${String(r.resolution).padStart(5)}  ${String(r.params).padStart(14)}  ` +
        `${(r.publishedParams !== undefined ? String(r.publishedParams) : '-').padStart(10)}  ${r.gmacs.toFixed(3).padStart(8)}  ${(r.publishedGmacs !== undefined ? r.publishedGmacs.toFixed(3) : '-').padStart(9)}  ` +
        `${(r.top1 !== undefined && Number.isFinite(r.top1) ? r.top1.toFixed(2) + '%' : 'n/a').padStart(6)}  ${phiEq.padStart(5)}  ${r.latencyMs !== undefined ? r.latencyMs.toFixed(1) + ' ms' : '-'}`;
      console.log(line(phiRow, o.phi.toFixed(2)));
      for (const r of rows) console.log(line(r, equivalentPhi(r.width, r.depth).toFixed(2)));
      if (builderParams !== null) console.log(`builder check: createModel('efficientnet', {phi: ${o.phi}}) has ${builderParams} parameters (cost model: ${phiRow.params})`);
      console.log('~phi: the phi whose (1.1^phi, 1.2^phi) best fits the variant\'s (width, depth): B1-B7 were hand-tuned, not exactly the phi rule.');
      console.log(`plots: ${file}${latFile ? `, ${latFile}` : ' (latency: run without --no-measure)'}`);
    });

  program.command('explain <topic>')
    .description(`compute the cost arithmetic of a design choice from real modules (${EXPLAIN_TOPICS.join(' | ')}), ` +
      'next to the closed-form formula; or, given a model name, its parameters, MACs, receptive field and MACs by layer kind')
    .option('--channels <c>', 'channels (receptive-field: C; depthwise: input channels M)', posInt('--channels'))
    .option('--out-channels <n>', 'depthwise: output channels N', posInt('--out-channels'))
    .option('--kernel <k>', 'depthwise: kernel size', posInt('--kernel'))
    .option('--size <n>', 'spatial size of the example input', posInt('--size'))
    .option('--input <n>', 'model: input resolution', posInt('--input'))
    .option('--json', 'print JSON')
    .action(async (topic: string, o: { channels?: number; outChannels?: number; kernel?: number; size?: number; input?: number; json?: boolean }) => {
      const isTopic = (EXPLAIN_TOPICS as readonly string[]).includes(topic);
      if (!isTopic && !isModel(topic)) {
        const near = closeMatches(topic);
        throw new UsageError(`explain: '${topic}' is neither a topic (${EXPLAIN_TOPICS.join(', ')}) nor a registered model${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
      }
      await startBackend('js');
      if (isTopic) {
        if (!o.json) { console.log(explainTopic(topic, o)); return; }
        const data = topic === 'receptive-field' ? stackedVsLarge(o.channels ?? 64, o.size ?? 56)
          : topic === 'depthwise' ? depthwiseSeparable(o.channels ?? 256, o.outChannels ?? 256, o.kernel ?? 3, o.size ?? 56)
            : inceptionBottleneck();
        console.log(JSON.stringify({ topic, result: data }));
        return;
      }
      const model = createModel(topic, { init: 'none', ...(o.input ? { inputSize: o.input } : {}) });
      const size = o.input ?? model.defaultInputSize;
      const s = summary(model, [1, size, size, model.inputChannels]);
      const byName = new Map<string, Module>([...model.namedModules()]);
      let dw = 0, pw = 0, other = 0, linear = 0;
      for (const l of model.layers([1, size, size, model.inputChannels])) {
        const mod = byName.get(l.name);
        if (mod instanceof Conv2d) {
          if (mod.opts.groups > 1 && mod.opts.groups === mod.inChannels) dw += l.macs;
          else if (mod.kernelSize[0] === 1 && mod.kernelSize[1] === 1) pw += l.macs;
          else other += l.macs;
        } else linear += l.macs;
      }
      if (o.json) {
        console.log(JSON.stringify({ model: topic, inputSize: size, params: s.params, macs: s.macs, receptiveField: s.receptiveFieldHW,
          macsByKind: { depthwise: dw, pointwise: pw, otherConv: other, linearOther: linear } }));
        return;
      }
      const pct = (v: number): string => `${((100 * v) / s.macs).toFixed(1)}%`;
      console.log(`${topic} at ${size}x${size}: ${s.params} parameters, ${(s.macs / 1e9).toFixed(3)} GMACs, receptive field ${s.receptiveFieldHW[0]}x${s.receptiveFieldHW[1]}`);
      console.log(`MACs by layer kind: depthwise ${pct(dw)}, 1x1 ${pct(pw)}, other convs ${pct(other)}, linear/other ${pct(linear)}`);
    });
}
