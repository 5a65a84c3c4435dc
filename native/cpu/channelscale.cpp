// Channel scaling on the CPU (as src/ts/backends/js/channelscale.ts): y[i, p, c] = x[i, p, c] * s[i, c]
// over x as [n, hw, c]; backward dx = dy * s, ds[i, c] = sum_p dy * x. The ds sum is split into fixed
// blocks of HW_BLOCK positions x C_TILE channels (partial sums in double, added in block order), so
// its value does not depend on the thread count and a batch-1 squeeze-excite still uses every thread.
#include <vector>
#include "kernel.h"

namespace cn {
namespace cpu {
namespace channelscale {

constexpr int64_t ELEMS_GRAIN = 1 << 15;
constexpr int HW_BLOCK = 256;
constexpr int C_TILE = 64;

const abi::ChannelScale& record(const Call& k) {
  const auto& r = k.rec<abi::ChannelScale>();
  k.positive(r.n, "n"), k.positive(r.hw, "hw"), k.positive(r.c, "c");
  return r;
}

void forward(const Call& k) {
  const auto& r = record(k);
  const int64_t rows = (int64_t)r.n * r.hw, C = r.c, len = rows * C;
  const float* x = k.buf(0, "x", len);
  const float* s = k.buf(1, "s", (int64_t)r.n * C);
  float* y = k.buf(2, "y", len);
  const int64_t grain = ELEMS_GRAIN / C > 0 ? ELEMS_GRAIN / C : 1;
  k.pool().parallelFor(rows, grain, [&](int64_t b, int64_t e, int) {
    for (int64_t row = b; row < e; row++) {
      const float* sc = s + (row / r.hw) * C;
      const float* xr = x + row * C;
      float* yr = y + row * C;
      for (int64_t ch = 0; ch < C; ch++) yr[ch] = xr[ch] * sc[ch];
    }
  });
}

void backward(const Call& k) {
  const auto& r = record(k);
  const int64_t HW = r.hw, C = r.c, len = (int64_t)r.n * HW * C;
  const float* x = k.buf(0, "x", len);
  const float* s = k.buf(1, "s", (int64_t)r.n * C);
  const float* dy = k.buf(2, "dy", len);
  float* dx = k.buf(3, "dx", len);
  float* ds = k.buf(4, "ds", (int64_t)r.n * C);
  const int64_t hwBlocks = (HW + HW_BLOCK - 1) / HW_BLOCK, cTiles = (C + C_TILE - 1) / C_TILE;
  // part[(i * hwBlocks + hb) * C + ch]: the sum over block hb of sample i.
  std::vector<double> part((size_t)(r.n * hwBlocks * C));
  const int64_t tasks = r.n * cTiles * hwBlocks;
  k.pool().parallelFor(tasks, 1, [&](int64_t tb, int64_t te, int) {
    for (int64_t t = tb; t < te; t++) {
      const int64_t hb = t % hwBlocks, ct = (t / hwBlocks) % cTiles, i = t / (hwBlocks * cTiles);
      const int64_t c0 = ct * C_TILE, cn = C - c0 < C_TILE ? C - c0 : C_TILE;
      const int64_t p0 = hb * HW_BLOCK, p1 = p0 + HW_BLOCK < HW ? p0 + HW_BLOCK : HW;
      const float* sc = s + i * C + c0;
      double acc[C_TILE];
      for (int64_t j = 0; j < cn; j++) acc[j] = 0;
      for (int64_t p = p0; p < p1; p++) {
        const int64_t o = (i * HW + p) * C + c0;
        for (int64_t j = 0; j < cn; j++) {
          acc[j] += (double)dy[o + j] * x[o + j];
          dx[o + j] = dy[o + j] * sc[j];
        }
      }
      double* out = part.data() + (i * hwBlocks + hb) * C + c0;
      for (int64_t j = 0; j < cn; j++) out[j] = acc[j];
    }
  });
  for (int64_t i = 0; i < r.n; i++)
    for (int64_t ch = 0; ch < C; ch++) {
      double sum = 0;
      for (int64_t hb = 0; hb < hwBlocks; hb++) sum += part[(size_t)((i * hwBlocks + hb) * C + ch)];
      ds[i * C + ch] = (float)sum;
    }
}

}  // namespace channelscale
}  // namespace cpu
}  // namespace cn
