// The activation family's formulas for the CUDA kernels: activation.h (shared with the CPU backend).
#pragma once
#include "common.h"
#include "activation.h"
