// `convnets predict` (classify images with a model and its weights, on top of io/classify.ts) and
// `convnets export` (ONNX for inference, optionally with weights loaded first).
import * as path from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../core/registry.js';
import { createModel } from '../../architectures/index.js';
import type { ConvNet } from '../../architectures/index.js';
import { exportOnnxFile } from '../io/onnx.js';
import { classifier, loadPretrained } from '../predict/classify.js';
import type { Prediction } from '../predict/classify.js';
import type { LoadReport, WeightLayout } from '../io/torchvision.js';
import { backendName, checkModelName, intInRange, oneOf } from './options.js';

const positiveInt = (name: string, max = Number.MAX_SAFE_INTEGER) => intInRange(`--${name}`, 1, max);
const layoutOption = oneOf<WeightLayout | 'auto'>('--layout', ['auto', 'torchvision', 'convnets']);
const interpolationOption = oneOf('--interpolation', ['bilinear', 'bicubic'] as const);

interface ModelOpts { numClasses?: number; inputSize?: number; weights?: string; layout?: WeightLayout | 'auto'; strict?: boolean; offline?: boolean }

function describeLoad(file: string, rep: LoadReport): string {
  const extra = [rep.missing.length ? `${rep.missing.length} missing` : '', rep.unexpected.length ? `${rep.unexpected.length} unexpected` : '',
    rep.ignored.length ? `${rep.ignored.length} ignored` : ''].filter(Boolean).join(', ');
  return `loaded ${rep.loaded.length} tensors from ${file} (${rep.layout} layout${extra ? `; ${extra}` : ''})`;
}

/** The model in eval mode, with the weights of --weights (a name or a file) loaded when given. */
async function modelWithWeights(name: string, o: ModelOpts): Promise<ConvNet> {
  const model = createModel(name, {
    ...(o.numClasses ? { numClasses: o.numClasses } : {}),
    ...(o.inputSize ? { inputSize: o.inputSize } : {}),
  });
  if (o.weights) {
    const { file, report } = await loadPretrained(model, o.weights, { layout: o.layout ?? 'auto', strict: o.strict ?? true, download: !o.offline });
    console.error(describeLoad(file, report));
  }
  return model.eval();
}

const WEIGHTS_HELP = 'weights: a name (IMAGENET1K_V1, IMAGENET1K_V2, DEFAULT: found in $CONVNETS_HOME or ~/.cache/convnets, or torch\'s ' +
  'hub cache, else downloaded), or a file: torchvision .pth, .safetensors, or a convnets training checkpoint (optimizer state skipped)';

export function register(program: Command): void {
  program.command('predict')
    .description('classify images with a model and its weights (the weights\' own eval transforms) and print the top classes')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, ...)')
    .requiredOption('-m, --model <name>', 'model name (see `convnets list`)')
    .option('-w, --weights <name|file>', WEIGHTS_HELP)
    .option('-k, --top <k>', 'classes to print per image', positiveInt('top'), 5)
    .option('--num-classes <n>', 'classifier outputs (default 1000)', positiveInt('num-classes', 1_000_000))
    .option('--input-size <n>', 'crop size (default: the weights\' or the model\'s; refused when its memory estimate is too large)', positiveInt('input-size'))
    .option('--resize <n>', 'shorter side before the crop (default: the weights\' eval transform, e.g. 232 for IMAGENET1K_V2)', positiveInt('resize'))
    .option('--interpolation <kind>', 'resize filter: bilinear or bicubic (default: the weights\')', interpolationOption)
    .option('--batch <n>', 'images per forward pass', positiveInt('batch', 4096), 8)
    .option('--max-memory <MB>', 'refuse inputs whose estimated memory exceeds this (default: half the RAM)', positiveInt('max-memory'))
    .option('--layout <layout>', 'weights layout: auto, torchvision or convnets', layoutOption, 'auto')
    .option('--no-strict', 'tolerate missing / unexpected keys in the weights (loading none is still an error)')
    .option('--offline', 'never download weights (CONVNETS_OFFLINE=1 does the same)')
    .option('-b, --backend <name>', 'js, wasm, cpu or cuda (default: best available)', backendName())
    .option('--json', 'print JSON instead of a table')
    .action(async (images: string[], o: ModelOpts & { model: string; top: number; resize?: number; interpolation?: 'bilinear' | 'bicubic';
      batch: number; maxMemory?: number; backend?: string; json?: boolean }) => {
      checkModelName(o.model);
      await initBackend(o.backend);
      if (!o.weights) console.error('warning: no --weights given: the model has random weights and its predictions mean nothing');
      const clf = await classifier(o.model, {
        weights: o.weights ?? null, numClasses: o.numClasses, batchSize: o.batch, layout: o.layout, strict: o.strict ?? true,
        download: !o.offline, ...(o.maxMemory ? { maxMemoryMB: o.maxMemory } : {}),
        preprocess: {
          ...(o.inputSize ? { crop: o.inputSize } : {}), ...(o.resize ? { resize: o.resize } : {}),
          ...(o.interpolation ? { interpolation: o.interpolation } : {}),
        },
      });
      try {
        if (clf.weights) console.error(describeLoad(clf.weights.file, clf.weights.report));
        const p = clf.preprocess;
        console.error(`preprocessing: resize ${p.resize} (${p.interpolation ?? 'bilinear'}), crop ${p.crop}, mean [${p.mean.join(', ')}], std [${p.std.join(', ')}]`);
        const results: { image: string; top: Prediction[] }[] = [];
        // Batches of --batch images keep memory flat for long lists.
        for (let i = 0; i < images.length; i += o.batch) {
          const chunk = images.slice(i, i + o.batch);
          const preds = await clf.classify(chunk, { topK: o.top });
          chunk.forEach((image, j) => results.push({ image, top: preds[j] }));
        }
        if (o.json) console.log(JSON.stringify(results, null, 2));
        else {
          for (const r of results) {
            console.log(r.image);
            for (const e of r.top) console.log(`  ${(e.probability * 100).toFixed(2).padStart(6)}%  ${String(e.index).padStart(4)}  ${e.label}`);
          }
        }
      } finally {
        clf.dispose();
      }
    });

  program.command('export')
    .description('export a model to ONNX (opset 17, NCHW input like torchvision) for inference')
    .argument('<model>', 'model name')
    .requiredOption('--onnx <file>', 'output .onnx file')
    .option('-w, --weights <name|file>', WEIGHTS_HELP)
    .option('--num-classes <n>', 'classifier outputs (default 1000)', positiveInt('num-classes', 1_000_000))
    .option('--input-size <n>', 'traced input size (default: the model\'s)', positiveInt('input-size', 16384))
    .option('--batch <n>', 'fixed batch size (default: dynamic)', positiveInt('batch', 4096))
    .option('--layout <layout>', 'weights layout: auto, torchvision or convnets', layoutOption, 'auto')
    .option('--no-strict', 'tolerate missing / unexpected keys in the weights (loading none is still an error)')
    .option('--offline', 'never download weights (CONVNETS_OFFLINE=1 does the same)')
    .option('-b, --backend <name>', 'js, wasm, cpu or cuda (default: best available)', backendName())
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: ModelOpts & { onnx: string; batch?: number; backend?: string; json?: boolean }) => {
      checkModelName(name);
      await initBackend(o.backend);
      const model = await modelWithWeights(name, o);
      const size = o.inputSize ?? model.defaultInputSize;
      const t0 = Date.now();
      const n = exportOnnxFile(model, o.onnx, {
        inputSize: size, batch: o.batch ?? 'dynamic', name,
        metadata: { model: name, ...(o.weights ? { weights: path.basename(o.weights) } : {}) },
      });
      if (o.json) console.log(JSON.stringify({ model: name, onnx: o.onnx, bytes: n, input: [o.batch ?? null, model.inputChannels, size, size], ms: Date.now() - t0 }));
      else console.log(`wrote ${o.onnx}: ${(n / 1e6).toFixed(1)} MB, input [${o.batch ?? 'N'}, ${model.inputChannels}, ${size}, ${size}] ` +
        `(${Date.now() - t0} ms)`);
      model.dispose();
    });
}
