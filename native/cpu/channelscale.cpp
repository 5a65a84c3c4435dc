// channelscale on the CPU: placeholder until the family is written.
#include "kernel.h"

namespace cn {
namespace cpu {
namespace channelscale {

void forward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }
void backward(const Call& k) { throw argError(k.op, "not implemented on the cpu backend yet"); }

}  // namespace channelscale
}  // namespace cpu
}  // namespace cn
