// dropout on the CPU: placeholder until the family is written.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace dropout {

void mask(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }

}  // namespace dropout
}  // namespace cpu
}  // namespace cn
