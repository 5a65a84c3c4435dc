// Context::run of the CPU backend: the schema's kernel table (lib/handlers.h, the same list as the CUDA
// addon's), record and buffer counts checked against the schema, then the family's handler.
#include "kernel.h"
#include "lib/kernel_table.h"

namespace cn {
namespace cpu {

#include "lib/handlers.h"
CN_DECLARE_HANDLERS

namespace {
struct Table {
  std::unordered_map<std::string, KernelEntry<Handler>> byName;
  std::vector<Handler> byIndex;  // aligned with abi::KERNELS (the TS side's KERNEL_NAMES order)
};

const Table& table() {
  static const Table t = [] {
    static const std::pair<const char*, Handler> handlers[] = {
#define CN_ENTRY(name, fn) {name, fn},
        CN_KERNEL_HANDLERS(CN_ENTRY)
#undef CN_ENTRY
    };
    Table r{buildKernelTable(handlers), {}};
    for (const abi::KernelAbi& k : abi::KERNELS) {
      auto it = r.byName.find(k.name);
      r.byIndex.push_back(it == r.byName.end() ? nullptr : it->second.handler);
    }
    return r;
  }();
  return t;
}
}  // namespace

std::vector<std::string> kernelNames() {
  std::vector<std::string> out;
  for (auto& kv : table().byName) out.push_back(kv.first);
  return out;
}

int kernelIndex(const std::string& op) {
  for (size_t i = 0; i < sizeof(abi::KERNELS) / sizeof(abi::KERNELS[0]); i++)
    if (op == abi::KERNELS[i].name) return (int)i;
  return -1;
}

void Context::run(const std::string& op, const int32_t* slots, size_t nslots, const int64_t* ids, size_t nids) {
  int i = kernelIndex(op);
  if (i < 0 || !table().byIndex[(size_t)i]) throw argError(op, "unknown kernel");
  runIndex(i, slots, nslots, ids, nids);
}

void Context::runIndex(int index, const int32_t* slots, size_t nslots, const int64_t* ids, size_t nids) {
  const Table& t = table();
  if (index < 0 || (size_t)index >= t.byIndex.size() || !t.byIndex[(size_t)index])
    throw argError("run", "unknown kernel index " + std::to_string(index));
  const abi::KernelAbi& k = abi::KERNELS[index];
  const std::string op = k.name;
  ensureLive(k.name);
  checkCallShape(op, k, slots, nslots, nids);
  t.byIndex[(size_t)index](Call{*this, op, k, slots, nslots, ids, nids});
  if (calls.size() <= (size_t)index) calls.resize(t.byIndex.size());
  calls[(size_t)index]++;
}

}  // namespace cpu
}  // namespace cn
