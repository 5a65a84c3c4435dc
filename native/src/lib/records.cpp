// Record checks shared by the CUDA and CPU addons (the same rules and messages as core/params.ts).
#include "lib/records.h"
#include "lib/error.h"

namespace cn {

namespace {
void positive(const std::string& op, int v, const char* field) {
  if (v <= 0) throw argError(op, std::string("params.") + field + " must be positive, got " + std::to_string(v));
}
void nonNegative(const std::string& op, int v, const char* field) {
  if (v < 0) throw argError(op, std::string("params.") + field + " must be non-negative, got " + std::to_string(v));
}
}  // namespace

ConvP checkConv(const std::string& op, const abi::Conv2d& r, int64_t maxElements) {
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw argError(op, what);
  };
  const int* v = reinterpret_cast<const int*>(&r);
  for (int i = 0; i < abi::CONV2D_SLOTS - 1; i++) {
    const bool nonNeg = i == 11 || i == 12;  // padTop, padLeft
    need(nonNeg ? v[i] >= 0 : v[i] > 0, std::string("params.") + abi::CONV2D_FIELDS[i] + " must be " +
                                           (nonNeg ? "non-negative" : "positive") + ", got " + std::to_string(v[i]));
  }
  need(r.activation >= 0 && r.activation < abi::ACTIVATION_COUNT,
       "params.activation code " + std::to_string(r.activation) + " is unknown");
  ConvP p{r.n, r.inH, r.inW, r.inC, r.outH, r.outW, r.outC, r.kH, r.kW, r.strideH, r.strideW,
          r.padTop, r.padLeft, r.dilationH, r.dilationW, r.groups, r.activation};
  need(p.inC % p.groups == 0 && p.outC % p.groups == 0,
       "params.groups " + std::to_string(p.groups) + " must divide inC " + std::to_string(p.inC) + " and outC " +
           std::to_string(p.outC));
  // Every output pixel's window must start inside the padded input (shape.ts guarantees it; check anyway).
  int64_t lastH = (int64_t)(p.outH - 1) * p.strideH - p.padTop, lastW = (int64_t)(p.outW - 1) * p.strideW - p.padLeft;
  need(lastH < p.inH + p.padTop && lastW < p.inW + p.padLeft,
       "outH/outW " + std::to_string(p.outH) + "x" + std::to_string(p.outW) + " do not fit input " +
           std::to_string(p.inH) + "x" + std::to_string(p.inW));
  need(p.xLen() < maxElements && p.yLen() < maxElements && p.wLen() < maxElements,
       "tensor larger than " + std::to_string(maxElements) + " elements");
  return p;
}

const ConvP& requirePointwise(const std::string& op, const ConvP& p) {
  if (!(p.kH == 1 && p.kW == 1 && p.strideH == 1 && p.strideW == 1 && !p.padTop && !p.padLeft && p.groups == 1 &&
        p.outH == p.inH && p.outW == p.inW))
    throw argError(op, "pointwise needs a 1x1 kernel, stride 1, no padding and groups 1");
  return p;
}

const ConvP& requireDepthwise(const std::string& op, const ConvP& p) {
  if (!(p.groups == p.inC && p.outC % p.inC == 0))
    throw argError(op, "depthwise needs groups == inC and outC a multiple of inC (groups " + std::to_string(p.groups) +
                           ", inC " + std::to_string(p.inC) + ", outC " + std::to_string(p.outC) + ")");
  return p;
}

/** The pool2d record with the js reference's checks (a window entirely in padding is an error there too). */
const PoolP& checkPool(const std::string& op, const PoolP& p) {
  const int* v = reinterpret_cast<const int*>(&p);
  for (int i = 0; i < 10; i++) positive(op, v[i], abi::POOL2D_FIELDS[i]);
  for (int i = 10; i < 14; i++) nonNegative(op, v[i], abi::POOL2D_FIELDS[i]);
  if ((int64_t)(p.outH - 1) * p.strideH - p.padTop >= p.inH || (int64_t)(p.outW - 1) * p.strideW - p.padLeft >= p.inW ||
      p.padTop >= p.kH || p.padLeft >= p.kW)
    throw argError(op, "a window would lie entirely in padding (in " + std::to_string(p.inH) + "x" +
                             std::to_string(p.inW) + ", out " + std::to_string(p.outH) + "x" + std::to_string(p.outW) +
                             ", kernel " + std::to_string(p.kH) + "x" + std::to_string(p.kW) + ", stride " +
                             std::to_string(p.strideH) + "x" + std::to_string(p.strideW) + ", pad " +
                             std::to_string(p.padTop) + "," + std::to_string(p.padLeft) + ")");
  return p;
}

const AdaptP& checkAdaptivePool(const std::string& op, const AdaptP& p) {
  const int* v = reinterpret_cast<const int*>(&p);
  for (int i = 0; i < abi::ADAPTIVE_POOL2D_SLOTS; i++) positive(op, v[i], abi::ADAPTIVE_POOL2D_FIELDS[i]);
  return p;
}

/** Slots a record takes (its fixed slots, plus the tail's values when it has one); throws naming op and record. */
size_t recordSlots(const std::string& op, int record, const int32_t* slots, size_t nslots) {
  const abi::RecordAbi& r = abi::RECORDS[record];
  if (nslots < (size_t)r.slots)
    throw argError(op, std::string("record ") + r.name + " has " + std::to_string(r.slots) + " slots, got " +
                           std::to_string(nslots));
  if (!r.tail) return (size_t)r.slots;
  const int32_t count = slots[r.slots - 1];
  if (count < 0) throw argError(op, std::string("params.") + r.fields[r.fieldCount - 1] + " has a negative count");
  return (size_t)r.slots + (size_t)count;
}

void checkCallShape(const std::string& op, const abi::KernelAbi& k, const int32_t* slots, size_t nslots, size_t nids) {
  const size_t want = recordSlots(op, k.record, slots, nslots);
  if (nslots != want)
    throw argError(op, std::string("record ") + abi::RECORDS[k.record].name + " has " + std::to_string(want) +
                           " slots, got " + std::to_string(nslots));
  // A list argument's length is checked by its handler against the record (concat: channels).
  if (!k.variadic && nids != (size_t)k.buffers)
    throw argError(op, "expected " + std::to_string(k.buffers) + " buffers, got " + std::to_string(nids));
}

}  // namespace cn
