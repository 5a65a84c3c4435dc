// General convolution (any groups, stride, dilation): cuDNN when it is loaded and accepts the shape,
// else im2col (chunked under MAX_COL_BYTES) + GEMM, and gathering col2im for the data gradient.
#include <algorithm>
#include "conv2d.h"
#include "kernel.h"
#include "lib/cudnn.h"
#include "lib/gemm.h"

namespace cn {

constexpr size_t MAX_COL_BYTES = size_t(256) << 20;

ConvP convRecord(const Call& k) { return checkConv(k.op, k.rec<abi::Conv2d>()); }

Im2colPlan im2colPlan(const ConvP& p, size_t maxColBytes) {
  Im2colPlan r;
  r.K = p.kH * p.kW * (p.inC / p.groups);
  r.identity = p.kH == 1 && p.kW == 1 && p.strideH == 1 && p.strideW == 1 && p.padTop == 0 && p.padLeft == 0 &&
               p.groups == 1 && p.outH == p.inH && p.outW == p.inW;
  int64_t perImage = (int64_t)p.outH * p.outW * r.K;
  int64_t imgs = (int64_t)(maxColBytes / sizeof(float)) / (perImage ? perImage : 1);
  if (imgs < 1) imgs = 1;
  if (imgs > p.n) imgs = p.n;
  r.imgsPerChunk = (int)imgs;
  r.colFloats = r.identity ? 0 : imgs * perImage;
  return r;
}

namespace conv2d {

void forward(const Call& k) {
  ConvP p = convRecord(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* w = k.buf(1, "w", p.wLen());
  const float* bias = k.buf(2, "bias", p.outC, true);
  float* y = k.buf(3, "y", p.yLen());
  Context& c = k.c;
  const int rowsAll = p.n * p.outH * p.outW;
  if (!cudnnConv(c, CONV_FWD, p, x, w, y, k.op)) {
    CtxGemm g(c, k.op);
    if (!g.runs()) return;
    Im2colPlan pl = im2colPlan(p, MAX_COL_BYTES);
    Scratch col(c, pl.colFloats, k.op.c_str());
    const int coutG = p.outC / p.groups;
    for (int img0 = 0; img0 < p.n; img0 += pl.imgsPerChunk) {
      int imgs = std::min(pl.imgsPerChunk, p.n - img0);
      int rows = imgs * p.outH * p.outW;
      for (int gi = 0; gi < p.groups; gi++) {
        const float* A = x + (size_t)img0 * p.inH * p.inW * p.inC;
        if (!pl.identity) {
          if (k.launch()) im2col(p, x, col.get(), img0, imgs, gi, k.s());
          A = col.get();
        }
        g(false, true, rows, coutG, pl.K, 1.f, A, pl.K, w + (size_t)gi * coutG * pl.K, pl.K, 0.f,
          y + (size_t)img0 * p.outH * p.outW * p.outC + gi * coutG, p.outC);
      }
    }
    k.ran(g.path());
  }
  if (k.launch()) biasActKernel(y, rowsAll, p.outC, p.outC, bias, p.act, k.s());
}

void backwardData(const Call& k) {
  ConvP p = convRecord(k);
  const float* dy = k.buf(0, "dy", p.yLen());
  const float* w = k.buf(1, "w", p.wLen());
  float* dx = k.buf(2, "dx", p.xLen());
  Context& c = k.c;
  if (cudnnConv(c, CONV_BWD_DATA, p, dy, w, dx, k.op)) return;
  CtxGemm g(c, k.op);
  if (!g.runs()) return;
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
      if (k.launch()) col2im(p, dcol.get(), dx, img0, imgs, gi, k.s());
    }
  }
  k.ran(g.path());
}

void backwardFilter(const Call& k) {
  ConvP p = convRecord(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* dy = k.buf(1, "dy", p.yLen());
  float* dw = k.buf(2, "dw", p.wLen());
  float* dbias = k.buf(3, "dbias", p.outC, true);
  Context& c = k.c;
  const int rowsAll = p.n * p.outH * p.outW;
  if (!cudnnConv(c, CONV_BWD_FILTER, p, x, dy, dw, k.op)) {
    CtxGemm g(c, k.op);
    if (!g.runs()) return;
    Im2colPlan pl = im2colPlan(p, MAX_COL_BYTES);
    Scratch col(c, pl.colFloats, k.op.c_str());
    const int coutG = p.outC / p.groups;
    for (int img0 = 0; img0 < p.n; img0 += pl.imgsPerChunk) {
      int imgs = std::min(pl.imgsPerChunk, p.n - img0);
      int rows = imgs * p.outH * p.outW;
      const float* dyc = dy + (size_t)img0 * p.outH * p.outW * p.outC;
      for (int gi = 0; gi < p.groups; gi++) {
        const float* B = x + (size_t)img0 * p.inH * p.inW * p.inC;
        if (!pl.identity) {
          if (k.launch()) im2col(p, x, col.get(), img0, imgs, gi, k.s());
          B = col.get();
        }
        // dw_g [coutG, K] (+)= dy_g^T [coutG, rows] . col [rows, K]; later chunks accumulate.
        g(true, false, coutG, pl.K, rows, 1.f, dyc + gi * coutG, p.outC, B, pl.K, img0 == 0 ? 0.f : 1.f,
          dw + (size_t)gi * coutG * pl.K, pl.K);
      }
    }
    k.ran(g.path());
  }
  if (dbias && k.launch()) {
    Scratch red(c, (size_t)colsumChunks(rowsAll) * p.outC, k.op.c_str());
    colsum(dy, rowsAll, p.outC, dbias, red.get(), k.s());
  }
}

}  // namespace conv2d
}  // namespace cn
