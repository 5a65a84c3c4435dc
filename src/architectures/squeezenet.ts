// SqueezeNet 1.0 and 1.1 as torchvision (all convs with bias; classifier is a 1x1 conv + global pool).
import type { Module } from '../ts/nn/module.js';
import { Conv2d, Dropout, Fire, Flatten, GlobalAvgPool2d, MaxPool2d, Sequential, act } from './blocks.js';
import { ConvNet, common } from './model.js';
import { Conv2d as ConvModule } from '../ts/nn/conv.js';
import { kaimingUniform_, normal_, zeros_ } from '../ts/nn/init.js';
import type { ModelOptions } from './model.js';

export function squeezenet(version: '1_0' | '1_1', o: ModelOptions = {}): ConvNet {
  const name = `squeezenet${version}`;
  const c = common(name, o, { inputSize: 224, dropout: 0.5, smallInputOk: false });
  const pool = (): Module => new MaxPool2d(3, { stride: 2, ceilMode: true });
  const f: Module[] = version === '1_0'
    ? [new Conv2d(c.inputChannels, 96, 7, { stride: 2 }), act('relu'), pool(),
      Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128), pool(),
      Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), pool(),
      Fire(512, 64, 256, 256)]
    : [new Conv2d(c.inputChannels, 64, 3, { stride: 2 }), act('relu'), pool(),
      Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), pool(),
      Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), pool(),
      Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), Fire(512, 64, 256, 256)];
  // torchvision's init: kaiming-uniform convs, the final (classifier) conv normal(0, 0.01), zero biases;
  // the default fan-out normal would start the 1x1-conv classifier with logits in the tens.
  const features = new Sequential(...f);
  for (const [, m] of features.namedModules()) if (m instanceof ConvModule) kaimingUniform_(m.weight.value, 'fan_in');
  const finalConv = new Conv2d(512, c.numClasses, 1);
  normal_(finalConv.weight.value, 0.01);
  if (finalConv.bias) zeros_(finalConv.bias.value);
  return new ConvNet({ name, family: 'squeezenet', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, [
    ['features', features],
    ['classifier', new Sequential(new Dropout(c.dropout), finalConv, act('relu'), new GlobalAvgPool2d())],
    ['flatten', new Flatten()],
  ]);
}

export const squeezenet1_0 = (o?: ModelOptions): ConvNet => squeezenet('1_0', o);
export const squeezenet1_1 = (o?: ModelOptions): ConvNet => squeezenet('1_1', o);
