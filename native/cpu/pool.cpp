// pool on the CPU: placeholder until the family is written.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace pool {

void max(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void maxBackward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void avg(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void avgBackward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void adaptiveAvg(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void adaptiveAvgBackward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }

}  // namespace pool
}  // namespace cpu
}  // namespace cn
