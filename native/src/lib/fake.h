// Recording stand-ins for cuDNN and cuBLAS, for host-only test contexts: every descriptor value, eps,
// math type and algorithm they are given is logged, and each entry point returns the statuses a test
// scripts for it. Host tests see through them what the GPU path passes to the real libraries.
#pragma once
#include <map>
#include <string>
#include <vector>
#include "dynlib.h"

namespace cn {

struct FakeLibs {
  struct Call { std::string fn; std::vector<double> args; };
  /** Entry point -> statuses returned by its next calls, in order (then 0). */
  std::map<std::string, std::vector<int>> statuses;
  int findMathType = CUDNN_FMA_MATH;  // the math type cudnnFind* reports for its algorithm
  size_t findMemory = 0;             // and its workspace
  std::vector<Call> calls;
  int next(const std::string& fn);
  void log(const std::string& fn, std::vector<double> args) { calls.push_back({fn, std::move(args)}); }
};

/** The stand-ins; they act on the FakeLibs bound to the calling thread (Context::run binds its own). */
const CudnnApi& fakeCudnn();
const CublasApi& fakeCublas();
void bindFake(FakeLibs* f);

}  // namespace cn
