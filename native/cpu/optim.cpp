// optim on the CPU: placeholder until the family is written.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace optim {

void sgd(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void adamw(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }

}  // namespace optim
}  // namespace cpu
}  // namespace cn
