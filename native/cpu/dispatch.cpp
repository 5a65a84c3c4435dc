// Context::run of the CPU backend: the schema's kernel table (lib/handlers.h, the same list as the CUDA
// addon's), record and buffer counts checked against the schema, then the family's handler.
#include "kernel.h"
#include "lib/kernel_table.h"

namespace cn {
namespace cpu {

#include "lib/handlers.h"
CN_DECLARE_HANDLERS

namespace {
const std::unordered_map<std::string, KernelEntry<Handler>>& table() {
  static const std::pair<const char*, Handler> handlers[] = {
#define CN_ENTRY(name, fn) {name, fn},
      CN_KERNEL_HANDLERS(CN_ENTRY)
#undef CN_ENTRY
  };
  static const auto t = buildKernelTable(handlers);
  return t;
}
}  // namespace

std::vector<std::string> kernelNames() {
  std::vector<std::string> out;
  for (auto& kv : table()) out.push_back(kv.first);
  return out;
}

void Context::run(const std::string& op, const int32_t* slots, size_t nslots, const int64_t* ids, size_t nids) {
  ensureLive(op.c_str());
  auto it = table().find(op);
  if (it == table().end()) throw argError(op, "unknown kernel");
  const abi::KernelAbi& k = *it->second.abi;
  checkCallShape(op, k, slots, nslots, nids);
  it->second.handler(Call{*this, op, k, slots, nslots, ids, nids});
  calls[op]++;
}

}  // namespace cpu
}  // namespace cn
