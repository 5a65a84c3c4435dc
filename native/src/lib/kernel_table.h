// The kernel table both addons' dispatch.cpp build: kernel name -> (schema entry, handler). Every
// schema kernel must have a handler and every handler be a schema kernel (kernelNames() is tested).
#pragma once
#include <string>
#include <unordered_map>
#include <utility>
#include "abi.h"

namespace cn {

template <class Handler>
struct KernelEntry {
  const abi::KernelAbi* abi;
  Handler handler;
};

template <class Handler, size_t N>
std::unordered_map<std::string, KernelEntry<Handler>> buildKernelTable(const std::pair<const char*, Handler> (&h)[N]) {
  std::unordered_map<std::string, KernelEntry<Handler>> m;
  for (auto& e : h) m[e.first] = KernelEntry<Handler>{nullptr, e.second};
  for (const abi::KernelAbi& k : abi::KERNELS) {
    auto it = m.find(k.name);
    if (it != m.end()) it->second.abi = &k;
  }
  for (auto it = m.begin(); it != m.end();) it = it->second.abi ? std::next(it) : m.erase(it);
  return m;
}

}  // namespace cn
