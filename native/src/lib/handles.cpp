#include "lib/handles.h"
#include "lib/error.h"

namespace cn {

// ---- handles -------------------------------------------------------------------------------------------------
int64_t HandleTable::add(const Block& b) {
  int64_t id = next_++;
  live_[id] = b;
  if (!b.parent) scalars_ += b.length;
  return id;
}

std::string HandleTable::describe(int64_t id) const {
  if (id > 0 && id < next_) return "buffer " + std::to_string(id) + " was already freed";
  return "buffer " + std::to_string(id) + " is not a buffer of this backend";
}

const Block& HandleTable::get(int64_t id, const char* op, const char* arg) const {
  auto it = live_.find(id);
  if (it == live_.end()) throw argError(op, std::string("argument '") + arg + "': " + describe(id));
  return it->second;
}

Block HandleTable::remove(int64_t id, const char* op) {
  auto it = live_.find(id);
  if (it == live_.end()) {
    if (id > 0 && id < next_) throw argError(op, "double free: buffer " + std::to_string(id) + " was already freed");
    throw argError(op, describe(id));
  }
  Block b = it->second;
  live_.erase(it);
  if (!b.parent) scalars_ -= b.length;
  return b;
}

int64_t HandleTable::addView(int64_t id, int64_t offset, int64_t length, const char* op) {
  const Block& b = get(id, op, "buffer");
  if (offset < 0 || length < 0 || offset + length > b.length)
    throw argError(op, "[" + std::to_string(offset) + ", " + std::to_string(offset + length) +
                           ") does not lie in a buffer of " + std::to_string(b.length));
  return add({static_cast<float*>(b.ptr) + offset, 0, length, b.parent ? b.parent : id});
}

const Block& HandleTable::range(int64_t id, int64_t offset, int64_t count, const char* op) const {
  const Block& b = get(id, op, "buffer");
  if (offset < 0 || count < 0 || offset + count > b.length)
    throw argError(op, std::to_string(count) + " values at offset " + std::to_string(offset) +
                           " do not fit a buffer of " + std::to_string(b.length));
  return b;
}

void HandleTable::removeViews(int64_t id) {
  for (auto it = live_.begin(); it != live_.end();) {
    if (it->second.parent == id) it = live_.erase(it);
    else ++it;
  }
}

std::vector<Block> HandleTable::drain() {
  std::vector<Block> out;
  for (auto& kv : live_)
    if (!kv.second.parent) out.push_back(kv.second);  // views own nothing
  live_.clear();
  scalars_ = 0;
  return out;
}

}  // namespace cn
