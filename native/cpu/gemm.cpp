// Packed-panel GEMM driver (BLIS-like). Per task: one (MC x NC) block of C over one range of K, walked
// in KC steps: pack A's MC x KC block (row-major, or read in place), take B's KC x NC block (packed
// once per call when many row blocks share it, else packed by the task), then for each NR panel of B
// (stays in L1) run the register tile down the MC rows (A block stays in L2).
//
// Thread-count independence: the blocking depends on the shape only where it changes arithmetic (KC,
// split-K chunk boundaries); MC/NC blocks may shrink with more threads, which only moves work around.
#include "gemm.h"
#include <algorithm>
#include <cstring>
#include <vector>
#include "activation.h"

namespace cn {
namespace cpu {
namespace gemm {
namespace {

constexpr int64_t KC_BYTES = 16384;   // B micro-panel KC x NR: 16 KiB (L1 is 32 KiB): KC 256 at NR 16, 128 at NR 32
constexpr int64_t MC_TARGET = 120;    // A block MC x KC: ~120 KiB (L2)
constexpr int64_t NC_MAX = 512;       // B block packed by a task: KC x 512 = 512 KiB
constexpr int64_t KCHUNK = 2048;      // split-K chunk (a multiple of every KC)
constexpr int64_t SPLIT_MIN_K = 4096; // split K when it is at least this long ...
constexpr int64_t SPLIT_MAX_TILES = 8;  // ... and C has at most this many default blocks
constexpr int64_t MAX_PARTIAL_FLOATS = int64_t(64) << 20;
constexpr int64_t MAX_PREPACK_FLOATS = int64_t(128) << 20;
constexpr int64_t DOT_MAX_M = 8;     // rows up to which A . B^T runs as dot products
constexpr int64_t ROWS_MAX_M = 4;    // rows up to which A . B (B in place) runs one row at a time

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t a, int64_t b) { return cdiv(a, b) * b; }

struct Plan {
  int mr = 0, nr = 0;
  int64_t kc = 0;  // K step (per ISA: KC_BYTES / (4 nr))
  int64_t mc = 0, nc = 0, mBlocks = 0, nBlocks = 0;
  int64_t chunk = 0, chunks = 1;  // K ranges computed separately (split-K when chunks > 1)
  const float* packedB = nullptr; // whole B packed (KC blocks of NR panels), or null: tasks pack
  int64_t nPad = 0;
};

/** The tile's fused clamp for an activation (1 ReLU, 2 ReLU6), or 0: applied after the tile. */
int clampCode(int act) { return act == abi::ACTIVATION_RELU ? 1 : act == abi::ACTIVATION_RELU6 ? 2 : 0; }

void epilogue(float* c, int64_t ldc, int64_t rows, int64_t cols, const float* bias, int act) {
  for (int64_t r = 0; r < rows; r++) {
    float* row = c + r * ldc;
    if (bias)
      for (int64_t j = 0; j < cols; j++) row[j] += bias[j];
    if (act) activation::applyInPlace(act, row, cols);
  }
}

/** C blocks (mb, nb0..nb1-1) over K chunk ch into cbase (ld ldc); acc0: add to what is there. A's block
 *  is packed once per KC step and used for every N block of the range. */
void block(const Problem& p, const Plan& pl, const GemmUk& uk, int64_t mb, int64_t nb0, int64_t nb1, int64_t ch,
           float* cbase, int64_t ldc, bool acc0, bool epi, float* ws) {
  const int mr = pl.mr, nr = pl.nr;
  const int64_t KC = pl.kc;
  const int64_t i0 = mb * pl.mc, mrows = std::min(pl.mc, p.M - i0);
  const int64_t kBeg = ch * pl.chunk, kEnd = std::min(p.K, kBeg + pl.chunk);
  const int64_t mPad = roundUp(mrows, mr);
  float* abuf = ws;                              // mc (padded) x KC
  float* bbuf = abuf + roundUp(pl.mc, mr) * KC;  // nc (padded) x KC
  float* edge = bbuf + roundUp(pl.nc, nr) * KC;  // mr x KC: the short last row panel of an in-place A
  const float** rowPtrs = reinterpret_cast<const float**>(edge + mr * KC);  // B row pointers: nc/nr x KC
  for (int64_t k0 = kBeg; k0 < kEnd; k0 += KC) {
    const int64_t kc = std::min(KC, kEnd - k0);
    const float* A;
    int64_t lda;
    const float* aEdge = nullptr;
    if (p.packA) {
      p.packA(i0, mrows, k0, kc, abuf, kc);
      if (mPad > mrows) std::memset(abuf + mrows * kc, 0, sizeof(float) * (mPad - mrows) * kc);
      A = abuf;
      lda = kc;
    } else {
      A = p.a + i0 * p.lda + k0;
      lda = p.lda;
      if (mPad > mrows) {  // copy the short panel so the tile may read all mr rows
        const int64_t r0 = mrows / mr * mr;
        for (int64_t r = 0; r < mr; r++) {
          if (r0 + r < mrows) std::memcpy(edge + r * kc, A + (r0 + r) * lda, sizeof(float) * kc);
          else std::memset(edge + r * kc, 0, sizeof(float) * kc);
        }
        aEdge = edge;
      }
    }
    const int acc = acc0 || k0 > kBeg;
    const bool last = k0 + kc >= kEnd;
    for (int64_t nb = nb0; nb < nb1; nb++) {
    const int64_t j0 = nb * pl.nc, ncols = std::min(pl.nc, p.N - j0), panels = cdiv(ncols, nr);
    const float* B = nullptr;
    const float** brows = nullptr;
    if (!pl.packedB && p.rowsB && ncols % nr == 0 && p.rowsB(k0, kc, j0, ncols, nr, rowPtrs)) {
      brows = rowPtrs;
    } else if (pl.packedB) {
      B = pl.packedB + k0 * pl.nPad + (j0 / nr) * kc * nr;
    } else if (p.packB) {
      p.packB(k0, kc, j0, ncols, nr, bbuf);
      B = bbuf;
    } else if (ncols % nr) {  // B in place: only its short last panel is copied (zero-padded)
      const int64_t w = ncols % nr;
      const float* src = p.b + k0 * p.ldb + j0 + (ncols - w);
      for (int64_t kk = 0; kk < kc; kk++) {
        std::memcpy(bbuf + kk * nr, src + kk * p.ldb, sizeof(float) * w);
        std::memset(bbuf + kk * nr + w, 0, sizeof(float) * (nr - w));
      }
    }
    for (int64_t q = 0; q < panels; q++) {
      const int cols = (int)std::min<int64_t>(nr, ncols - q * nr);
      const float* bp;
      int64_t ldb = nr;
      if (B) bp = B + q * kc * nr;
      else if (cols < nr) bp = bbuf;
      else bp = p.b + k0 * p.ldb + j0 + q * nr, ldb = p.ldb;
      for (int64_t ir = 0; ir < mrows; ir += mr) {
        const int rows = (int)std::min<int64_t>(mr, mrows - ir);
        const float* ap = A + ir * lda;
        int64_t la = lda;
        if (rows < mr && aEdge) {
          ap = aEdge;
          la = kc;
        }
        float* cp = cbase + (i0 + ir) * ldc + j0 + q * nr;
        // Bias and ReLU/ReLU6 go into the tile's store; other activations run on the tile after it.
        const bool fuse = last && epi;
        const float* tb = fuse && p.bias ? p.bias + j0 + q * nr : nullptr;
        const int clamp = fuse ? clampCode(p.act) : 0;
        if (brows) uk.tileRows(kc, ap, la, brows + q * kc, cp, ldc, rows, cols, acc, tb, clamp);
        else uk.tile(kc, ap, la, bp, ldb, cp, ldc, rows, cols, acc, tb, clamp);
        if (fuse && p.act && !clamp) epilogue(cp, ldc, rows, cols, nullptr, p.act);
      }
    }
    }
  }
}

/** A's rows (read in place or packed) times a row-major B, one row at a time, split over columns. */
void rowsTimesB(const Call& k, const Problem& p, const GemmUk& uk) {
  std::unique_ptr<Scratch> packedA;
  const float* a = p.a;
  int64_t lda = p.lda;
  if (!a) {
    packedA.reset(new Scratch(k.c, (size_t)(p.M * p.K), k.op.c_str()));
    p.packA(0, p.M, 0, p.K, packedA->get(), p.K);
    a = packedA->get(), lda = p.K;
  }
  k.pool().parallelFor(cdiv(p.N, 64), 1, [&](int64_t s, int64_t e, int) {
    const int64_t j0 = s * 64, j1 = std::min(p.N, e * 64);
    uk.rows(p.M, j1 - j0, p.K, a, lda, p.b + j0, p.ldb, p.c + j0, p.ldc);
    epilogue(p.c + j0, p.ldc, p.M, j1 - j0, p.bias ? p.bias + j0 : nullptr, p.act);
  });
}

/** The register tile for an M x N product: the ISA's narrow tile (one vector wide, more rows) when the
 *  main tile's padding makes it compute over 20% more tile area (few output channels: N = 16 on a
 *  32-wide tile; or few rows: a 16 x 144 weight gradient on 14-row tiles). A shape-only choice. */
const GemmUk& tileFor(const GemmUk& main, int64_t M, int64_t N) {
  const GemmUk* n = main.narrow;
  if (!n) return main;
  const int64_t a = roundUp(M, main.mr) * roundUp(N, main.nr), b = roundUp(M, n->mr) * roundUp(N, n->nr);
  return b * 6 < a * 5 ? *n : main;
}

}  // namespace

void run(const Call& k, const Problem& p) {
  if (p.M <= 0 || p.N <= 0) return;
  const GemmUk& uk = tileFor(*k.isa().gemm, p.M, p.N);
  ThreadPool& pool = k.pool();
  const int threads = pool.threads();
  Plan pl;
  pl.mr = uk.mr;
  pl.nr = uk.nr;
  pl.kc = std::max<int64_t>(64, KC_BYTES / (4 * uk.nr));
  const int64_t KC = pl.kc;
  if (p.K <= 0) {  // empty sum: C = bias (+ act), or unchanged when accumulating
    pool.parallelFor(p.M, 64, [&](int64_t s, int64_t e, int) {
      for (int64_t i = s; i < e; i++) {
        float* row = p.c + i * p.ldc;
        if (!p.accumulate) std::memset(row, 0, sizeof(float) * p.N);
        epilogue(row, p.ldc, 1, p.N, p.bias, p.act);
      }
    });
    return;
  }
  if (p.bt && p.a && p.M <= DOT_MAX_M && !p.accumulate) {  // a few rows: dot products over B^T's rows
    pool.parallelFor(p.N, 16, [&](int64_t s, int64_t e, int) {
      uk.dots(p.M, e - s, p.K, p.a, p.lda, p.bt + s * p.ldbt, p.ldbt, p.c + s, p.ldc);
      epilogue(p.c + s, p.ldc, p.M, e - s, p.bias ? p.bias + s : nullptr, p.act);
    });
    return;
  }
  if (p.b && !p.packB && p.M <= ROWS_MAX_M && p.K < SPLIT_MIN_K && !p.accumulate) {  // a few rows, B in place
    rowsTimesB(k, p, uk);
    return;
  }
  // Shape-only decisions first (they fix the arithmetic): split-K.
  pl.mc = std::min(roundUp(MC_TARGET, pl.mr), roundUp(p.M, pl.mr));
  const int64_t defaultTiles = cdiv(p.M, pl.mc) * cdiv(p.N, roundUp(NC_MAX, pl.nr));
  pl.chunk = p.K;
  if (p.K >= SPLIT_MIN_K && defaultTiles <= SPLIT_MAX_TILES) {
    int64_t chunk = KCHUNK;
    while (cdiv(p.K, chunk) * p.M * p.N > MAX_PARTIAL_FLOATS) chunk *= 2;
    if (cdiv(p.K, chunk) >= 2) pl.chunk = chunk;
  }
  pl.chunks = cdiv(p.K, pl.chunk);
  // Work split (free to depend on the thread count).
  pl.mBlocks = cdiv(p.M, pl.mc);
  pl.nPad = roundUp(p.N, pl.nr);
  const bool prepack = p.packB && pl.chunks == 1 && pl.mBlocks >= 2 && p.K * pl.nPad <= MAX_PREPACK_FLOATS;
  pl.nc = prepack ? pl.nPad : std::min(pl.nPad, roundUp(NC_MAX, pl.nr));
  // Tasks: (chunk, M block, group of N blocks); one group (A packed once) unless the threads need more.
  const int64_t want = threads > 1 ? 3 * threads : 1;
  while (pl.chunks * pl.mBlocks * cdiv(p.N, pl.nc) < want && pl.nc > pl.nr) pl.nc = roundUp(pl.nc / 2, pl.nr);
  while (pl.chunks * pl.mBlocks * cdiv(p.N, pl.nc) < want && pl.mc > pl.mr) {
    pl.mc = roundUp(pl.mc / 2, pl.mr);
    pl.mBlocks = cdiv(p.M, pl.mc);
  }
  pl.nBlocks = cdiv(p.N, pl.nc);
  const int64_t nGroups = std::min(pl.nBlocks, std::max<int64_t>(1, cdiv(want, pl.chunks * pl.mBlocks)));
  const int64_t perGroup = cdiv(pl.nBlocks, nGroups);

  std::unique_ptr<Scratch> packed;
  if (prepack) {
    packed.reset(new Scratch(k.c, (size_t)(p.K * pl.nPad), k.op.c_str()));
    float* dst = packed->get();
    const int64_t kBlocks = cdiv(p.K, KC), groups = cdiv(pl.nPad / pl.nr, 8);
    pool.parallelFor(kBlocks * groups, 1, [&](int64_t s, int64_t e, int) {
      for (int64_t t = s; t < e; t++) {
        const int64_t k0 = (t / groups) * KC, kc = std::min(KC, p.K - k0), j0 = (t % groups) * 8 * pl.nr;
        const int64_t cols = std::min<int64_t>(8 * pl.nr, p.N - j0);
        if (cols > 0) p.packB(k0, kc, j0, cols, pl.nr, dst + k0 * pl.nPad + (j0 / pl.nr) * kc * pl.nr);
      }
    });
    pl.packedB = dst;
  }
  const size_t ptrFloats = p.rowsB ? (size_t)(cdiv(pl.nc, pl.nr) * KC) * (sizeof(float*) / sizeof(float)) : 0;
  const size_t wsFloats = (size_t)((roundUp(pl.mc, pl.mr) + roundUp(pl.nc, pl.nr) + pl.mr) * KC) + ptrFloats;
  const int64_t tiles = pl.mBlocks * nGroups;
  auto groupEnd = [&](int64_t gi) { return std::min(pl.nBlocks, (gi + 1) * perGroup); };
  if (pl.chunks == 1) {
    pool.parallelFor(tiles, 1, [&](int64_t s, int64_t e, int w) {
      float* ws = k.c.workspace(w, wsFloats);
      for (int64_t t = s; t < e; t++) {
        const int64_t gi = t % nGroups;
        block(p, pl, uk, t / nGroups, gi * perGroup, groupEnd(gi), 0, p.c, p.ldc, p.accumulate, true, ws);
      }
    });
    return;
  }
  // Split-K: chunk partials, then C = (C) + part 0 + part 1 + ... in chunk order.
  const int64_t mn = p.M * p.N;
  Scratch part(k.c, (size_t)(pl.chunks * mn), k.op.c_str());
  pool.parallelFor(pl.chunks * tiles, 1, [&](int64_t s, int64_t e, int w) {
    float* ws = k.c.workspace(w, wsFloats);
    for (int64_t t = s; t < e; t++) {
      const int64_t ch = t / tiles, tt = t % tiles, gi = tt % nGroups;
      block(p, pl, uk, tt / nGroups, gi * perGroup, groupEnd(gi), ch, part.get() + ch * mn, p.N, false, false, ws);
    }
  });
  pool.parallelFor(p.M, std::max<int64_t>(1, 16384 / p.N), [&](int64_t s, int64_t e, int) {
    for (int64_t i = s; i < e; i++) {
      float* row = p.c + i * p.ldc;
      if (!p.accumulate) std::memset(row, 0, sizeof(float) * p.N);
      for (int64_t ch = 0; ch < pl.chunks; ch++) {
        const float* src = part.get() + ch * mn + i * p.N;
        for (int64_t j = 0; j < p.N; j++) row[j] += src[j];
      }
      epilogue(row, p.ldc, 1, p.N, p.bias, p.act);
    }
  });
}

PackA packATransposed(const Call& k, const float* s, int64_t ld) {
  const GemmUk* uk = k.isa().gemm;
  return [s, ld, uk](int64_t i0, int64_t rows, int64_t k0, int64_t kc, float* dst, int64_t ldd) {
    uk->transpose(s + k0 * ld + i0, ld, kc, rows, dst, ldd);
  };
}

PackB packBTransposed(const Call& k, const float* s, int64_t ld) {
  const GemmUk* main = k.isa().gemm;
  return [s, ld, main](int64_t k0, int64_t kc, int64_t j0, int64_t cols, int nr, float* dst) {
    const GemmUk* uk = nr == main->nr || !main->narrow ? main : main->narrow;  // the panels of the tile run() chose
    for (int64_t q = 0; q * nr < cols; q++)
      uk->packBT(s + (j0 + q * nr) * ld + k0, ld, kc, (int)std::min<int64_t>(nr, cols - q * nr), dst + q * kc * nr);
  };
}

void weightGradient(const Call& k, int64_t P, int64_t outC, int64_t inC, const float* dy, int64_t ldy, const float* x,
                    int64_t ldx, float* dw) {
  if (P <= 4) {  // a sum of a few outer products (dense at batch 1): one streaming pass over dw
    k.pool().parallelFor(outC, 16, [&](int64_t s, int64_t e, int) {
      for (int64_t o = s; o < e; o++) {
        float* d = dw + o * inC;
        const float g0 = dy[o];
        for (int64_t i = 0; i < inC; i++) d[i] = g0 * x[i];
        for (int64_t n = 1; n < P; n++) {
          const float gn = dy[n * ldy + o];
          const float* xn = x + n * ldx;
          for (int64_t i = 0; i < inC; i++) d[i] += gn * xn[i];
        }
      }
    });
    return;
  }
  Problem g;
  g.K = P;
  if (inC >= outC || inC >= 4 * k.isa().gemm->nr) {
    g.M = outC, g.N = inC;
    g.packA = packATransposed(k, dy, ldy);
    g.b = x, g.ldb = ldx;
    g.c = dw, g.ldc = inC;
    run(k, g);
    return;
  }
  Scratch t(k.c, (size_t)(inC * outC), k.op.c_str());
  g.M = inC, g.N = outC;
  g.packA = packATransposed(k, x, ldx);
  g.b = dy, g.ldb = ldy;
  g.c = t.get(), g.ldc = outC;
  run(k, g);
  const float* src = t.get();
  k.pool().parallelFor(outC, 64, [&](int64_t s, int64_t e, int) {
    for (int64_t o = s; o < e; o++)
      for (int64_t i = 0; i < inC; i++) dw[o * inC + i] = src[i * outC + o];
  });
}

void columnSums(const Call& k, const float* y, int64_t M, int64_t N, int64_t ld, float* out) {
  constexpr int64_t CB = 64;
  k.pool().parallelFor(cdiv(N, CB), 1, [&](int64_t s, int64_t e, int) {
    for (int64_t b = s; b < e; b++) {
      const int64_t j0 = b * CB, w = std::min(CB, N - j0);
      double acc[CB] = {};
      for (int64_t i = 0; i < M; i++) {
        const float* row = y + i * ld + j0;
        for (int64_t j = 0; j < w; j++) acc[j] += row[j];
      }
      for (int64_t j = 0; j < w; j++) out[j0 + j] = (float)acc[j];
    }
  });
}

void layerForward(const Call& k, int64_t rows, int64_t in, int64_t out, const float* x, const float* w,
                  const float* bias, int act, float* y) {
  Problem g;
  g.M = rows, g.N = out, g.K = in;
  g.a = x, g.lda = in;
  g.packB = packBTransposed(k, w, in);
  g.bt = w, g.ldbt = in;  // a few rows: dot products against w's rows
  g.c = y, g.ldc = out, g.bias = bias, g.act = act;
  run(k, g);
}

void layerBackwardData(const Call& k, int64_t rows, int64_t in, int64_t out, const float* dy, const float* w, float* dx) {
  Problem g;  // dx [rows, in] = dy [rows, out] . w [out, in]
  g.M = rows, g.N = in, g.K = out;
  g.a = dy, g.lda = out;
  g.b = w, g.ldb = in;
  g.c = dx, g.ldc = in;
  run(k, g);
}

void layerBackwardFilter(const Call& k, int64_t rows, int64_t in, int64_t out, const float* x, const float* dy, float* dw,
                         float* dbias) {
  weightGradient(k, rows, out, in, dy, out, x, in, dw);  // split over rows when they are many
  if (dbias) columnSums(k, dy, rows, out, out, dbias);
}

}  // namespace gemm
}  // namespace cpu
}  // namespace cn
