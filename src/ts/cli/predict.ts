// `convnets predict` (classify images with a model and torchvision weights) and `convnets export`
// (ONNX for inference, optionally with weights loaded first).
import * as path from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../core/registry.js';
import { createModel } from '../../architectures/index.js';
import type { ConvNet } from '../../architectures/index.js';
import { exportOnnxFile } from '../io/onnx.js';
import { imagenetClasses, imagenetPreprocess, loadImageBatch, topK } from '../io/images.js';
import { loadSafetensorsWeights } from '../io/torchvision.js';
import type { WeightLayout } from '../io/torchvision.js';
import { backendName, checkModelName, oneOf, posInt } from './options.js';

const layoutOption = oneOf<WeightLayout | 'auto'>('--layout', ['auto', 'torchvision', 'convnets']);

interface ModelOpts { numClasses?: number; inputSize?: number; weights?: string; layout?: WeightLayout | 'auto'; strict?: boolean }

/** The model in eval mode, with the weights of --weights loaded when given. */
function modelWithWeights(name: string, o: ModelOpts): ConvNet {
  const model = createModel(name, {
    ...(o.numClasses ? { numClasses: o.numClasses } : {}),
    ...(o.inputSize ? { inputSize: o.inputSize } : {}),
  });
  if (o.weights) {
    const rep = loadSafetensorsWeights(model, o.weights, { layout: o.layout ?? 'auto', strict: o.strict ?? true });
    const extra = [rep.missing.length ? `${rep.missing.length} missing` : '', rep.unexpected.length ? `${rep.unexpected.length} unexpected` : '']
      .filter(Boolean).join(', ');
    console.error(`loaded ${rep.loaded.length} tensors from ${o.weights} (${rep.layout} layout${extra ? `; ${extra}` : ''})`);
  }
  return model.eval();
}

export function register(program: Command): void {
  program.command('predict')
    .description('classify images with a model (ImageNet preprocessing) and print the top classes')
    .argument('<images...>', 'image files (JPEG, PNG, WebP, ...)')
    .requiredOption('-m, --model <name>', 'model name (see `convnets list`)')
    .option('-w, --weights <file>', '.safetensors weights (torchvision state dict or a convnets checkpoint)')
    .option('-k, --top <k>', 'classes to print per image', posInt('--top'), 5)
    .option('--num-classes <n>', 'classifier outputs (default 1000)', posInt('--num-classes'))
    .option('--input-size <n>', 'crop size (default: the model\'s)', posInt('--input-size'))
    .option('--resize <n>', 'shorter side before the crop (default 256; 342 for inception_v3)', posInt('--resize'))
    .option('--layout <layout>', 'weights layout: auto, torchvision or convnets', layoutOption, 'auto')
    .option('--no-strict', 'tolerate missing / unexpected keys in the weights')
    .option('-b, --backend <name>', 'js, wasm or native (default: best available)', backendName())
    .option('--json', 'print JSON instead of text')
    .action(async (images: string[], o: ModelOpts & { model: string; top: number; resize?: number; backend?: string; json?: boolean }) => {
      checkModelName(o.model);
      await initBackend(o.backend);
      if (!o.weights) console.error('warning: no --weights given: the model has random weights and its predictions mean nothing');
      const model = modelWithWeights(o.model, o);
      const size = o.inputSize ?? model.defaultInputSize;
      const pre = imagenetPreprocess(o.model, size, model.inputChannels);
      if (o.resize) pre.resize = o.resize;
      const names = model.numClasses === 1000 ? imagenetClasses() : null;
      const results = [];
      // One image at a time keeps memory flat for long lists.
      for (const file of images) {
        const x = await loadImageBatch([file], pre);
        const logits = model.forward(x, { training: false }).toFloat32();
        x.dispose();
        const top = topK(logits, 1, model.numClasses, o.top)[0].map((e) => ({ ...e, label: names ? names[e.index] : `class ${e.index}` }));
        results.push({ image: file, top });
      }
      if (o.json) console.log(JSON.stringify(results, null, 2));
      else {
        for (const r of results) {
          console.log(r.image);
          for (const e of r.top) console.log(`  ${(e.prob * 100).toFixed(2).padStart(6)}%  ${String(e.index).padStart(4)}  ${e.label}`);
        }
      }
      model.dispose();
    });

  program.command('export')
    .description('export a model to ONNX (opset 17, NCHW input like torchvision) for inference')
    .argument('<model>', 'model name')
    .requiredOption('--onnx <file>', 'output .onnx file')
    .option('-w, --weights <file>', '.safetensors weights to load first')
    .option('--num-classes <n>', 'classifier outputs (default 1000)', posInt('--num-classes'))
    .option('--input-size <n>', 'traced input size (default: the model\'s)', posInt('--input-size'))
    .option('--batch <n>', 'fixed batch size (default: dynamic)', posInt('--batch'))
    .option('--layout <layout>', 'weights layout: auto, torchvision or convnets', layoutOption, 'auto')
    .option('--no-strict', 'tolerate missing / unexpected keys in the weights')
    .option('-b, --backend <name>', 'js, wasm or native (default: best available)', backendName())
    .option('--json', 'print the result as JSON')
    .action(async (name: string, o: ModelOpts & { onnx: string; batch?: number; backend?: string; json?: boolean }) => {
      checkModelName(name);
      await initBackend(o.backend);
      const model = modelWithWeights(name, o);
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
