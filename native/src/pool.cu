// Max and average pooling, NHWC, one thread per output (forward) or input (avg backward) element.
// Max backward sends each window's gradient to its first maximal element (row-major scan), scattered
// with atomics after zeroing dx; average backward gathers, so it needs no atomics.
#include <cfloat>
#include "device.cuh"

namespace cn {

__global__ void maxPoolK(PoolP p, const float* __restrict__ x, float* __restrict__ y, const float* __restrict__ dy,
                         float* __restrict__ dx) {
  const int64_t total = (int64_t)p.n * p.outH * p.outW * p.c;
  CN_GRID_STRIDE(i, total) {
    int ch = (int)(i % p.c);
    int ow = (int)((i / p.c) % p.outW), oh = (int)((i / ((int64_t)p.c * p.outW)) % p.outH);
    int img = (int)(i / ((int64_t)p.c * p.outW * p.outH));
    float best = -FLT_MAX;
    int64_t arg = -1;
    bool nan = false;  // the first NaN wins, as the js reference (torch propagates NaN)
    for (int kh = 0; kh < p.kH && !nan; kh++) {
      int ih = oh * p.strideH - p.padTop + kh;
      if (ih < 0 || ih >= p.inH) continue;
      for (int kw = 0; kw < p.kW; kw++) {
        int iw = ow * p.strideW - p.padLeft + kw;
        if (iw < 0 || iw >= p.inW) continue;
        int64_t xi = (((int64_t)img * p.inH + ih) * p.inW + iw) * p.c + ch;
        float v = x[xi];
        if (arg < 0 || v > best || v != v) {
          best = v;
          arg = xi;
          if (v != v) { nan = true; break; }
        }
      }
    }
    // arg >= 0: the host refuses windows entirely in padding (as the js reference), so every window has one.
    if (y) y[i] = arg < 0 ? -INFINITY : best;
    else if (arg >= 0) atomicAdd(dx + arg, dy[i]);
  }
}

void maxPoolForward(const PoolP& p, const float* x, float* y, cudaStream_t s) {
  maxPoolK<<<blocksFor((int64_t)p.n * p.outH * p.outW * p.c), THREADS, 0, s>>>(p, x, y, nullptr, nullptr);
  checkLaunch("maxPool2d");
}

void maxPoolBackward(const PoolP& p, const float* x, const float* dy, float* dx, cudaStream_t s) {
  checkCuda(cudaMemsetAsync(dx, 0, sizeof(float) * (size_t)p.n * p.inH * p.inW * p.c, s), "maxPool2dBackward");
  maxPoolK<<<blocksFor((int64_t)p.n * p.outH * p.outW * p.c), THREADS, 0, s>>>(p, x, nullptr, dy, dx);
  checkLaunch("maxPool2dBackward");
}

__global__ void avgPoolK(PoolP p, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t total = (int64_t)p.n * p.outH * p.outW * p.c;
  CN_GRID_STRIDE(i, total) {
    int ch = (int)(i % p.c);
    int ow = (int)((i / p.c) % p.outW), oh = (int)((i / ((int64_t)p.c * p.outW)) % p.outH);
    int img = (int)(i / ((int64_t)p.c * p.outW * p.outH));
    float acc = 0.f;
    for (int kh = 0; kh < p.kH; kh++) {
      int ih = oh * p.strideH - p.padTop + kh;
      if (ih < 0 || ih >= p.inH) continue;
      for (int kw = 0; kw < p.kW; kw++) {
        int iw = ow * p.strideW - p.padLeft + kw;
        if (iw < 0 || iw >= p.inW) continue;
        acc += x[(((int64_t)img * p.inH + ih) * p.inW + iw) * p.c + ch];
      }
    }
    y[i] = acc / (float)avgPoolDivisor(oh, ow, p.inH, p.inW, p.kH, p.kW, p.strideH, p.strideW, p.padTop, p.padLeft,
                                       p.padBottom, p.padRight, p.countIncludePad != 0);
  }
}

void avgPoolForward(const PoolP& p, const float* x, float* y, cudaStream_t s) {
  avgPoolK<<<blocksFor((int64_t)p.n * p.outH * p.outW * p.c), THREADS, 0, s>>>(p, x, y);
  checkLaunch("avgPool2d");
}

__device__ inline int ceilDivNonNeg(int a, int b) { return a <= 0 ? 0 : (a + b - 1) / b; }

__global__ void avgPoolBackK(PoolP p, const float* __restrict__ dy, float* __restrict__ dx) {
  const int64_t total = (int64_t)p.n * p.inH * p.inW * p.c;
  CN_GRID_STRIDE(i, total) {
    int ch = (int)(i % p.c);
    int iw = (int)((i / p.c) % p.inW), ih = (int)((i / ((int64_t)p.c * p.inW)) % p.inH);
    int img = (int)(i / ((int64_t)p.c * p.inW * p.inH));
    // windows oh with oh*s - pad <= ih < oh*s - pad + k
    int oh0 = ceilDivNonNeg(ih + p.padTop - p.kH + 1, p.strideH), oh1 = min(p.outH - 1, (ih + p.padTop) / p.strideH);
    int ow0 = ceilDivNonNeg(iw + p.padLeft - p.kW + 1, p.strideW), ow1 = min(p.outW - 1, (iw + p.padLeft) / p.strideW);
    float acc = 0.f;
    for (int oh = oh0; oh <= oh1; oh++)
      for (int ow = ow0; ow <= ow1; ow++)
        acc += dy[(((int64_t)img * p.outH + oh) * p.outW + ow) * p.c + ch] /
               (float)avgPoolDivisor(oh, ow, p.inH, p.inW, p.kH, p.kW, p.strideH, p.strideW, p.padTop, p.padLeft,
                                     p.padBottom, p.padRight, p.countIncludePad != 0);
    dx[i] = acc;
  }
}

void avgPoolBackward(const PoolP& p, const float* dy, float* dx, cudaStream_t s) {
  avgPoolBackK<<<blocksFor((int64_t)p.n * p.inH * p.inW * p.c), THREADS, 0, s>>>(p, dy, dx);
  checkLaunch("avgPool2dBackward");
}

// ---- adaptive average pooling (torch AdaptiveAvgPool2d): window rows [floor(o*in/out), ceil((o+1)*in/out)),
// columns likewise; windows may overlap. Backward gathers from every window holding the input element.

__global__ void adaptiveAvgK(AdaptP p, const float* __restrict__ x, float* __restrict__ y) {
  const int64_t total = (int64_t)p.n * p.outH * p.outW * p.c;
  CN_GRID_STRIDE(i, total) {
    int ch = (int)(i % p.c);
    int ow = (int)((i / p.c) % p.outW), oh = (int)((i / ((int64_t)p.c * p.outW)) % p.outH);
    int img = (int)(i / ((int64_t)p.c * p.outW * p.outH));
    int h0 = adaptStart(oh, p.inH, p.outH), h1 = adaptEnd(oh, p.inH, p.outH);
    int w0 = adaptStart(ow, p.inW, p.outW), w1 = adaptEnd(ow, p.inW, p.outW);
    float acc = 0.f;
    for (int ih = h0; ih < h1; ih++)
      for (int iw = w0; iw < w1; iw++) acc += x[(((int64_t)img * p.inH + ih) * p.inW + iw) * p.c + ch];
    y[i] = acc / (float)((h1 - h0) * (w1 - w0));
  }
}

__global__ void adaptiveAvgBackK(AdaptP p, const float* __restrict__ dy, float* __restrict__ dx) {
  const int64_t total = (int64_t)p.n * p.inH * p.inW * p.c;
  CN_GRID_STRIDE(i, total) {
    int ch = (int)(i % p.c);
    int iw = (int)((i / p.c) % p.inW), ih = (int)((i / ((int64_t)p.c * p.inW)) % p.inH);
    int img = (int)(i / ((int64_t)p.c * p.inW * p.inH));
    // windows o with start(o) <= i < end(o): o in [floor(i*out/in), ceil((i+1)*out/in) - 1]
    const int oh0 = adaptLo(ih, p.inH, p.outH), oh1 = adaptHi(ih, p.inH, p.outH);
    const int ow0 = adaptLo(iw, p.inW, p.outW), ow1 = adaptHi(iw, p.inW, p.outW);
    float acc = 0.f;
    for (int oh = oh0; oh <= oh1; oh++) {
      int hs = adaptEnd(oh, p.inH, p.outH) - adaptStart(oh, p.inH, p.outH);
      for (int ow = ow0; ow <= ow1; ow++) {
        int ws = adaptEnd(ow, p.inW, p.outW) - adaptStart(ow, p.inW, p.outW);
        acc += dy[(((int64_t)img * p.outH + oh) * p.outW + ow) * p.c + ch] / (float)(hs * ws);
      }
    }
    dx[i] = acc;
  }
}

void adaptiveAvgPoolForward(const AdaptP& p, const float* x, float* y, cudaStream_t s) {
  adaptiveAvgK<<<blocksFor((int64_t)p.n * p.outH * p.outW * p.c), THREADS, 0, s>>>(p, x, y);
  checkLaunch("adaptiveAvgPool2d");
}

void adaptiveAvgPoolBackward(const AdaptP& p, const float* dy, float* dx, cudaStream_t s) {
  adaptiveAvgBackK<<<blocksFor((int64_t)p.n * p.inH * p.inW * p.c), THREADS, 0, s>>>(p, dy, dx);
  checkLaunch("adaptiveAvgPool2dBackward");
}

}  // namespace cn
