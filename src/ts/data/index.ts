// Data: readers (embedded digits, IDX, CIFAR-10, image folders), transforms and the batching loader.
export * from './dataset.js';
export * from './mnist.js';
export * from './idx.js';
export * from './cifar10.js';
export * from './transforms.js';
export * from './loader.js';
export * from './folder.js';
