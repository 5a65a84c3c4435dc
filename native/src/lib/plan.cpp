// Host-side planning of the cuDNN calls (see plan.h).
#include "plan.h"
#include "dynlib.h"

namespace cn {

CudnnConvDesc cudnnConvDesc(const ConvP& p, bool tf32) {
  CudnnConvDesc d;
  d.xN = p.n; d.xC = p.inC; d.xH = p.inH; d.xW = p.inW;
  d.wK = p.outC; d.wC = p.inC / p.groups; d.wH = p.kH; d.wW = p.kW;
  d.yN = p.n; d.yC = p.outC; d.yH = p.outH; d.yW = p.outW;
  d.padH = p.padTop; d.padW = p.padLeft; d.strideH = p.strideH; d.strideW = p.strideW;
  d.dilH = p.dilH; d.dilW = p.dilW; d.groups = p.groups;
  d.mathType = tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
  // cuDNN pads symmetrically and derives the output size itself; asymmetric padding (TF 'same' with an
  // extra bottom row that changes the output size) is only expressible when that size still agrees.
  int cudnnH = (p.inH + 2 * p.padTop - ((p.kH - 1) * p.dilH + 1)) / p.strideH + 1;
  int cudnnW = (p.inW + 2 * p.padLeft - ((p.kW - 1) * p.dilW + 1)) / p.strideW + 1;
  if (cudnnH != p.outH || cudnnW != p.outW) {
    d.reason = "asymmetric padding: cuDNN would produce " + std::to_string(cudnnH) + "x" + std::to_string(cudnnW) +
               ", the op needs " + std::to_string(p.outH) + "x" + std::to_string(p.outW);
    return d;
  }
  d.usable = true;
  return d;
}

std::string convAlgoKey(const char* direction, const ConvP& p, bool tf32) {
  std::string k = direction;
  const int f[] = {p.n, p.inH, p.inW, p.inC, p.outH, p.outW, p.outC, p.kH, p.kW, p.strideH, p.strideW,
                   p.padTop, p.padLeft, p.dilH, p.dilW, p.groups};
  for (int v : f) k += ":" + std::to_string(v);
  k += tf32 ? ":tf32" : ":fp32";
  return k;
}

BnShape bnTensorShape(int rows, int c) {
  int h = 1;
  for (int d = 1; (int64_t)d * d <= rows; d++)
    if (rows % d == 0) h = d;
  return BnShape{1, c, h, rows / h};
}

std::string bnKey(int which, int rows, int c) {
  static const char* names[] = {"train", "inference", "trainBackward", "inferenceBackward"};
  return std::string(names[which]) + ":" + std::to_string(rows) + "x" + std::to_string(c);
}

}  // namespace cn
