// Concat / split along the channel axis of [rows, sum(channels)] (concat.cu). The record's i32[] tail
// holds the channels; the list argument has one buffer per entry.
#include <vector>
#include "kernel.h"

namespace cn {
namespace concat {

void run(const Call& k, bool split) {
  const abi::Concat& r = k.rec<abi::Concat>();
  const int rows = k.positive(r.rows, "rows");
  const int cnt = r.channelsCount;
  k.require(cnt > 0, "params.channels must not be empty");
  k.require(k.nids == (size_t)cnt + 1, "params.channels has " + std::to_string(cnt) + " entries but " +
                                           std::to_string((int64_t)k.nids - 1) + " buffers were given");
  int64_t total = 0;
  for (int i = 0; i < cnt; i++) total += k.positive(k.tail<abi::Concat>(i), "channels[i]");
  k.require(rows * total < (int64_t(1) << 31), "tensor larger than 2^31 elements");
  float* whole = k.buf(split ? 0 : cnt, "y", rows * total);
  std::vector<float*> parts(cnt);
  for (int i = 0; i < cnt; i++)
    parts[i] = k.buf(split ? i + 1 : i, split ? "outputs[i]" : "inputs[i]", (int64_t)rows * k.tail<abi::Concat>(i));
  if (!k.launch()) return;
  int offset = 0;
  for (int i = 0; i < cnt; i++) {
    const int ci = k.tail<abi::Concat>(i);
    if (split) splitPiece(rows, (int)total, offset, ci, whole, parts[i], k.s());
    else concatPiece(rows, (int)total, offset, ci, parts[i], whole, k.s());
    offset += ci;
  }
  k.ran(Path::OWN);
}

void concat(const Call& k) { run(k, false); }
void split(const Call& k) { run(k, true); }

}  // namespace concat
}  // namespace cn
