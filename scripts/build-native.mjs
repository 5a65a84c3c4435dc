// Builds the CUDA addon with cmake-js when nvcc is found (filled in by the native backend).
console.log('build:native: no native addon yet');
