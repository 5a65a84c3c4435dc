// conv2d on the CPU (as src/ts/backends/js/conv2d.ts: NHWC x, OHWI w, any groups, stride, dilation,
// asymmetric padding), every pass an implicit GEMM per group on the packed-panel driver (gemm.h):
//   forward         y_g [P, cog]  = im2col(x)_g [P, taps*cig] . w_g^T           (+ bias, activation)
//   backwardData   dx_g [Px, cig] = gather(dy)_g [Px, taps*cog] . w_g as [(tap, co), ci]
//   backwardFilter dw_g [cog, taps*cig] = dy_g^T [cog, P] . im2col(x)_g       (split-K over P)
// The window gathers happen inside the packers, straight from NHWC memory (zeros for padding): no
// column buffer. backwardData reads, for every input pixel and tap, the output pixel that tap came
// from (zeros where none did): a deterministic gather that overwrites dx.
#include <algorithm>
#include <cstring>
#include <vector>
#include "gemm.h"

namespace cn {
namespace cpu {
namespace conv2d {
namespace {

constexpr int64_t MAX_COL_FLOATS = int64_t(1) << 20;  // backwardDataCols' column chunk (4 MiB; at least one image)

struct Geo {
  ConvP p;
  int64_t cig, cog, taps;
  std::vector<int64_t> dh, dw;  // per tap t = kh*kW + kw: kh*dilH, kw*dilW
  bool merge;  // groups 1, dilationW 1: a kernel row's taps read one contiguous run of x (im2col copies it at once)
  explicit Geo(const ConvP& q)
      : p(q), cig(q.inC / q.groups), cog(q.outC / q.groups), taps((int64_t)q.kH * q.kW),
        merge(q.groups == 1 && q.dilW == 1) {
    for (int64_t t = 0; t < taps; t++) {
      dh.push_back((t / p.kW) * p.dilH);
      dw.push_back((t % p.kW) * p.dilW);
    }
  }
};

inline void copyOrZero(float* d, const float* s, int64_t n) {
  if (s) std::memcpy(d, s, sizeof(float) * n);
  else std::memset(d, 0, sizeof(float) * n);
}

/** Output pixel index -> (b, oh, ow), stepped one pixel at a time. */
struct PixelIter {
  int64_t b, h, w, H, W;
  PixelIter(int64_t i, int64_t H_, int64_t W_) : H(H_), W(W_) {
    b = i / (H * W);
    const int64_t r = i % (H * W);
    h = r / W;
    w = r % W;
  }
  void next() {
    if (++w == W) {
      w = 0;
      if (++h == H) h = 0, b++;
    }
  }
};

/** One run of an im2col row: from tap t (kernel column kw), channel ci, at most `room` floats; the
 *  source (null: zeros) and its length. With G.merge, a kernel row's taps that stay inside x are one
 *  contiguous run. Returns how many taps the run completes (0: it ends inside tap t). */
struct Run {
  const float* src;
  int64_t len, taps;
};
inline Run im2colRun(const Geo& G, const float* xb, int64_t ihB, int64_t iwB, int64_t t, int64_t kw, int64_t ci,
                     int64_t room) {
  const ConvP& p = G.p;
  const int64_t ih = ihB + G.dh[t], iw = iwB + G.dw[t];
  const bool in = ih >= 0 && ih < p.inH && iw >= 0 && iw < p.inW;
  int64_t taps = 1;
  if (in && G.merge) taps = std::min<int64_t>(p.kW - kw, p.inW - iw);
  int64_t len = taps * G.cig - ci;
  if (len > room) len = room, taps = (ci + len) / G.cig;  // ends at the block's edge
  return {in ? xb + (ih * p.inW + iw) * p.inC + ci : nullptr, len, taps};
}

/** Steps (t, kw, ci) past a run. */
inline void advance(const Geo& G, const Run& r, int64_t& t, int64_t& kw, int64_t& ci) {
  if (r.taps == 0) {
    ci += r.len;
    return;
  }
  const int64_t endCi = (ci + r.len) - r.taps * G.cig;  // 0 unless the run stopped inside a tap
  t += r.taps, kw += r.taps, ci = endCi;
  while (kw >= G.p.kW) kw -= G.p.kW;
}

/** im2col rows (output pixels) x columns (tap, ci) of group g, row-major into dst. */
gemm::PackA packIm2colRows(const Geo& G, const float* x, int64_t g) {
  return [&G, x, g](int64_t i0, int64_t rows, int64_t k0, int64_t kc, float* dst, int64_t ld) {
    const ConvP& p = G.p;
    PixelIter it(i0, p.outH, p.outW);
    const int64_t t0 = k0 / G.cig, c0 = k0 % G.cig, kw0 = t0 % p.kW;
    for (int64_t r = 0; r < rows; r++, it.next()) {
      float* d = dst + r * ld;
      const int64_t ihB = it.h * p.strideH - p.padTop, iwB = it.w * p.strideW - p.padLeft;
      const float* xb = x + it.b * p.inH * p.inW * p.inC + g * G.cig;
      int64_t t = t0, kw = kw0, ci = c0, done = 0;
      while (done < kc) {
        const Run run = im2colRun(G, xb, ihB, iwB, t, kw, ci, kc - done);
        copyOrZero(d + done, run.src, run.len);
        done += run.len;
        advance(G, run, t, kw, ci);
      }
    }
  };
}

/** im2col as B: rows = output pixels (the GEMM's K), columns (tap, ci) of group g, into nr panels. */
gemm::PackB packIm2colPanels(const Geo& G, const float* x, int64_t g) {
  return [&G, x, g](int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, float* dst) {
    const ConvP& p = G.p;
    PixelIter it(k0, p.outH, p.outW);
    const int64_t t0 = j0 / G.cig, c0 = j0 % G.cig, kw0 = t0 % p.kW, tail = cols % nr;
    float* last = dst + (cols / nr) * kc * nr;
    for (int64_t kk = 0; kk < kc; kk++, it.next()) {
      const int64_t ihB = it.h * p.strideH - p.padTop, iwB = it.w * p.strideW - p.padLeft;
      const float* xb = x + it.b * p.inH * p.inW * p.inC + g * G.cig;
      int64_t t = t0, kw = kw0, ci = c0, j = 0, q = 0, jj = 0;
      while (j < cols) {
        const Run run = im2colRun(G, xb, ihB, iwB, t, kw, ci, cols - j);
        for (int64_t done = 0; done < run.len;) {  // the run across panels
          const int64_t piece = std::min(nr - jj, run.len - done);
          copyOrZero(dst + q * kc * nr + kk * nr + jj, run.src ? run.src + done : nullptr, piece);
          done += piece, jj += piece;
          if (jj == nr) jj = 0, q++;
        }
        j += run.len;
        advance(G, run, t, kw, ci);
      }
      if (tail)
        for (int64_t z = tail; z < nr; z++) last[kk * nr + z] = 0.f;
    }
  };
}

alignas(64) const float ZEROS[64] = {};

/** im2col as B by row pointers (backwardFilter): each nr-column panel lies inside one tap when cig is
 *  a multiple of nr, so its row for pixel p is nr contiguous floats of x (or padding: zeros). */
gemm::RowsB rowsIm2col(const Geo& G, const float* x, int64_t g) {
  return [&G, x, g](int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, const float** rows) {
    if (G.cig % nr || nr > 64) return false;
    const ConvP& p = G.p;
    const int64_t panels = cols / nr, t0 = j0 / G.cig;
    PixelIter it(k0, p.outH, p.outW);
    for (int64_t kk = 0; kk < kc; kk++, it.next()) {
      const int64_t ihB = it.h * p.strideH - p.padTop, iwB = it.w * p.strideW - p.padLeft;
      const float* xb = x + it.b * p.inH * p.inW * p.inC + g * G.cig;
      int64_t t = t0, ci = j0 % G.cig;
      const float* base = nullptr;
      for (int64_t q = 0; q < panels; q++) {
        if (q == 0 || ci == 0) {  // a new tap
          const int64_t ih = ihB + G.dh[t], iw = iwB + G.dw[t];
          base = ih >= 0 && ih < p.inH && iw >= 0 && iw < p.inW ? xb + (ih * p.inW + iw) * p.inC : nullptr;
        }
        rows[q * kc + kk] = base ? base + ci : ZEROS;
        ci += nr;
        if (ci == G.cig) ci = 0, t++;
      }
    }
    return true;
  };
}

/** backwardData's A: rows = input pixels, columns (tap, co): dy at the output pixel that tap of that
 *  input pixel came from, or zero. */
gemm::PackA packDyGather(const Geo& G, const float* dy, int64_t g) {
  return [&G, dy, g](int64_t i0, int64_t rows, int64_t k0, int64_t kc, float* dst, int64_t ld) {
    const ConvP& p = G.p;
    PixelIter it(i0, p.inH, p.inW);
    const int64_t t0 = k0 / G.cog, c0 = k0 % G.cog;
    for (int64_t r = 0; r < rows; r++, it.next()) {
      float* d = dst + r * ld;
      const int64_t ohN = it.h + p.padTop, owN = it.w + p.padLeft;
      const float* db = dy + it.b * p.outH * p.outW * p.outC + g * G.cog;
      int64_t t = t0, co = c0, done = 0;
      while (done < kc) {
        const int64_t len = std::min(G.cog - co, kc - done);
        const int64_t nh = ohN - G.dh[t], nw = owN - G.dw[t];
        const float* s = nullptr;
        if (nh >= 0 && nw >= 0 && nh % p.strideH == 0 && nw % p.strideW == 0) {
          const int64_t oh = nh / p.strideH, ow = nw / p.strideW;
          if (oh < p.outH && ow < p.outW) s = db + (oh * p.outW + ow) * p.outC + co;
        }
        copyOrZero(d + done, s, len);
        done += len, co = 0, t++;
      }
    }
  };
}

/** backwardData's B: rows (tap, co), columns ci: w[g*cog + co, tap, ci]. */
gemm::PackB packWeightRows(const Geo& G, const float* w, int64_t g) {
  return [&G, w, g](int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, float* dst) {
    int64_t t = k0 / G.cog, co = k0 % G.cog;
    for (int64_t kk = 0; kk < kc; kk++) {  // each weight row's run read once, dealt to the panels
      const float* s = w + ((g * G.cog + co) * G.taps + t) * G.cig + j0;
      for (int64_t q = 0; q * nr < cols; q++) {
        const int64_t width = std::min<int64_t>(nr, cols - q * nr);
        float* d = dst + q * kc * nr + kk * nr;
        std::memcpy(d, s + q * nr, sizeof(float) * width);
        if (width < nr) std::memset(d + width, 0, sizeof(float) * (nr - width));
      }
      if (++co == G.cog) co = 0, t++;
    }
  };
}

/** backwardData's B by row pointers: row (tap, co) of the panel at ci = j0 + q*nr is w[g*cog + co, tap, ci..]
 *  (contiguous), so nothing is copied. */
gemm::RowsB rowsWeights(const Geo& G, const float* w, int64_t g) {
  return [&G, w, g](int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, const float** rows) {
    const int64_t panels = cols / nr;
    int64_t t = k0 / G.cog, co = k0 % G.cog;
    for (int64_t kk = 0; kk < kc; kk++) {
      const float* s = w + ((g * G.cog + co) * G.taps + t) * G.cig + j0;
      for (int64_t q = 0; q < panels; q++) rows[q * kc + kk] = s + q * nr;
      if (++co == G.cog) co = 0, t++;
    }
    return true;
  };
}

bool isPointwise(const ConvP& p) {
  return p.kH == 1 && p.kW == 1 && p.strideH == 1 && p.strideW == 1 && !p.padTop && !p.padLeft && p.groups == 1 &&
         p.outH == p.inH && p.outW == p.inW;
}

}  // namespace

void forward(const Call& k) {
  ConvP p = convRecord(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* w = k.buf(1, "w", p.wLen());
  const float* bias = k.buf(2, "bias", p.outC, true);
  float* y = k.buf(3, "y", p.yLen());
  const Geo G(p);
  const int64_t K = G.taps * G.cig;
  for (int64_t g = 0; g < p.groups; g++) {
    gemm::Problem q;
    q.M = (int64_t)p.n * p.outH * p.outW, q.N = G.cog, q.K = K;
    if (isPointwise(p)) q.a = x, q.lda = p.inC;
    else q.packA = packIm2colRows(G, x, g);
    q.packB = gemm::packBTransposed(k, w + g * G.cog * K, K);
    q.c = y + g * G.cog, q.ldc = p.outC;
    q.bias = bias ? bias + g * G.cog : nullptr, q.act = p.act;
    gemm::run(k, q);
  }
}

/** backwardData through columns, for strided or few-channel convolutions (where the gather GEMM
 *  would mostly multiply zeros or padding): per chunk of images, dcol [P, taps*cig] = dy_g . w_g, then
 *  each dx pixel sums the column entries of the taps that read it, in tap order (no scatter). */
struct TapFrom {
  int64_t k, o;  // kernel index, output index
};
using Taps = std::vector<TapFrom>;

void backwardDataCols(const Call& k, const Geo& G, const float* dy, const float* w, float* dx) {
  const ConvP& p = G.p;
  const int64_t K = G.taps * G.cig, perImage = (int64_t)p.outH * p.outW * K;
  const int64_t imgs = std::max<int64_t>(1, std::min<int64_t>(p.n, MAX_COL_FLOATS / perImage));
  Scratch col(k.c, (size_t)(imgs * perImage), k.op.c_str());
  // Per input row (column): the kernel rows (columns) that read it and the output row (column) each
  // came from, ascending: the gather's fixed order.
  std::vector<Taps> rowTaps(p.inH), colTaps(p.inW);
  auto build = [](std::vector<Taps>& v, int64_t in, int64_t pad, int64_t kn, int64_t dil, int64_t stride, int64_t out) {
    for (int64_t i = 0; i < in; i++)
      for (int64_t kk = 0; kk < kn; kk++) {
        const int64_t num = i + pad - kk * dil;
        if (num >= 0 && num % stride == 0 && num / stride < out) v[i].push_back({kk, num / stride});
      }
  };
  build(rowTaps, p.inH, p.padTop, p.kH, p.dilH, p.strideH, p.outH);
  build(colTaps, p.inW, p.padLeft, p.kW, p.dilW, p.strideW, p.outW);
  for (int64_t b0 = 0; b0 < p.n; b0 += imgs) {
    const int64_t nb = std::min<int64_t>(imgs, p.n - b0);
    for (int64_t g = 0; g < p.groups; g++) {
      gemm::Problem q;
      q.M = nb * p.outH * p.outW, q.N = K, q.K = G.cog;
      q.a = dy + b0 * p.outH * p.outW * p.outC + g * G.cog, q.lda = p.outC;
      q.b = w + g * G.cog * K, q.ldb = K;
      q.c = col.get(), q.ldc = K;
      gemm::run(k, q);
      const float* cl = col.get();
      k.pool().parallelFor(nb * p.inH, 1, [&](int64_t s, int64_t e, int) {
        for (int64_t row = s; row < e; row++) {
          const int64_t bl = row / p.inH, ih = row % p.inH;
          const Taps& th = rowTaps[ih];
          for (int64_t iw = 0; iw < p.inW; iw++) {
            const Taps& tw = colTaps[iw];
            float* d = dx + (((b0 + bl) * p.inH + ih) * p.inW + iw) * p.inC + g * G.cig;
            for (int64_t ci = 0; ci < G.cig; ci++) d[ci] = 0.f;
            for (size_t a = 0; a < th.size(); a++)
              for (size_t b = 0; b < tw.size(); b++) {
                const int64_t t = th[a].k * p.kW + tw[b].k;
                const float* c = cl + ((bl * p.outH + th[a].o) * p.outW + tw[b].o) * K + t * G.cig;
                for (int64_t ci = 0; ci < G.cig; ci++) d[ci] += c[ci];
              }
          }
        }
      });
    }
  }
}

void backwardData(const Call& k) {
  ConvP p = convRecord(k);
  const float* dy = k.buf(0, "dy", p.yLen());
  const float* w = k.buf(1, "w", p.wLen());
  float* dx = k.buf(2, "dx", p.xLen());
  const Geo G(p);
  const GemmUk& uk = *k.isa().gemm;
  const int minNr = uk.narrow ? uk.narrow->nr : uk.nr;  // the gather GEMM needs a channel run of one tile width
  if (p.strideH > 1 || p.strideW > 1 || G.cig < minNr) return backwardDataCols(k, G, dy, w, dx);
  for (int64_t g = 0; g < p.groups; g++) {
    gemm::Problem q;
    q.M = (int64_t)p.n * p.inH * p.inW, q.N = G.cig, q.K = G.taps * G.cog;
    if (isPointwise(p)) q.a = dy, q.lda = p.outC;
    else q.packA = packDyGather(G, dy, g);
    q.packB = packWeightRows(G, w, g);
    q.rowsB = rowsWeights(G, w, g);
    q.c = dx + g * G.cig, q.ldc = p.inC;
    gemm::run(k, q);
  }
}

void backwardFilter(const Call& k) {
  ConvP p = convRecord(k);
  const float* x = k.buf(0, "x", p.xLen());
  const float* dy = k.buf(1, "dy", p.yLen());
  float* dw = k.buf(2, "dw", p.wLen());
  float* dbias = k.buf(3, "dbias", p.outC, true);
  const Geo G(p);
  const int64_t K = G.taps * G.cig, P = (int64_t)p.n * p.outH * p.outW;
  if (isPointwise(p)) return gemm::layerBackwardFilter(k, P, p.inC, p.outC, x, dy, dw, dbias);
  for (int64_t g = 0; g < p.groups; g++) {
    gemm::Problem q;
    q.M = G.cog, q.N = K, q.K = P;
    q.packA = gemm::packATransposed(k, dy + g * G.cog, p.outC);
    q.packB = packIm2colPanels(G, x, g);
    q.rowsB = rowsIm2col(G, x, g);
    q.c = dw + g * G.cog * K, q.ldc = K;
    gemm::run(k, q);
  }
  if (dbias) gemm::columnSums(k, dy, P, p.outC, p.outC, dbias);
}

}  // namespace conv2d
}  // namespace cpu
}  // namespace cn
