// Kernel dispatch for Context::run: decode the op's parameters, check every buffer argument (live,
// long enough), then launch. With a host-only context everything up to the launch runs, so argument
// checking is tested without a GPU. Convolutions go to cuDNN when it is loaded and can express them,
// GEMMs to cuBLAS when loaded; otherwise to the own kernels.
#include <cmath>
#include <functional>
#include <unordered_map>
#include "plan.h"
#include "runtime.h"

namespace cn {

namespace {

constexpr size_t MAX_COL_BYTES = size_t(256) << 20;
constexpr size_t MAX_CUDNN_WORKSPACE = size_t(1) << 30;

struct Call {
  Context& c;
  const std::string& op;
  const int32_t* ints;
  size_t ni;
  const double* fl;
  size_t nf;
  const int64_t* ids;
  size_t nids;

  void expect(size_t wantInts, size_t wantFloats, size_t wantIds) const {
    if (ni != wantInts || nf != wantFloats || nids != wantIds)
      throw argError(op, "expected " + std::to_string(wantInts) + " integer, " + std::to_string(wantFloats) +
                             " float parameters and " + std::to_string(wantIds) + " buffers, got " + std::to_string(ni) +
                             ", " + std::to_string(nf) + ", " + std::to_string(nids));
  }
  int pos(size_t i, const char* name) const {
    if (ints[i] <= 0) throw argError(op, std::string(name) + " must be positive, got " + std::to_string(ints[i]));
    return ints[i];
  }
  float* buf(size_t i, const char* name, int64_t need, bool optional = false) const {
    if (ids[i] < 0) {
      if (optional) return nullptr;
      throw argError(op, std::string("argument '") + name + "' is required");
    }
    const Block& b = c.buf(ids[i], op.c_str(), name);
    if (b.length < need)
      throw argError(op, std::string("argument '") + name + "' has " + std::to_string(b.length) + " elements, needs " +
                             std::to_string(need));
    return static_cast<float*>(b.ptr);
  }
  bool hostOnly() const { return c.opts.hostOnly; }
  cudaStream_t s() const { return c.stream; }
};

struct CtxGemm : Gemm {
  Context& c;
  explicit CtxGemm(Context& ctx) : c(ctx) {}
  void operator()(bool tA, bool tB, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                  float beta, float* C, int ldc) override {
    if (c.cublasH) {
      // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands.
      checkCublas(cublas().sgemm(c.cublasH, tB ? CUBLAS_OP_T : CUBLAS_OP_N, tA ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K,
                                 &alpha, B, ldb, A, lda, &beta, C, ldc),
                  "gemm (cuBLAS)");
    } else {
      gemmKernel(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, c.stream);
    }
  }
};

// ---- cuDNN convolution ---------------------------------------------------------------------------------------
struct CudnnDescs {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  ~CudnnDescs() {
    const CudnnApi& a = cudnn();
    if (x) a.destroyTensor(x);
    if (y) a.destroyTensor(y);
    if (w) a.destroyFilter(w);
    if (conv) a.destroyConv(conv);
  }
};

void makeDescs(const CudnnConvDesc& d, CudnnDescs& D, const char* op) {
  const CudnnApi& a = cudnn();
  checkCudnn(a.createTensor(&D.x), op);
  checkCudnn(a.setTensor4d(D.x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, d.xN, d.xC, d.xH, d.xW), op);
  checkCudnn(a.createTensor(&D.y), op);
  checkCudnn(a.setTensor4d(D.y, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, d.yN, d.yC, d.yH, d.yW), op);
  checkCudnn(a.createFilter(&D.w), op);
  checkCudnn(a.setFilter4d(D.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NHWC, d.wK, d.wC, d.wH, d.wW), op);
  checkCudnn(a.createConv(&D.conv), op);
  checkCudnn(a.setConv2d(D.conv, d.padH, d.padW, d.strideH, d.strideW, d.dilH, d.dilW, CUDNN_CROSS_CORRELATION,
                         CUDNN_DATA_FLOAT), op);
  checkCudnn(a.setConvGroups(D.conv, d.groups), op);
  checkCudnn(a.setConvMath(D.conv, d.mathType), op);
}

enum Dir { FWD, BWD_DATA, BWD_FILTER };

/** Runs one direction through cuDNN; false when cuDNN is absent or cannot express the convolution. */
bool cudnnConv(Context& c, Dir dir, const ConvP& p, const float* a0, const float* a1, float* out, const char* op) {
  if (!c.cudnnH) return false;
  CudnnConvDesc d = cudnnConvDesc(p, c.opts.tf32);
  if (!d.usable) return false;
  const CudnnApi& a = cudnn();
  CudnnDescs D;
  makeDescs(d, D, op);
  static const char* dirNames[] = {"fwd", "bwdData", "bwdFilter"};
  std::string key = convAlgoKey(dirNames[dir], p, c.opts.tf32);
  auto it = c.algoCache.find(key);
  if (it == c.algoCache.end()) {
    CudnnAlgoPerf perf[16];
    int got = 0;
    cudnnStatus_t st;
    if (dir == FWD) st = a.findFwd(c.cudnnH, D.x, D.w, D.conv, D.y, 16, &got, perf);
    else if (dir == BWD_DATA) st = a.findBwdData(c.cudnnH, D.w, D.y, D.conv, D.x, 16, &got, perf);
    else st = a.findBwdFilter(c.cudnnH, D.x, D.y, D.conv, D.w, 16, &got, perf);
    if (cudnnRefused(st)) got = 0;  // this configuration is not for cuDNN: own kernels, remembered below
    else checkCudnn(st, op);
    int pick = -1;
    for (int i = 0; i < got; i++)
      if (perf[i].status == 0 && perf[i].memory <= MAX_CUDNN_WORKSPACE) { pick = i; break; }
    if (pick < 0) {
      c.algoCache[key] = {-1, 0};  // remember: no algorithm, use the own kernels
      return false;
    }
    it = c.algoCache.emplace(key, CudnnConvCacheEntry{perf[pick].algo, perf[pick].memory}).first;
  }
  if (it->second.algo < 0) return false;
  Scratch ws(c, (it->second.workspace + 3) / 4, op);
  const float one = 1.f, zero = 0.f;
  cudnnStatus_t st;
  if (dir == FWD)
    st = a.fwd(c.cudnnH, &one, D.x, a0, D.w, a1, D.conv, it->second.algo, ws.get(), it->second.workspace, &zero, D.y, out);
  else if (dir == BWD_DATA)
    st = a.bwdData(c.cudnnH, &one, D.w, a1, D.y, a0, D.conv, it->second.algo, ws.get(), it->second.workspace, &zero,
                   D.x, out);
  else
    st = a.bwdFilter(c.cudnnH, &one, D.x, a0, D.y, a1, D.conv, it->second.algo, ws.get(), it->second.workspace, &zero,
                     D.w, out);
  if (cudnnRefused(st)) {
    it->second.algo = -1;  // refused at run time: the own kernels take this shape from now on
    return false;
  }
  checkCudnn(st, op);
  return true;
}

// ---- convolution families ------------------------------------------------------------------------------------
enum ConvKind { GENERAL, DEPTHWISE, POINTWISE };

ConvP convParams(const Call& k, size_t nIds, ConvKind kind) {
  k.expect(CONV_FIELDS, 0, nIds);
  ConvP p = decodeConv(k.op, k.ints, k.ni);
  if (kind == DEPTHWISE && (p.groups != p.inC || p.outC % p.inC))
    throw argError(k.op, "depthwise needs groups == inC and outC a multiple of inC (groups " +
                             std::to_string(p.groups) + ", inC " + std::to_string(p.inC) + ", outC " +
                             std::to_string(p.outC) + ")");
  if (kind == POINTWISE && (p.kH != 1 || p.kW != 1 || p.strideH != 1 || p.strideW != 1 || p.padTop || p.padLeft ||
                            p.groups != 1 || p.outH != p.inH || p.outW != p.inW))
    throw argError(k.op, "pointwise needs a 1x1 kernel, stride 1, no padding and groups 1");
  return p;
}

void convForward(const Call& k, ConvKind kind) {
  ConvP p = convParams(k, 4, kind);
  const float* x = k.buf(0, "x", p.xLen());
  const float* w = k.buf(1, "w", p.wLen());
  const float* bias = k.buf(2, "bias", p.outC, true);
  float* y = k.buf(3, "y", p.yLen());
  if (k.hostOnly()) return;
  Context& c = k.c;
  const int rowsAll = p.n * p.outH * p.outW;
  CtxGemm g(c);
  if (kind == DEPTHWISE) return dwForward(p, x, w, bias, y, k.s());
  if (kind == POINTWISE) return gemmLayerForward(rowsAll, p.inC, p.outC, x, w, bias, p.act, y, g, k.s());
  if (!cudnnConv(c, FWD, p, x, w, y, k.op.c_str())) {
    Im2colPlan pl = im2colPlan(p, MAX_COL_BYTES);
    Scratch col(c, pl.colFloats, k.op.c_str());
    const int coutG = p.outC / p.groups;
    for (int img0 = 0; img0 < p.n; img0 += pl.imgsPerChunk) {
      int imgs = std::min(pl.imgsPerChunk, p.n - img0);
      int rows = imgs * p.outH * p.outW;
      for (int gi = 0; gi < p.groups; gi++) {
        const float* A = x + (size_t)img0 * p.inH * p.inW * p.inC;
        if (!pl.identity) { im2col(p, x, col.get(), img0, imgs, gi, k.s()); A = col.get(); }
        g(false, true, rows, coutG, pl.K, 1.f, A, pl.K, w + (size_t)gi * coutG * pl.K, pl.K, 0.f,
          y + (size_t)img0 * p.outH * p.outW * p.outC + gi * coutG, p.outC);
      }
    }
  }
  biasActKernel(y, rowsAll, p.outC, p.outC, bias, p.act, k.s());
}

void convBackwardData(const Call& k, ConvKind kind) {
  ConvP p = convParams(k, 3, kind);
  const float* dy = k.buf(0, "dy", p.yLen());
  const float* w = k.buf(1, "w", p.wLen());
  float* dx = k.buf(2, "dx", p.xLen());
  if (k.hostOnly()) return;
  Context& c = k.c;
  CtxGemm g(c);
  if (kind == DEPTHWISE) return dwBackwardData(p, dy, w, dx, k.s());
  if (kind == POINTWISE) return gemmLayerBackwardData(p.n * p.inH * p.inW, p.inC, p.outC, dy, w, dx, g);
  if (cudnnConv(c, BWD_DATA, p, dy, w, dx, k.op.c_str())) return;
  Im2colPlan pl = im2colPlan(p, MAX_COL_BYTES);
  Scratch dcol(c, pl.colFloats, k.op.c_str());
  const int coutG = p.outC / p.groups;
  for (int img0 = 0; img0 < p.n; img0 += pl.imgsPerChunk) {
    int imgs = std::min(pl.imgsPerChunk, p.n - img0);
    int rows = imgs * p.outH * p.outW;
    const float* dyc = dy + (size_t)img0 * p.outH * p.outW * p.outC;
    if (pl.identity) {
      g(false, false, rows, p.inC, p.outC, 1.f, dyc, p.outC, w, pl.K, 0.f, dx + (size_t)img0 * p.inH * p.inW * p.inC, p.inC);
      continue;
    }
    for (int gi = 0; gi < p.groups; gi++) {
      g(false, false, rows, pl.K, coutG, 1.f, dyc + gi * coutG, p.outC, w + (size_t)gi * coutG * pl.K, pl.K, 0.f,
        dcol.get(), pl.K);
      col2im(p, dcol.get(), dx, img0, imgs, gi, k.s());
    }
  }
}

void convBackwardFilter(const Call& k, ConvKind kind) {
  ConvP p = convParams(k, 4, kind);
  const float* x = k.buf(0, "x", p.xLen());
  const float* dy = k.buf(1, "dy", p.yLen());
  float* dw = k.buf(2, "dw", p.wLen());
  float* dbias = k.buf(3, "dbias", p.outC, true);
  if (k.hostOnly()) return;
  Context& c = k.c;
  CtxGemm g(c);
  const int rowsAll = p.n * p.outH * p.outW;
  Scratch red(c, dbias ? (size_t)colsumChunks(rowsAll) * p.outC : 0, k.op.c_str());
  if (kind == DEPTHWISE) dwBackwardFilter(p, x, dy, dw, k.s());
  else if (kind == POINTWISE) gemmLayerBackwardFilter(rowsAll, p.inC, p.outC, x, dy, dw, nullptr, nullptr, g, k.s());
  else if (!cudnnConv(c, BWD_FILTER, p, x, dy, dw, k.op.c_str())) {
    Im2colPlan pl = im2colPlan(p, MAX_COL_BYTES);
    Scratch col(c, pl.colFloats, k.op.c_str());
    const int coutG = p.outC / p.groups;
    for (int img0 = 0; img0 < p.n; img0 += pl.imgsPerChunk) {
      int imgs = std::min(pl.imgsPerChunk, p.n - img0);
      int rows = imgs * p.outH * p.outW;
      const float* dyc = dy + (size_t)img0 * p.outH * p.outW * p.outC;
      for (int gi = 0; gi < p.groups; gi++) {
        const float* B = x + (size_t)img0 * p.inH * p.inW * p.inC;
        if (!pl.identity) { im2col(p, x, col.get(), img0, imgs, gi, k.s()); B = col.get(); }
        // dw_g [coutG, K] (+)= dy_g^T [coutG, rows] . col [rows, K]; later chunks accumulate.
        g(true, false, coutG, pl.K, rows, 1.f, dyc + gi * coutG, p.outC, B, pl.K, img0 == 0 ? 0.f : 1.f,
          dw + (size_t)gi * coutG * pl.K, pl.K);
      }
    }
  }
  if (dbias) colsum(dy, rowsAll, p.outC, dbias, red.get(), k.s());
}

// ---- batch norm through cuDNN (spatial mode over an NHWC [rows, 1, 1, c] view) ------------------------------------
struct BnDescs {
  cudnnTensorDescriptor_t x = nullptr, p = nullptr;
  ~BnDescs() {
    if (x) cudnn().destroyTensor(x);
    if (p) cudnn().destroyTensor(p);
  }
};

/** Runs `which` (0 train, 1 inference, 2 train backward) through cuDNN; false to use the own kernels. The
 *  inference backward (frozen BN) has no cuDNN counterpart. */
bool cudnnBatchNorm(Context& c, int which, int rows, int ch, double eps, double momentum, float* const* b,
                    const char* op) {
  const CudnnApi& a = cudnn();
  if (!c.cudnnH || !c.cudnnBn || !a.bnFwdTrain || eps < CUDNN_BN_MIN_EPSILON || which > 2) return false;
  BnDescs D;
  checkCudnn(a.createTensor(&D.x), op);
  checkCudnn(a.setTensor4d(D.x, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, rows, ch, 1, 1), op);
  checkCudnn(a.createTensor(&D.p), op);
  checkCudnn(a.setTensor4d(D.p, CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, 1, ch, 1, 1), op);
  const float one = 1.f, zero = 0.f;
  cudnnStatus_t st;
  if (which == 0)  // x gamma beta y runMean runVar saveMean saveInvStd; cuDNN updates running var unbiased, as torch
    st = a.bnFwdTrain(c.cudnnH, CUDNN_BATCHNORM_SPATIAL, &one, &zero, D.x, b[0], D.x, b[3], D.p, b[1], b[2], momentum,
                      b[4], b[5], eps, b[6], b[7]);
  else if (which == 1)  // x gamma beta mean variance y
    st = a.bnFwdInference(c.cudnnH, CUDNN_BATCHNORM_SPATIAL, &one, &zero, D.x, b[0], D.x, b[5], D.p, b[1], b[2], b[3],
                          b[4], eps);
  else  // x dy gamma saveMean saveInvStd dx dgamma dbeta
    st = a.bnBwd(c.cudnnH, CUDNN_BATCHNORM_SPATIAL, &one, &zero, &one, &zero, D.x, b[0], D.x, b[1], D.x, b[5], D.p,
                 b[2], b[6], b[7], eps, b[3], b[4]);
  if (cudnnRefused(st)) {
    c.cudnnBn = false;  // this cuDNN build refuses NHWC fp32 batch norm: own kernels from now on
    return false;
  }
  checkCudnn(st, op);
  return true;
}

// ---- the rest of the contract ----------------------------------------------------------------------------------
void batchNorm(const Call& k, int which) {
  // 0 train, 1 inference, 2 train backward, 3 inference backward
  const size_t nIds[] = {8, 6, 8, 8};
  const size_t nFl[] = {2, 2, 0, 1};
  k.expect(2, nFl[which], nIds[which]);
  const int rows = k.pos(0, "rows"), c = k.pos(1, "c");
  const int64_t len = (int64_t)rows * c;
  const float eps = nFl[which] ? (float)k.fl[0] : 0.f;
  if (nFl[which] && !(eps > 0.f)) throw argError(k.op, "eps must be positive, got " + std::to_string(k.fl[0]));
  const char* names[4][8] = {{"x", "gamma", "beta", "y", "runningMean", "runningVar", "saveMean", "saveInvStd"},
                             {"x", "gamma", "beta", "mean", "variance", "y"},
                             {"x", "dy", "gamma", "saveMean", "saveInvStd", "dx", "dgamma", "dbeta"},
                             {"x", "dy", "gamma", "mean", "variance", "dx", "dgamma", "dbeta"}};
  const bool full[4][8] = {{1, 0, 0, 1}, {1, 0, 0, 0, 0, 1}, {1, 1, 0, 0, 0, 1}, {1, 1, 0, 0, 0, 1}};
  float* b[8];
  for (size_t i = 0; i < nIds[which]; i++) b[i] = k.buf(i, names[which][i], full[which][i] ? len : c);
  if (which == 0 && rows < 2)
    throw argError(k.op, "rows must be at least 2 for batch statistics (the unbiased running variance divides by rows - 1)");
  if (k.hostOnly()) return;
  // cuDNN's saved mean / inverse std are the contract's saveMean / saveInvStd (1/sqrt(var + eps)), so the
  // two paths mix freely; the backward reads eps only when no saved statistics are given (ours always are).
  const double bnEps = nFl[which] ? k.fl[0] : CUDNN_BN_MIN_EPSILON;
  if (cudnnBatchNorm(k.c, which, rows, c, bnEps, which == 0 ? k.fl[1] : 0.0, b, k.op.c_str()))
    return;
  const int chunks = colsumChunks(rows);
  if (which == 0) {
    Scratch sc(k.c, (size_t)(chunks + 2) * c, k.op.c_str());
    bnTrain(rows, c, eps, (float)k.fl[1], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], sc.get(), k.s());
  } else if (which == 1) {
    bnInference(rows, c, eps, b[0], b[1], b[2], b[3], b[4], b[5], k.s());
  } else if (which == 2) {
    Scratch sc(k.c, (size_t)chunks * c, k.op.c_str());
    bnTrainBackward(rows, c, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], sc.get(), k.s());
  } else {
    Scratch sc(k.c, (size_t)(chunks + 1) * c, k.op.c_str());
    bnInferenceBackward(rows, c, eps, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], sc.get(), k.s());
  }
}

void pool(const Call& k, bool isMax, bool backward) {
  size_t nIds = isMax && backward ? 3 : 2;
  k.expect(POOL_FIELDS, 0, nIds);
  PoolP p = decodePool(k.op, k.ints, k.ni);
  int64_t xl = (int64_t)p.n * p.inH * p.inW * p.c, yl = (int64_t)p.n * p.outH * p.outW * p.c;
  if (!backward) {
    const float* x = k.buf(0, "x", xl);
    float* y = k.buf(1, "y", yl);
    if (k.hostOnly()) return;
    isMax ? maxPoolForward(p, x, y, k.s()) : avgPoolForward(p, x, y, k.s());
  } else if (isMax) {
    const float* x = k.buf(0, "x", xl);
    const float* dy = k.buf(1, "dy", yl);
    float* dx = k.buf(2, "dx", xl);
    if (k.hostOnly()) return;
    maxPoolBackward(p, x, dy, dx, k.s());
  } else {
    const float* dy = k.buf(0, "dy", yl);
    float* dx = k.buf(1, "dx", xl);
    if (k.hostOnly()) return;
    avgPoolBackward(p, dy, dx, k.s());
  }
}

void globalPool(const Call& k, bool backward) {
  k.expect(3, 0, 2);
  int n = k.pos(0, "n"), hw = k.pos(1, "hw"), c = k.pos(2, "c");
  if (!backward) {
    const float* x = k.buf(0, "x", (int64_t)n * hw * c);
    float* y = k.buf(1, "y", (int64_t)n * c);
    if (!k.hostOnly()) globalPoolForward(n, hw, c, x, y, k.s());
  } else {
    const float* dy = k.buf(0, "dy", (int64_t)n * c);
    float* dx = k.buf(1, "dx", (int64_t)n * hw * c);
    if (!k.hostOnly()) globalPoolBackward(n, hw, c, dy, dx, k.s());
  }
}

void dense(const Call& k, int which) {
  k.expect(3, 0, which == 1 ? 3 : 4);
  int n = k.pos(0, "n"), inF = k.pos(1, "inF"), outF = k.pos(2, "outF");
  CtxGemm g(k.c);
  if (which == 0) {
    const float* x = k.buf(0, "x", (int64_t)n * inF);
    const float* w = k.buf(1, "w", (int64_t)outF * inF);
    const float* b = k.buf(2, "bias", outF, true);
    float* y = k.buf(3, "y", (int64_t)n * outF);
    if (!k.hostOnly()) denseForward(n, inF, outF, x, w, b, y, g, k.s());
  } else if (which == 1) {
    const float* dy = k.buf(0, "dy", (int64_t)n * outF);
    const float* w = k.buf(1, "w", (int64_t)outF * inF);
    float* dx = k.buf(2, "dx", (int64_t)n * inF);
    if (!k.hostOnly()) gemmLayerBackwardData(n, inF, outF, dy, w, dx, g);
  } else {
    const float* x = k.buf(0, "x", (int64_t)n * inF);
    const float* dy = k.buf(1, "dy", (int64_t)n * outF);
    float* dw = k.buf(2, "dw", (int64_t)outF * inF);
    float* db = k.buf(3, "dbias", outF, true);
    if (k.hostOnly()) return;
    Scratch sc(k.c, db ? (size_t)colsumChunks(n) * outF : 0, k.op.c_str());
    gemmLayerBackwardFilter(n, inF, outF, x, dy, dw, db, sc.get(), g, k.s());
  }
}

int64_t length0(const Call& k) {
  if (k.ints[0] < 0) throw argError(k.op, "length must be non-negative, got " + std::to_string(k.ints[0]));
  return k.ints[0];
}

void activation(const Call& k, bool backward) {
  k.expect(2, 0, backward ? 4 : 2);
  int act = k.ints[0];
  if (act < ACT_RELU || act > ACT_HARDSIGMOID) throw argError(k.op, "unknown activation code " + std::to_string(act));
  if (k.ints[1] < 0) throw argError(k.op, "length must be non-negative");
  int64_t len = k.ints[1];
  if (!backward) {
    const float* x = k.buf(0, "x", len);
    float* y = k.buf(1, "y", len);
    if (!k.hostOnly() && len) activationForward(act, len, x, y, k.s());
  } else {
    const float* x = k.buf(0, "x", len);
    const float* y = k.buf(1, "y", len);
    const float* dy = k.buf(2, "dy", len);
    float* dx = k.buf(3, "dx", len);
    if (!k.hostOnly() && len) activationBackward(act, len, x, y, dy, dx, k.s());
  }
}

void elementwise(const Call& k, const std::string& op) {
  if (op == "add" || op == "mul") {
    k.expect(1, 0, 3);
    int64_t len = length0(k);
    const float* a = k.buf(0, "a", len);
    const float* b = k.buf(1, "b", len);
    float* y = k.buf(2, "y", len);
    if (k.hostOnly() || !len) return;
    op == "add" ? addKernel(len, a, b, y, k.s()) : mulKernel(len, a, b, y, k.s());
  } else if (op == "axpy" || op == "scale") {
    k.expect(1, 1, 2);
    int64_t len = length0(k);
    const float* x = k.buf(0, "x", len);
    float* y = k.buf(1, "y", len);
    if (k.hostOnly() || !len) return;
    op == "axpy" ? axpyKernel(len, (float)k.fl[0], x, y, k.s()) : scaleKernel(len, (float)k.fl[0], x, y, k.s());
  } else {  // sumSquares
    k.expect(1, 0, 2);
    int64_t len = length0(k);
    const float* x = k.buf(0, "x", len);
    float* out = k.buf(1, "out", 1);
    if (k.hostOnly()) return;
    Scratch sc(k.c, SUMSQ_BLOCKS, "sumSquares");
    sumSquaresKernel(len, x, out, sc.get(), k.s());
  }
}

void channelScale(const Call& k, bool backward) {
  k.expect(3, 0, backward ? 5 : 3);
  int n = k.pos(0, "n"), hw = k.pos(1, "hw"), c = k.pos(2, "c");
  int64_t len = (int64_t)n * hw * c;
  const float* x = k.buf(0, "x", len);
  const float* s = k.buf(1, "s", (int64_t)n * c);
  if (!backward) {
    float* y = k.buf(2, "y", len);
    if (!k.hostOnly()) channelScaleForward(n, hw, c, x, s, y, k.s());
  } else {
    const float* dy = k.buf(2, "dy", len);
    float* dx = k.buf(3, "dx", len);
    float* ds = k.buf(4, "ds", (int64_t)n * c);
    if (!k.hostOnly()) channelScaleBackward(n, hw, c, x, s, dy, dx, ds, k.s());
  }
}

void concatSplit(const Call& k, bool split) {
  if (k.ni < 2 || k.nf != 0) throw argError(k.op, "expected [rows, count, channels...]");
  int rows = k.pos(0, "rows"), cnt = k.pos(1, "count");
  k.expect(2 + cnt, 0, cnt + 1);
  int64_t total = 0;
  for (int i = 0; i < cnt; i++) total += k.pos(2 + i, "channels[i]");
  float* whole = k.buf(split ? 0 : cnt, split ? "y" : "y", rows * total);
  std::vector<float*> parts(cnt);
  for (int i = 0; i < cnt; i++)
    parts[i] = k.buf(split ? i + 1 : i, split ? "outputs[i]" : "inputs[i]", (int64_t)rows * k.ints[2 + i]);
  if (k.hostOnly()) return;
  int offset = 0;
  for (int i = 0; i < cnt; i++) {
    int ci = k.ints[2 + i];
    if (split) splitPiece(rows, (int)total, offset, ci, whole, parts[i], k.s());
    else concatPiece(rows, (int)total, offset, ci, parts[i], whole, k.s());
    offset += ci;
  }
}

void dropout(const Call& k) {
  k.expect(2, 1, 1);
  int64_t len = length0(k);
  double rate = k.fl[0];
  if (!(rate >= 0 && rate < 1)) throw argError(k.op, "rate must be in [0, 1), got " + std::to_string(rate));
  float* mask = k.buf(0, "mask", len);
  if (k.hostOnly() || !len) return;
  // Same integer threshold and float-rounded scale as core/random.ts + a Float32Array store.
  uint32_t threshold = (uint32_t)std::floor(rate * 16777216.0);
  dropoutMaskKernel(len, threshold, (float)(1.0 / (1.0 - rate)), (uint32_t)k.ints[1], mask, k.s());
}

void softmaxXent(const Call& k, bool backward) {
  k.expect(2, backward ? 2 : 1, backward ? 3 : 4);
  int n = k.pos(0, "n"), classes = k.pos(1, "classes");
  float sm = (float)k.fl[0];
  if (!(sm >= 0.f && sm <= 1.f)) throw argError(k.op, "smoothing must be in [0, 1]");
  int64_t len = (int64_t)n * classes;
  if (!backward) {
    const float* z = k.buf(0, "logits", len);
    const float* lab = k.buf(1, "labels", n);
    float* pr = k.buf(2, "probs", len);
    float* loss = k.buf(3, "loss", n);
    if (!k.hostOnly()) softmaxXentForward(n, classes, sm, z, lab, pr, loss, k.s());
  } else {
    const float* pr = k.buf(0, "probs", len);
    const float* lab = k.buf(1, "labels", n);
    float* dl = k.buf(2, "dlogits", len);
    if (!k.hostOnly()) softmaxXentBackward(n, classes, sm, pr, lab, (float)k.fl[1], dl, k.s());
  }
}

void optimiser(const Call& k, bool adamw) {
  if (!adamw) {
    k.expect(2, 3, 3);
    int64_t len = length0(k);
    float* p = k.buf(0, "param", len);
    const float* g = k.buf(1, "grad", len);
    float* v = k.buf(2, "velocity", len);
    if (k.hostOnly() || !len) return;
    sgdKernel(len, (float)k.fl[0], (float)k.fl[1], (float)k.fl[2], k.ints[1] != 0, p, g, v, k.s());
  } else {
    k.expect(2, 5, 4);
    int64_t len = length0(k);
    int step = k.pos(1, "step");
    float* p = k.buf(0, "param", len);
    const float* g = k.buf(1, "grad", len);
    float* m = k.buf(2, "m", len);
    float* v = k.buf(3, "v", len);
    if (k.hostOnly() || !len) return;
    double b1 = k.fl[1], b2 = k.fl[2];
    adamwKernel(len, (float)k.fl[0], (float)b1, (float)b2, (float)k.fl[3], (float)k.fl[4],
                (float)(1.0 - std::pow(b1, step)), (float)(1.0 - std::pow(b2, step)), p, g, m, v, k.s());
  }
}

using Handler = std::function<void(const Call&)>;

const std::unordered_map<std::string, Handler>& handlers() {
  static const std::unordered_map<std::string, Handler> h = {
      {"conv2d", [](const Call& k) { convForward(k, GENERAL); }},
      {"conv2dBackwardData", [](const Call& k) { convBackwardData(k, GENERAL); }},
      {"conv2dBackwardFilter", [](const Call& k) { convBackwardFilter(k, GENERAL); }},
      {"dwconv2d", [](const Call& k) { convForward(k, DEPTHWISE); }},
      {"dwconv2dBackwardData", [](const Call& k) { convBackwardData(k, DEPTHWISE); }},
      {"dwconv2dBackwardFilter", [](const Call& k) { convBackwardFilter(k, DEPTHWISE); }},
      {"pwconv2d", [](const Call& k) { convForward(k, POINTWISE); }},
      {"pwconv2dBackwardData", [](const Call& k) { convBackwardData(k, POINTWISE); }},
      {"pwconv2dBackwardFilter", [](const Call& k) { convBackwardFilter(k, POINTWISE); }},
      {"batchNormTrain", [](const Call& k) { batchNorm(k, 0); }},
      {"batchNormInference", [](const Call& k) { batchNorm(k, 1); }},
      {"batchNormTrainBackward", [](const Call& k) { batchNorm(k, 2); }},
      {"batchNormInferenceBackward", [](const Call& k) { batchNorm(k, 3); }},
      {"maxPool2d", [](const Call& k) { pool(k, true, false); }},
      {"maxPool2dBackward", [](const Call& k) { pool(k, true, true); }},
      {"avgPool2d", [](const Call& k) { pool(k, false, false); }},
      {"avgPool2dBackward", [](const Call& k) { pool(k, false, true); }},
      {"globalAvgPool", [](const Call& k) { globalPool(k, false); }},
      {"globalAvgPoolBackward", [](const Call& k) { globalPool(k, true); }},
      {"dense", [](const Call& k) { dense(k, 0); }},
      {"denseBackwardData", [](const Call& k) { dense(k, 1); }},
      {"denseBackwardFilter", [](const Call& k) { dense(k, 2); }},
      {"activation", [](const Call& k) { activation(k, false); }},
      {"activationBackward", [](const Call& k) { activation(k, true); }},
      {"add", [](const Call& k) { elementwise(k, "add"); }},
      {"axpy", [](const Call& k) { elementwise(k, "axpy"); }},
      {"scale", [](const Call& k) { elementwise(k, "scale"); }},
      {"mul", [](const Call& k) { elementwise(k, "mul"); }},
      {"sumSquares", [](const Call& k) { elementwise(k, "sumSquares"); }},
      {"channelScale", [](const Call& k) { channelScale(k, false); }},
      {"channelScaleBackward", [](const Call& k) { channelScale(k, true); }},
      {"concat", [](const Call& k) { concatSplit(k, false); }},
      {"split", [](const Call& k) { concatSplit(k, true); }},
      {"dropoutMask", [](const Call& k) { dropout(k); }},
      {"softmaxCrossEntropy", [](const Call& k) { softmaxXent(k, false); }},
      {"softmaxCrossEntropyBackward", [](const Call& k) { softmaxXent(k, true); }},
      {"sgdUpdate", [](const Call& k) { optimiser(k, false); }},
      {"adamwUpdate", [](const Call& k) { optimiser(k, true); }},
  };
  return h;
}

}  // namespace

std::vector<std::string> kernelNames() {
  std::vector<std::string> out;
  for (auto& kv : handlers()) out.push_back(kv.first);
  return out;
}

void Context::run(const std::string& op, const int32_t* ints, size_t ni, const double* floats, size_t nf,
                  const int64_t* ids, size_t nids) {
  ensureLive(op.c_str());
  auto it = handlers().find(op);
  if (it == handlers().end()) throw argError(op, "unknown kernel");
  it->second(Call{*this, op, ints, ni, floats, nf, ids, nids});
  if (syncEachOp && !opts.hostOnly) synchronize(op.c_str());
}

}  // namespace cn
