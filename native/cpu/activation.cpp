// activation on the CPU: placeholder until the family is written.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace activation {

void forward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void backward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }

}  // namespace activation
}  // namespace cpu
}  // namespace cn
