// batchnorm on the CPU: placeholder until the family is written.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace batchnorm {

void train(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void inference(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void trainBackward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void inferenceBackward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }

}  // namespace batchnorm
}  // namespace cpu
}  // namespace cn
