// Batch norm over the [rows, c] view of an NHWC tensor: cuDNN spatial batch norm when loaded (it sees
// an NHWC tensor with N = 1, lib/plan.h bnTensorShape; refusals remembered per shape), else the own
// kernels of batchnorm.cu. Saved mean / inverse std are the same quantities in both paths, so they mix.
#include "kernel.h"
#include "lib/cudnn.h"

namespace cn {
namespace batchnorm {

struct Bn { int rows, c; float eps; int64_t len; };

Bn record(const Call& k, bool usesEps) {
  const abi::BatchNorm& r = k.rec<abi::BatchNorm>();
  Bn b{k.positive(r.rows, "rows"), k.positive(r.c, "c"), r.eps, (int64_t)r.rows * r.c};
  if (usesEps && !(r.eps > 0.f)) throw argError(k.op, "params.eps must be positive, got " + std::to_string(r.eps));
  return b;
}

void train(const Call& k) {
  Bn b = record(k, true);
  const float m = k.rec<abi::BatchNorm>().momentum;
  const char* names[] = {"x", "gamma", "beta", "y", "runningMean", "runningVar", "saveMean", "saveInvStd"};
  float* p[8];
  for (int i = 0; i < 8; i++) p[i] = k.buf(i, names[i], i == 0 || i == 3 ? b.len : b.c);
  k.require(b.rows >= 2, "params.rows must be at least 2 for batch statistics (the unbiased running variance divides by rows - 1)");
  if (cudnnBatchNorm(k.c, 0, b.rows, b.c, b.eps, m, p, k.op) || !k.launch()) return;
  Scratch sc(k.c, (size_t)(colsumChunks(b.rows) + 2) * b.c, k.op.c_str());
  bnTrain(b.rows, b.c, b.eps, m, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], sc.get(), k.s());
  k.ran(Path::OWN);
}

void inference(const Call& k) {
  Bn b = record(k, true);
  const char* names[] = {"x", "gamma", "beta", "mean", "variance", "y"};
  float* p[6];
  for (int i = 0; i < 6; i++) p[i] = k.buf(i, names[i], i == 0 || i == 5 ? b.len : b.c);
  if (cudnnBatchNorm(k.c, 1, b.rows, b.c, b.eps, 0.0, p, k.op) || !k.launch()) return;
  bnInference(b.rows, b.c, b.eps, p[0], p[1], p[2], p[3], p[4], p[5], k.s());
  k.ran(Path::OWN);
}

void trainBackward(const Call& k) {
  // eps: the forward's, passed on to cuDNN (which wants the forward's value even with saved statistics).
  Bn b = record(k, true);
  const char* names[] = {"x", "dy", "gamma", "saveMean", "saveInvStd", "dx", "dgamma", "dbeta"};
  float* p[8];
  for (int i = 0; i < 8; i++) p[i] = k.buf(i, names[i], i <= 1 || i == 5 ? b.len : b.c);
  if (cudnnBatchNorm(k.c, 2, b.rows, b.c, b.eps, 0.0, p, k.op) || !k.launch()) return;
  Scratch sc(k.c, (size_t)colsumChunks(b.rows) * b.c, k.op.c_str());
  bnTrainBackward(b.rows, b.c, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], sc.get(), k.s());
  k.ran(Path::OWN);
}

void inferenceBackward(const Call& k) {
  Bn b = record(k, true);
  const char* names[] = {"x", "dy", "gamma", "mean", "variance", "dx", "dgamma", "dbeta"};
  float* p[8];
  for (int i = 0; i < 8; i++) p[i] = k.buf(i, names[i], i <= 1 || i == 5 ? b.len : b.c);
  if (!k.launch()) return;  // frozen BN: statistics are constants, no cuDNN counterpart
  Scratch sc(k.c, (size_t)(colsumChunks(b.rows) + 1) * b.c, k.op.c_str());
  bnInferenceBackward(b.rows, b.c, b.eps, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], sc.get(), k.s());
  k.ran(Path::OWN);
}

}  // namespace batchnorm
}  // namespace cn
