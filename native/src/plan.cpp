#include "plan.h"
#include "dynlib.h"

namespace cn {

static const char* CONV_NAMES[CONV_FIELDS] = {"n", "inH", "inW", "inC", "outH", "outW", "outC", "kH", "kW",
                                              "strideH", "strideW", "padTop", "padLeft", "dilationH", "dilationW",
                                              "groups", "activation"};

const char* actName(int a) {
  switch (a) {
    case ACT_RELU: return "relu";
    case ACT_RELU6: return "relu6";
    case ACT_SILU: return "silu";
    case ACT_SIGMOID: return "sigmoid";
    case ACT_HARDSWISH: return "hardswish";
    case ACT_HARDSIGMOID: return "hardsigmoid";
    default: return "none";
  }
}

int actFromName(const std::string& s) {
  for (int a = ACT_RELU; a <= ACT_HARDSIGMOID; a++)
    if (s == actName(a)) return a;
  return ACT_NONE - 1;
}

static void need(bool ok, const std::string& op, const std::string& what) {
  if (!ok) throw argError(op, what);
}

ConvP decodeConv(const std::string& op, const int32_t* v, size_t count) {
  need(count == CONV_FIELDS, op, "expected " + std::to_string(CONV_FIELDS) + " convolution parameters, got " +
                                     std::to_string(count));
  for (int i = 0; i < CONV_FIELDS - 1; i++) {
    bool nonNeg = i == 11 || i == 12;  // padTop, padLeft
    need(nonNeg ? v[i] >= 0 : v[i] > 0, op,
         std::string(CONV_NAMES[i]) + " must be " + (nonNeg ? "non-negative" : "positive") + ", got " + std::to_string(v[i]));
  }
  ConvP p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
  need(p.act >= ACT_NONE && p.act <= ACT_HARDSIGMOID, op, "activation code " + std::to_string(p.act) + " is unknown");
  need(p.inC % p.groups == 0 && p.outC % p.groups == 0, op,
       "groups " + std::to_string(p.groups) + " must divide inC " + std::to_string(p.inC) + " and outC " +
           std::to_string(p.outC));
  // Every output pixel's window must start inside the padded input (shape.ts guarantees it; check anyway).
  int64_t lastH = (int64_t)(p.outH - 1) * p.strideH - p.padTop, lastW = (int64_t)(p.outW - 1) * p.strideW - p.padLeft;
  need(lastH < p.inH + p.padTop && lastW < p.inW + p.padLeft, op,
       "outH/outW " + std::to_string(p.outH) + "x" + std::to_string(p.outW) + " do not fit input " +
           std::to_string(p.inH) + "x" + std::to_string(p.inW));
  need(p.xLen() < (int64_t(1) << 31) && p.yLen() < (int64_t(1) << 31), op, "tensor larger than 2^31 elements");
  return p;
}


PoolP decodePool(const std::string& op, const int32_t* v, size_t count) {
  static const char* names[POOL_FIELDS] = {"n", "inH", "inW", "c", "outH", "outW", "kH", "kW", "strideH", "strideW",
                                           "padTop", "padLeft", "padBottom", "padRight", "countIncludePad"};
  need(count == POOL_FIELDS, op, "expected " + std::to_string(POOL_FIELDS) + " pooling parameters, got " +
                                     std::to_string(count));
  for (int i = 0; i < 10; i++) need(v[i] > 0, op, std::string(names[i]) + " must be positive, got " + std::to_string(v[i]));
  need(v[10] >= 0 && v[11] >= 0 && v[12] >= 0 && v[13] >= 0, op, "padding must be non-negative");
  PoolP p{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  return p;
}

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

Im2colPlan im2colPlan(const ConvP& p, size_t maxColBytes) {
  Im2colPlan r;
  r.K = p.kH * p.kW * (p.inC / p.groups);
  r.identity = p.kH == 1 && p.kW == 1 && p.strideH == 1 && p.strideW == 1 && p.padTop == 0 && p.padLeft == 0 &&
               p.groups == 1 && p.outH == p.inH && p.outW == p.inW;
  int64_t perImage = (int64_t)p.outH * p.outW * r.K;
  int64_t imgs = (int64_t)(maxColBytes / sizeof(float)) / (perImage ? perImage : 1);
  if (imgs < 1) imgs = 1;
  if (imgs > p.n) imgs = p.n;
  r.imgsPerChunk = (int)imgs;
  r.colFloats = r.identity ? 0 : imgs * perImage;
  return r;
}

}  // namespace cn
