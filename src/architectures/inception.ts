// GoogLeNet (Inception v1) and Inception v3 as torchvision, with optional auxiliary classifiers.
import type { Module } from '../ts/nn/module.js';
import {
  AuxTap, BasicConv2d, familyInit, Dropout, Flatten, GlobalAvgPool2d, GoogLeNetAux, GoogLeNetInception, InceptionA, InceptionB,
  InceptionC, InceptionD, InceptionE, InceptionV3Aux, Linear, MaxPool2d,
} from './blocks.js';
import type { Named } from './blocks.js';
import { ConvNet, common } from './model.js';
import type { ModelOptions } from './model.js';

/** GoogLeNet inception configs: (in, 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5" (a 3x3 kernel), pool proj). */
export const GOOGLENET_CFG: Record<string, [number, number, number, number, number, number, number]> = {
  inception3a: [192, 64, 96, 128, 16, 32, 32], inception3b: [256, 128, 128, 192, 32, 96, 64],
  inception4a: [480, 192, 96, 208, 16, 48, 64], inception4b: [512, 160, 112, 224, 24, 64, 64],
  inception4c: [512, 128, 128, 256, 24, 64, 64], inception4d: [512, 112, 144, 288, 32, 64, 64],
  inception4e: [528, 256, 160, 320, 32, 128, 128],
  inception5a: [832, 256, 160, 320, 32, 128, 128], inception5b: [832, 384, 192, 384, 48, 128, 128],
};

/**
 * torchvision googlenet. With aux: aux1 after inception4a, aux2 after inception4d (training only;
 * ConvNet.auxOutputs()). torchvision's transform_input (for its pretrained weights) is a preprocessing
 * step and not part of the model here.
 */
export function googlenet(o: ModelOptions = {}): ConvNet {
  const name = 'googlenet';
  const c = common(name, o, { inputSize: 224, dropout: 0.2, smallInputOk: false });
  const inc = (k: string): Named => { const a = GOOGLENET_CFG[k]; return [k, GoogLeNetInception(...a)]; };
  const pool = (k: number): Module => new MaxPool2d(k, { stride: 2, ceilMode: true });
  const named: Named[] = [
    ['conv1', BasicConv2d(c.inputChannels, 64, 7, { stride: 2, padding: 3 })], ['maxpool1', pool(3)],
    ['conv2', BasicConv2d(64, 64, 1)], ['conv3', BasicConv2d(64, 192, 3, { padding: 1 })], ['maxpool2', pool(3)],
    inc('inception3a'), inc('inception3b'), ['maxpool3', pool(3)], inc('inception4a'),
  ];
  if (o.aux) named.push(['aux1', new AuxTap(GoogLeNetAux(512, c.numClasses))]);
  named.push(inc('inception4b'), inc('inception4c'), inc('inception4d'));
  if (o.aux) named.push(['aux2', new AuxTap(GoogLeNetAux(528, c.numClasses))]);
  named.push(inc('inception4e'), ['maxpool4', pool(2)], inc('inception5a'), inc('inception5b'),
    ['avgpool', new GlobalAvgPool2d()], ['flatten', new Flatten()], ['dropout', new Dropout(c.dropout)],
    ['fc', new Linear(1024, c.numClasses)]);
  const model = new ConvNet({ name, family: 'inception', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, named);
  familyInit(model, 'googlenet');
  return model;
}

/** torchvision inception_v3 (299 input; smallest accepted 75). With aux: AuxLogits after Mixed_6e. */
export function inception_v3(o: ModelOptions = {}): ConvNet {
  const name = 'inception_v3';
  const c = common(name, o, { inputSize: 299, dropout: 0.5, smallInputOk: false });
  const named: Named[] = [
    ['Conv2d_1a_3x3', BasicConv2d(c.inputChannels, 32, 3, { stride: 2 })],
    ['Conv2d_2a_3x3', BasicConv2d(32, 32, 3)],
    ['Conv2d_2b_3x3', BasicConv2d(32, 64, 3, { padding: 1 })],
    ['maxpool1', new MaxPool2d(3, { stride: 2 })],
    ['Conv2d_3b_1x1', BasicConv2d(64, 80, 1)],
    ['Conv2d_4a_3x3', BasicConv2d(80, 192, 3)],
    ['maxpool2', new MaxPool2d(3, { stride: 2 })],
    ['Mixed_5b', InceptionA(192, 32)], ['Mixed_5c', InceptionA(256, 64)], ['Mixed_5d', InceptionA(288, 64)],
    ['Mixed_6a', InceptionB(288)],
    ['Mixed_6b', InceptionC(768, 128)], ['Mixed_6c', InceptionC(768, 160)], ['Mixed_6d', InceptionC(768, 160)],
    ['Mixed_6e', InceptionC(768, 192)],
  ];
  if (o.aux) named.push(['AuxLogits', new AuxTap(InceptionV3Aux(768, c.numClasses))]);
  named.push(['Mixed_7a', InceptionD(768)], ['Mixed_7b', InceptionE(1280)], ['Mixed_7c', InceptionE(2048)],
    ['avgpool', new GlobalAvgPool2d()], ['dropout', new Dropout(c.dropout)], ['flatten', new Flatten()],
    ['fc', new Linear(2048, c.numClasses)]);
  const model = new ConvNet({ name, family: 'inception', defaultInputSize: c.inputSize, inputChannels: c.inputChannels, numClasses: c.numClasses }, named);
  familyInit(model, 'inception_v3');
  return model;
}
