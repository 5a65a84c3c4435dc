// Depthwise convolution on the CPU (groups == inC, outC = inC * multiplier; semantics as
// src/ts/backends/js/dwconv2d.ts). The row micro-kernels (isa/dwconv2d.cpp) run multiplier 1 with
// channels in SIMD registers over a filter repacked to [kH][kW][C]; a multiplier m > 1 runs the same
// kernels on x with each channel repeated m times (output channel c*m + j reads input channel c),
// which costs m copies of x in scratch but no second set of kernels.
// Parallel over rows (image, output row; or input row for the data gradient). The filter gradient adds
// per-chunk partials in chunk order; chunk boundaries depend on the shape only, so the result is the
// same at any thread count.
#include <algorithm>
#include "activation.h"
#include "kernel.h"

namespace cn {
namespace cpu {
namespace dwconv2d {

namespace {

constexpr int64_t WORK_GRAIN = 1 << 15;  // multiply-adds per parallel chunk, at least
constexpr int64_t MAX_FILTER_CHUNKS = 64;

ConvP depthwise(const Call& k) { return requireDepthwise(k.op, convRecord(k)); }

DwShape shape(const ConvP& p) {
  return DwShape{p.inH, p.inW, p.outC, p.outH, p.outW, p.kH, p.kW, p.strideH, p.strideW, p.padTop, p.padLeft,
                 p.dilH, p.dilW};
}

int64_t taps(const ConvP& p) { return (int64_t)p.kH * p.kW; }
int64_t grainRows(int64_t macsPerRow) { return std::max<int64_t>(1, WORK_GRAIN / std::max<int64_t>(1, macsPerRow)); }

/** OHWI [outC][kH][kW][1] -> [kH*kW][outC]. */
void repack(const ConvP& p, const float* w, float* wp) {
  const int64_t t = taps(p);
  for (int64_t oc = 0; oc < p.outC; oc++)
    for (int64_t i = 0; i < t; i++) wp[i * p.outC + oc] = w[oc * t + i];
}

/** x with each channel repeated m times: [pixels][inC] -> [pixels][inC*m]. */
void expand(const Call& k, const ConvP& p, const float* x, float* xe) {
  const int64_t pix = (int64_t)p.n * p.inH * p.inW, m = p.outC / p.inC;
  k.pool().parallelFor(pix, grainRows(p.outC), [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++)
      for (int64_t c = 0; c < p.inC; c++)
        for (int64_t j = 0; j < m; j++) xe[i * p.outC + c * m + j] = x[i * p.inC + c];
  });
}

}  // namespace

void forward(const Call& k) {
  ConvP p = depthwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* w = k.buf(1, "w", p.wLen());
  const float* bias = k.buf(2, "bias", p.outC, true);
  float* y = k.buf(3, "y", p.yLen());
  const bool mult = p.outC != p.inC;
  Scratch wp(k.c, (size_t)(taps(p) * p.outC), k.op.c_str());
  Scratch xe(k.c, mult ? (size_t)((int64_t)p.n * p.inH * p.inW * p.outC) : 0, k.op.c_str());
  repack(p, w, wp.get());
  if (mult) expand(k, p, x, xe.get());
  const float* xs = mult ? xe.get() : x;
  const DwShape s = shape(p);
  const DwUk* uk = k.isa().dw;
  const int64_t img = (int64_t)p.inH * p.inW * p.outC, row = (int64_t)p.outW * p.outC;
  k.pool().parallelFor((int64_t)p.n * p.outH, grainRows(row * taps(p)), [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; r++) {
      float* yr = y + r * row;
      uk->forwardRow(&s, xs + (r / p.outH) * img, wp.get(), bias, r % p.outH, yr);
      activation::applyInPlace(p.act, yr, row);
    }
  });
}

void backwardData(const Call& k) {
  ConvP p = depthwise(k);
  const float* dy = k.buf(0, "dy", p.yLen());
  const float* w = k.buf(1, "w", p.wLen());
  float* dx = k.buf(2, "dx", p.xLen());
  const int64_t m = p.outC / p.inC;
  Scratch wp(k.c, (size_t)(taps(p) * p.outC), k.op.c_str());
  // Multiplier m: the gradient of the repeated x, then the m copies of each channel summed.
  Scratch dxe(k.c, m > 1 ? (size_t)((int64_t)p.n * p.inH * p.inW * p.outC) : 0, k.op.c_str());
  repack(p, w, wp.get());
  float* d = m > 1 ? dxe.get() : dx;
  const DwShape s = shape(p);
  const DwUk* uk = k.isa().dw;
  const int64_t img = (int64_t)p.outH * p.outW * p.outC, row = (int64_t)p.inW * p.outC;
  k.pool().parallelFor((int64_t)p.n * p.inH, grainRows(row * taps(p)), [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; r++) uk->backwardDataRow(&s, dy + (r / p.inH) * img, wp.get(), r % p.inH, d + r * row);
  });
  if (m > 1) {
    const int64_t pix = (int64_t)p.n * p.inH * p.inW;
    k.pool().parallelFor(pix, grainRows(p.outC), [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; i++)
        for (int64_t c = 0; c < p.inC; c++) {
          const float* src = d + i * p.outC + c * m;
          float acc = 0.f;
          for (int64_t j = 0; j < m; j++) acc += src[j];
          dx[i * p.inC + c] = acc;
        }
    });
  }
}

void backwardFilter(const Call& k) {
  ConvP p = depthwise(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* dy = k.buf(1, "dy", p.yLen());
  float* dw = k.buf(2, "dw", p.wLen());
  float* dbias = k.buf(3, "dbias", p.outC, true);
  const bool mult = p.outC != p.inC;
  Scratch xe(k.c, mult ? (size_t)((int64_t)p.n * p.inH * p.inW * p.outC) : 0, k.op.c_str());
  if (mult) expand(k, p, x, xe.get());
  const float* xs = mult ? xe.get() : x;
  const int64_t C = p.outC, t = taps(p), rows = (int64_t)p.n * p.outH, row = (int64_t)p.outW * C;
  // Tasks: (chunk of output rows, group of channels). Chunks come from the shape alone and their
  // partial dw [t][C] (+ dbias [C]) are added in order; channel groups write disjoint parts of a
  // partial, so how many there are (only when too few chunks would keep the threads busy: whole rows
  // stream through memory better) does not change the result.
  // (At least 4t / outW rows a chunk: the partials stay a fraction of dy's size.)
  const int64_t perChunk = std::max({(rows + MAX_FILTER_CHUNKS - 1) / MAX_FILTER_CHUNKS, grainRows(row * t),
                                     (4 * t + p.outW - 1) / p.outW});
  const int64_t chunks = (rows + perChunk - 1) / perChunk, part = t * C + (dbias ? C : 0);
  const int64_t threads = k.c.threads();
  int64_t width = C;
  if (threads > 1 && chunks < 2 * threads) {
    const int64_t want = std::min((C + 15) / 16, (4 * threads + chunks - 1) / chunks);
    width = ((C + want - 1) / want + 15) / 16 * 16;  // a multiple of every vector length
  }
  const int64_t groups = (C + width - 1) / width;
  Scratch partials(k.c, (size_t)(chunks * part), k.op.c_str());
  const DwShape s = shape(p);
  const DwUk* uk = k.isa().dw;
  float* pp = partials.get();
  k.pool().parallelFor(chunks * groups, 1, [&](int64_t b, int64_t e, int) {
    for (int64_t task = b; task < e; task++) {
      const int64_t ch = task / groups, c0 = (task % groups) * width, c1 = std::min(C, c0 + width);
      float* acc = pp + ch * part;
      for (int64_t i = 0; i < part / C; i++) std::fill(acc + i * C + c0, acc + i * C + c1, 0.f);
      uk->backwardFilterRows(&s, xs, dy, ch * perChunk, std::min(rows, (ch + 1) * perChunk), c0, c1, acc,
                             dbias ? acc + t * C : nullptr);
    }
  });
  // Partials added into chunk 0's in chunk order (vectorised over elements), then transposed back to
  // OHWI ([C][t]) and dbias.
  k.pool().parallelFor(part, 4096, [&](int64_t b, int64_t e, int) {
    for (int64_t ch = 1; ch < chunks; ch++) {
      const float* q = pp + ch * part;
      for (int64_t i = b; i < e; i++) pp[i] += q[i];
    }
  });
  for (int64_t oc = 0; oc < C; oc++)
    for (int64_t i = 0; i < t; i++) dw[oc * t + i] = pp[i * C + oc];
  if (dbias) std::copy(pp + t * C, pp + t * C + C, dbias);
}

}  // namespace dwconv2d
}  // namespace cpu
}  // namespace cn
