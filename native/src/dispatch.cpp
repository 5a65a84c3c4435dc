// Context::run: the one entry of every kernel. Looks the op up in the schema's table (abi.h KERNELS),
// checks the record's slot count against the schema (RECORDS) and the buffer count against the
// kernel's arguments, then calls the family's handler from the table below (the op name decides the
// family: nothing here or in the handlers switches family).
#include <unordered_map>
#include "kernel.h"
#include "lib/kernel_table.h"
#include "lib/records.h"

namespace cn {

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
  bindFake(fake.get());
  it->second.handler(Call{*this, op, k, slots, nslots, ids, nids});
  if (syncEachOp) synchronize(op.c_str());
}

}  // namespace cn
