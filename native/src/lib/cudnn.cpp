#include "cudnn.h"
#include "plan.h"

namespace cn {

namespace {

constexpr size_t MAX_CUDNN_WORKSPACE = size_t(1) << 30;

void check(const Context& c, cudnnStatus_t st, const std::string& op) {
  if (st == 0) return;
  std::string msg = c.dnn && c.dnn->getErrorString ? c.dnn->getErrorString(st) : "cuDNN failure";
  throw NativeError(op, "cuDNN", st, cudnnStatusName(st), msg);
}

std::string refusal(cudnnStatus_t st, const std::string& where) {
  return cudnnStatusName(st) + " (" + std::to_string(st) + ") at " + where;
}

struct ConvDescs {
  const CudnnApi& a;
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  explicit ConvDescs(const CudnnApi& api) : a(api) {}
  ~ConvDescs() {
    if (x) a.destroyTensor(x);
    if (y) a.destroyTensor(y);
    if (w) a.destroyFilter(w);
    if (conv) a.destroyConv(conv);
  }
};

void makeDescs(const Context& c, const CudnnConvDesc& d, ConvDescs& D, const std::string& op) {
  const CudnnApi& a = *c.dnn;
  check(c, a.createTensor(&D.x), op);
  check(c, a.setTensor4d(D.x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, d.xN, d.xC, d.xH, d.xW), op);
  check(c, a.createTensor(&D.y), op);
  check(c, a.setTensor4d(D.y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, d.yN, d.yC, d.yH, d.yW), op);
  check(c, a.createFilter(&D.w), op);
  check(c, a.setFilter4d(D.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, d.wK, d.wC, d.wH, d.wW), op);
  check(c, a.createConv(&D.conv), op);
  check(c, a.setConv2d(D.conv, d.padH, d.padW, d.strideH, d.strideW, d.dilH, d.dilW, CUDNN_CROSS_CORRELATION,
                       CUDNN_DATA_FLOAT), op);
  check(c, a.setConvGroups(D.conv, d.groups), op);
  check(c, a.setConvMath(D.conv, d.mathType), op);
}

cudnnStatus_t find(Context& c, ConvDir dir, ConvDescs& D, int* got, CudnnAlgoPerf* perf) {
  const CudnnApi& a = *c.dnn;
  if (dir == CONV_FWD) return a.findFwd(c.cudnnH, D.x, D.w, D.conv, D.y, 16, got, perf);
  if (dir == CONV_BWD_DATA) return a.findBwdData(c.cudnnH, D.w, D.y, D.conv, D.x, 16, got, perf);
  return a.findBwdFilter(c.cudnnH, D.x, D.y, D.conv, D.w, 16, got, perf);
}

/** Algorithm search for one shape: the cache entry (algo < 0 = refused, with the reason). */
CudnnConvCacheEntry search(Context& c, ConvDir dir, ConvDescs& D, const std::string& op) {
  CudnnAlgoPerf perf[16];
  int got = 0;
  // cudnnFind* allocates its own trial workspace: after an allocation failure the caching allocator
  // returns its cache to the device and the search runs once more.
  cudnnStatus_t st = find(c, dir, D, &got, perf);
  if (classifyCudnn(st) == LibStatus::ALLOC && c.alloc->releaseForRetry()) st = find(c, dir, D, &got, perf);
  LibStatus cls = classifyCudnn(st);
  if (cls == LibStatus::REFUSED) return {-1, 0, 0, refusal(st, "algorithm search")};
  if (cls != LibStatus::OK) check(c, st, op);
  bool allocFailed = false;
  for (int attempt = 0; attempt < 2; attempt++) {
    cudnnStatus_t firstBad = 0;
    allocFailed = false;
    for (int i = 0; i < got; i++) {
      LibStatus s = classifyCudnn(perf[i].status);
      if (s == LibStatus::OK && perf[i].memory <= MAX_CUDNN_WORKSPACE)
        return {perf[i].algo, perf[i].memory, perf[i].mathType, ""};
      if (s == LibStatus::ALLOC) allocFailed = true;
      else if (s == LibStatus::ERROR && !firstBad) firstBad = perf[i].status;
    }
    if (firstBad) check(c, firstBad, op);  // an algorithm failed with a bad-parameter or internal status: a bug
    if (!allocFailed || attempt == 1 || !c.alloc->releaseForRetry()) break;
    st = find(c, dir, D, &got, perf);
    if (classifyCudnn(st) != LibStatus::OK) check(c, st, op);
  }
  if (allocFailed) return {-1, 0, 0, "no algorithm: every candidate failed to allocate its workspace"};
  if (got == 0) return {-1, 0, 0, "no algorithm returned by the search"};
  return {-1, 0, 0, "no algorithm with a supported configuration and a workspace under 1 GiB"};
}

}  // namespace

bool cudnnConv(Context& c, ConvDir dir, const ConvP& p, const float* a0, const float* a1, float* out,
               const std::string& op) {
  if (!c.cudnnH || !c.dnn) return false;
  CudnnConvDesc d = cudnnConvDesc(p, c.opts.tf32);
  if (!d.usable) {
    c.refused(op, d.reason);
    return false;
  }
  const CudnnApi& a = *c.dnn;
  ConvDescs D(a);
  makeDescs(c, d, D, op);
  static const char* dirNames[] = {"fwd", "bwdData", "bwdFilter"};
  std::string key = convAlgoKey(dirNames[dir], p, c.opts.tf32);
  auto it = c.algoCache.find(key);
  if (it == c.algoCache.end()) it = c.algoCache.emplace(key, search(c, dir, D, op)).first;
  CudnnConvCacheEntry& e = it->second;
  if (e.algo < 0) {
    c.refused(op, e.reason);
    return false;
  }
  // TF32 allowed: run with the math type the search measured for this algorithm (as PyTorch does).
  if (c.opts.tf32 && e.mathType != d.mathType) check(c, a.setConvMath(D.conv, e.mathType), op);
  Scratch ws(c, (e.workspace + 3) / 4, op.c_str());
  const float one = 1.f, zero = 0.f;
  cudnnStatus_t st;
  auto exec = [&] {
    if (dir == CONV_FWD)
      return a.fwd(c.cudnnH, &one, D.x, a0, D.w, a1, D.conv, e.algo, ws.get(), e.workspace, &zero, D.y, out);
    if (dir == CONV_BWD_DATA)
      return a.bwdData(c.cudnnH, &one, D.w, a1, D.y, a0, D.conv, e.algo, ws.get(), e.workspace, &zero, D.x, out);
    return a.bwdFilter(c.cudnnH, &one, D.x, a0, D.y, a1, D.conv, e.algo, ws.get(), e.workspace, &zero, D.w, out);
  };
  st = exec();
  if (classifyCudnn(st) == LibStatus::ALLOC && c.alloc->releaseForRetry()) st = exec();
  if (classifyCudnn(st) == LibStatus::REFUSED) {
    e.algo = -1;  // refused at run time: the own kernels take this shape from now on
    e.reason = refusal(st, "execution");
    c.refused(op, e.reason);
    return false;
  }
  check(c, st, op);
  c.ran(op, Path::CUDNN);
  return true;
}

namespace {
struct BnDescs {
  const CudnnApi& a;
  cudnnTensorDescriptor_t x = nullptr, p = nullptr;
  explicit BnDescs(const CudnnApi& api) : a(api) {}
  ~BnDescs() {
    if (x) a.destroyTensor(x);
    if (p) a.destroyTensor(p);
  }
};
}  // namespace

bool cudnnBatchNorm(Context& c, int which, int rows, int ch, double eps, double momentum, float* const* b,
                    const std::string& op) {
  if (!c.cudnnH || !c.dnn || !c.dnn->bnFwdTrain || which > 2) return false;
  // The record's eps is a float: torch's 1e-5 arrives as 9.99999975e-6, below cuDNN's minimum as a
  // double. Compare in float, and give cuDNN at least its minimum (a difference of 3e-13).
  if ((float)eps < (float)CUDNN_BN_MIN_EPSILON) {
    c.refused(op, "eps below CUDNN_BN_MIN_EPSILON (1e-5)");
    return false;
  }
  if (eps < CUDNN_BN_MIN_EPSILON) eps = CUDNN_BN_MIN_EPSILON;
  const std::string key = bnKey(which, rows, ch);
  auto known = c.bnRefusals.find(key);
  if (known != c.bnRefusals.end()) {
    c.refused(op, known->second);
    return false;
  }
  const CudnnApi& a = *c.dnn;
  const BnShape s = bnTensorShape(rows, ch);
  BnDescs D(a);
  check(c, a.createTensor(&D.x), op);
  check(c, a.setTensor4d(D.x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, s.n, s.c, s.h, s.w), op);
  check(c, a.createTensor(&D.p), op);
  check(c, a.setTensor4d(D.p, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, ch, 1, 1), op);
  const float one = 1.f, zero = 0.f;
  auto exec = [&]() -> cudnnStatus_t {
    if (which == 0)  // x gamma beta y runMean runVar saveMean saveInvStd; running var unbiased, as torch
      return a.bnFwdTrain(c.cudnnH, CUDNN_BATCHNORM_SPATIAL, &one, &zero, D.x, b[0], D.x, b[3], D.p, b[1], b[2],
                          momentum, b[4], b[5], eps, b[6], b[7]);
    if (which == 1)  // x gamma beta mean variance y
      return a.bnFwdInference(c.cudnnH, CUDNN_BATCHNORM_SPATIAL, &one, &zero, D.x, b[0], D.x, b[5], D.p, b[1], b[2],
                              b[3], b[4], eps);
    // x dy gamma saveMean saveInvStd dx dgamma dbeta: the forward's eps (cuDNN wants the same value)
    return a.bnBwd(c.cudnnH, CUDNN_BATCHNORM_SPATIAL, &one, &zero, &one, &zero, D.x, b[0], D.x, b[1], D.x, b[5], D.p,
                   b[2], b[6], b[7], eps, b[3], b[4]);
  };
  cudnnStatus_t st = exec();
  if (classifyCudnn(st) == LibStatus::ALLOC && c.alloc->releaseForRetry()) st = exec();
  if (classifyCudnn(st) == LibStatus::REFUSED) {
    std::string reason = refusal(st, "batch norm " + key);
    c.bnRefusals[key] = reason;  // this shape only: other shapes still try cuDNN
    c.refused(op, reason);
    return false;
  }
  check(c, st, op);
  c.ran(op, Path::CUDNN);
  return true;
}

}  // namespace cn
