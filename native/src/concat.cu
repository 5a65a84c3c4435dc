// Concat/split along channels: each piece is a strided 2-D copy ([rows, ci] <-> columns
// [offset, offset + ci) of [rows, total]), which the copy engine does without a kernel.
#include "device.cuh"

namespace cn {

void concatPiece(int rows, int total, int offset, int ci, const float* src, float* dst, cudaStream_t s) {
  checkCuda(cudaMemcpy2DAsync(dst + offset, sizeof(float) * total, src, sizeof(float) * ci, sizeof(float) * ci, rows,
                              cudaMemcpyDeviceToDevice, s), "concat");
}

void splitPiece(int rows, int total, int offset, int ci, const float* src, float* dst, cudaStream_t s) {
  checkCuda(cudaMemcpy2DAsync(dst, sizeof(float) * ci, src + offset, sizeof(float) * total, sizeof(float) * ci, rows,
                              cudaMemcpyDeviceToDevice, s), "split");
}

}  // namespace cn
