// Packed-panel GEMM driver: placeholder until the GEMM family is written.
#include "gemm.h"
