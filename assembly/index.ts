// Entry point of the wasm kernels: every export is `kernel(tid, nt)` reading the parameter block.
export { igemm, igemmPack, igemmPackedFloats, convBwdFilter, convBwdFilterFinish, convBwdFilterScratch, denseBwdFilterSmall } from './gemm';
export { dwPack, dwForward, dwBackwardData, dwBackwardFilter } from './dwconv2d';
export { bnTrainStats, bnInferencePrep, bnBackwardStats, bnApply } from './batchnorm';
export { poolForward, poolBackward, adaptiveForward, adaptiveBackward } from './pool';
export { abiProbe } from './abi';
export { gapForward, gapBackward } from './globalpool';
export { actForward, actBackward } from './activation';
export { elementwise, sumSquaresPartial } from './elementwise';
export { csForward, csBackward } from './channelscale';
export { concatPart } from './concat';
export { dropoutMask } from './dropout';
export { xentForward, xentBackward } from './softmax_xent';
export { sgdUpdate, adamwUpdate } from './optim';
export { simdPeak } from './peak';
