// Concat / split along the channel (last) axis of [rows, sum(channels)] on the CPU (as
// src/ts/backends/js/concat.ts). The record's i32[] tail is the channel list; the buffer list must have
// one buffer per entry. Rows are split across the pool; each row copies every part's slice.
#include <cstring>
#include <vector>
#include "kernel.h"

namespace cn {
namespace cpu {
namespace concat {

constexpr int64_t ELEMS_GRAIN = 1 << 15;

void run(const Call& k, bool split) {
  const auto& r = k.rec<abi::Concat>();
  const int64_t rows = k.positive(r.rows, "rows");
  const int cnt = r.channelsCount;
  k.require(cnt > 0, "params.channels is empty");
  std::vector<int64_t> ch((size_t)cnt), off((size_t)cnt);
  int64_t total = 0;
  for (int i = 0; i < cnt; i++) {
    const int c = k.tail<abi::Concat>(i);
    k.require(c > 0, "params.channels[" + std::to_string(i) + "] must be a positive integer, got " + std::to_string(c));
    ch[(size_t)i] = c, off[(size_t)i] = total, total += c;
  }
  // The same message as the js reference: "<op>: 2 input buffers for 3 channel counts".
  const int64_t given = (int64_t)k.nids - 1;
  k.require(given == cnt, std::to_string(given) + (split ? " output" : " input") + " buffers for " + std::to_string(cnt) +
                              " channel counts");
  float* whole = k.buf(split ? 0 : cnt, "y", rows * total);
  std::vector<float*> parts((size_t)cnt);
  for (int i = 0; i < cnt; i++) {
    const std::string name = std::string(split ? "outputs[" : "inputs[") + std::to_string(i) + "]";
    parts[(size_t)i] = k.buf(split ? i + 1 : i, name.c_str(), rows * ch[(size_t)i]);
  }
  const int64_t grain = ELEMS_GRAIN / total > 0 ? ELEMS_GRAIN / total : 1;
  k.pool().parallelFor(rows, grain, [&](int64_t b, int64_t e, int) {
    for (int i = 0; i < cnt; i++) {
      const int64_t c = ch[(size_t)i], o = off[(size_t)i];
      float* part = parts[(size_t)i];
      for (int64_t row = b; row < e; row++) {
        if (split) std::memcpy(part + row * c, whole + row * total + o, (size_t)c * 4);
        else std::memcpy(whole + row * total + o, part + row * c, (size_t)c * 4);
      }
    }
  });
}

void concat(const Call& k) { run(k, false); }
void split(const Call& k) { run(k, true); }

}  // namespace concat
}  // namespace cpu
}  // namespace cn
