// concat on the CPU: placeholder until the family is written.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace concat {

void concat(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void split(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }

}  // namespace concat
}  // namespace cpu
}  // namespace cn
