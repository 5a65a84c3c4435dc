// Packed-panel GEMM driver of the CPU backend (gemm.cpp), over the chosen ISA's register tile.
#pragma once
#include "kernel.h"
