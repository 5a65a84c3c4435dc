// Buffer handles as JS sees them (integer ids), shared by the CUDA and CPU addons (no CUDA here).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace cn {

/** A buffer: its own allocation, or (parent != 0) a view into the allocation of buffer `parent`. */
struct Block { void* ptr; size_t bytes; int64_t length; int64_t parent = 0; };

/** Buffer ids handed to JS. Ids are never reused, so a freed id is recognised as such (use after
 *  free and double free are errors that name the op and argument, never a crash). */
class HandleTable {
 public:
  int64_t add(const Block& b);
  const Block& get(int64_t id, const char* op, const char* arg) const;
  Block remove(int64_t id, const char* op);
  /** Whether `id` is a live view (false for owners and unknown ids). */
  bool isView(int64_t id) const {
    auto it = live_.find(id);
    return it != live_.end() && it->second.parent != 0;
  }
  /** A view of elements [offset, offset + length) of buffer `id` (of a view: into the same owner). */
  int64_t addView(int64_t id, int64_t offset, int64_t length, const char* op);
  /** Buffer `id`, checked to hold `count` elements at `offset` (write's bounds). */
  const Block& range(int64_t id, int64_t offset, int64_t count, const char* op) const;
  /** Drops every view of buffer `id` (they die with their parent). */
  void removeViews(int64_t id);
  size_t size() const { return live_.size(); }
  int64_t scalars() const { return scalars_; }
  std::vector<Block> drain();

 private:
  std::string describe(int64_t id) const;
  std::unordered_map<int64_t, Block> live_;
  int64_t next_ = 1;
  int64_t scalars_ = 0;
};

}  // namespace cn
