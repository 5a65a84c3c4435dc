// Context::run: the one entry of every kernel. Looks the op up in the schema's table (abi.h KERNELS),
// checks the record's slot count against the schema (RECORDS) and the buffer count against the
// kernel's arguments, then calls the family's handler from the table below (the op name decides the
// family: nothing here or in the handlers switches family).
#include <unordered_map>
#include "kernel.h"

namespace cn {

// Handlers, one per contract kernel, in <family>.cpp.
namespace conv2d { void forward(const Call&); void backwardData(const Call&); void backwardFilter(const Call&); }
namespace dwconv2d { void forward(const Call&); void backwardData(const Call&); void backwardFilter(const Call&); }
namespace pwconv2d { void forward(const Call&); void backwardData(const Call&); void backwardFilter(const Call&); }
namespace batchnorm { void train(const Call&); void inference(const Call&); void trainBackward(const Call&); void inferenceBackward(const Call&); }
namespace pool { void max(const Call&); void maxBackward(const Call&); void avg(const Call&); void avgBackward(const Call&); void adaptiveAvg(const Call&); void adaptiveAvgBackward(const Call&); }
namespace globalpool { void forward(const Call&); void backward(const Call&); }
namespace dense { void forward(const Call&); void backwardData(const Call&); void backwardFilter(const Call&); }
namespace activation { void forward(const Call&); void backward(const Call&); }
namespace elementwise { void add(const Call&); void axpy(const Call&); void scale(const Call&); void mul(const Call&); void sumSquares(const Call&); }
namespace channelscale { void forward(const Call&); void backward(const Call&); }
namespace concat { void concat(const Call&); void split(const Call&); }
namespace dropout { void mask(const Call&); }
namespace softmax_xent { void forward(const Call&); void backward(const Call&); }
namespace optim { void sgd(const Call&); void adamw(const Call&); }

namespace {

struct Entry { const abi::KernelAbi* abi; Handler handler; };

const std::unordered_map<std::string, Entry>& table() {
  static const std::unordered_map<std::string, Entry> t = [] {
    const std::pair<const char*, Handler> handlers[] = {
        {"conv2d", conv2d::forward}, {"conv2dBackwardData", conv2d::backwardData},
        {"conv2dBackwardFilter", conv2d::backwardFilter},
        {"dwconv2d", dwconv2d::forward}, {"dwconv2dBackwardData", dwconv2d::backwardData},
        {"dwconv2dBackwardFilter", dwconv2d::backwardFilter},
        {"pwconv2d", pwconv2d::forward}, {"pwconv2dBackwardData", pwconv2d::backwardData},
        {"pwconv2dBackwardFilter", pwconv2d::backwardFilter},
        {"batchNormTrain", batchnorm::train}, {"batchNormInference", batchnorm::inference},
        {"batchNormTrainBackward", batchnorm::trainBackward}, {"batchNormInferenceBackward", batchnorm::inferenceBackward},
        {"maxPool2d", pool::max}, {"maxPool2dBackward", pool::maxBackward}, {"avgPool2d", pool::avg},
        {"avgPool2dBackward", pool::avgBackward}, {"adaptiveAvgPool2d", pool::adaptiveAvg},
        {"adaptiveAvgPool2dBackward", pool::adaptiveAvgBackward},
        {"globalAvgPool", globalpool::forward}, {"globalAvgPoolBackward", globalpool::backward},
        {"dense", dense::forward}, {"denseBackwardData", dense::backwardData}, {"denseBackwardFilter", dense::backwardFilter},
        {"activation", activation::forward}, {"activationBackward", activation::backward},
        {"add", elementwise::add}, {"axpy", elementwise::axpy}, {"scale", elementwise::scale}, {"mul", elementwise::mul},
        {"sumSquares", elementwise::sumSquares},
        {"channelScale", channelscale::forward}, {"channelScaleBackward", channelscale::backward},
        {"concat", concat::concat}, {"split", concat::split},
        {"dropoutMask", dropout::mask},
        {"softmaxCrossEntropy", softmax_xent::forward}, {"softmaxCrossEntropyBackward", softmax_xent::backward},
        {"sgdUpdate", optim::sgd}, {"adamwUpdate", optim::adamw},
    };
    std::unordered_map<std::string, Entry> m;
    for (auto& h : handlers) m[h.first] = Entry{nullptr, h.second};
    // Every schema kernel has a handler and every handler is a schema kernel (kernelNames() is tested).
    for (const abi::KernelAbi& k : abi::KERNELS) {
      auto it = m.find(k.name);
      if (it != m.end()) it->second.abi = &k;
    }
    for (auto it = m.begin(); it != m.end();) it = it->second.abi ? std::next(it) : m.erase(it);
    return m;
  }();
  return t;
}

}  // namespace

std::vector<std::string> kernelNames() {
  std::vector<std::string> out;
  for (auto& kv : table()) out.push_back(kv.first);
  return out;
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

void Context::run(const std::string& op, const int32_t* slots, size_t nslots, const int64_t* ids, size_t nids) {
  ensureLive(op.c_str());
  auto it = table().find(op);
  if (it == table().end()) throw argError(op, "unknown kernel");
  const abi::KernelAbi& k = *it->second.abi;
  const size_t want = recordSlots(op, k.record, slots, nslots);
  if (nslots != want)
    throw argError(op, std::string("record ") + abi::RECORDS[k.record].name + " has " + std::to_string(want) +
                           " slots, got " + std::to_string(nslots));
  // A list argument's length is checked by its handler against the record (concat: channels).
  if (!k.variadic && nids != (size_t)k.buffers)
    throw argError(op, "expected " + std::to_string(k.buffers) + " buffers, got " + std::to_string(nids));
  bindFake(fake.get());
  it->second.handler(Call{*this, op, k, slots, nslots, ids, nids});
  if (syncEachOp) synchronize(op.c_str());
}

}  // namespace cn
