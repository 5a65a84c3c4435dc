// Host-side declarations of the general convolution family (conv2d.cpp), for the addon's probes.
#pragma once
#include "common.h"

namespace cn {

/** im2col chunking: images per chunk so the column matrix stays under maxColBytes (at least 1). */
struct Im2colPlan { int imgsPerChunk; int64_t colFloats; int K; bool identity; };
Im2colPlan im2colPlan(const ConvP& p, size_t maxColBytes);

/** The conv2d record's checks (also convRecord's): throws argError naming op and field. */


}  // namespace cn
