// conv2d on the CPU: placeholder until the family is written.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace conv2d {

void forward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void backwardData(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void backwardFilter(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }

}  // namespace conv2d
}  // namespace cpu
}  // namespace cn
