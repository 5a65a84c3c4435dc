// Depthwise convolution (groups = inC, outC = inC * multiplier), NHWC: one thread per output element,
// channels fastest so a warp reads consecutive channels. Filter w[o, kh, kw, 0].
#include "device.cuh"

namespace cn {

__global__ void dwForwardK(ConvP p, const float* __restrict__ x, const float* __restrict__ w,
                           const float* __restrict__ bias, float* __restrict__ y) {
  const int mult = p.outC / p.inC;
  CN_GRID_STRIDE(i, p.yLen()) {
    int o = (int)(i % p.outC);
    int ow = (int)((i / p.outC) % p.outW), oh = (int)((i / ((int64_t)p.outC * p.outW)) % p.outH);
    int img = (int)(i / ((int64_t)p.outC * p.outW * p.outH));
    int ci = o / mult;
    float acc = bias ? bias[o] : 0.f;
    for (int kh = 0; kh < p.kH; kh++) {
      int ih = oh * p.strideH - p.padTop + kh * p.dilH;
      if (ih < 0 || ih >= p.inH) continue;
      for (int kw = 0; kw < p.kW; kw++) {
        int iw = ow * p.strideW - p.padLeft + kw * p.dilW;
        if (iw < 0 || iw >= p.inW) continue;
        acc = fmaf(x[(((size_t)img * p.inH + ih) * p.inW + iw) * p.inC + ci], w[(o * p.kH + kh) * p.kW + kw], acc);
      }
    }
    y[i] = actForward(p.act, acc);
  }
}

void dwForward(const ConvP& p, const float* x, const float* w, const float* bias, float* y, cudaStream_t s) {
  dwForwardK<<<blocksFor(p.yLen()), THREADS, 0, s>>>(p, x, w, bias, y);
  checkLaunch("dwconv2d");
}

__global__ void dwBackwardDataK(ConvP p, const float* __restrict__ dy, const float* __restrict__ w, float* __restrict__ dx) {
  const int mult = p.outC / p.inC;
  CN_GRID_STRIDE(i, p.xLen()) {
    int ci = (int)(i % p.inC);
    int iw = (int)((i / p.inC) % p.inW), ih = (int)((i / ((int64_t)p.inC * p.inW)) % p.inH);
    int img = (int)(i / ((int64_t)p.inC * p.inW * p.inH));
    float acc = 0.f;
    for (int kh = 0; kh < p.kH; kh++) {
      int th = ih + p.padTop - kh * p.dilH;
      if (th < 0 || th % p.strideH) continue;
      int oh = th / p.strideH;
      if (oh >= p.outH) continue;
      for (int kw = 0; kw < p.kW; kw++) {
        int tw = iw + p.padLeft - kw * p.dilW;
        if (tw < 0 || tw % p.strideW) continue;
        int ow = tw / p.strideW;
        if (ow >= p.outW) continue;
        const float* d = dy + (((size_t)img * p.outH + oh) * p.outW + ow) * p.outC + ci * mult;
        for (int m = 0; m < mult; m++) acc = fmaf(d[m], w[((ci * mult + m) * p.kH + kh) * p.kW + kw], acc);
      }
    }
    dx[i] = acc;
  }
}

void dwBackwardData(const ConvP& p, const float* dy, const float* w, float* dx, cudaStream_t s) {
  dwBackwardDataK<<<blocksFor(p.xLen()), THREADS, 0, s>>>(p, dy, w, dx);
  checkLaunch("dwconv2dBackwardData");
}

// One block per (kh, kw) tap and 32-channel slice: threads (32 channels x 8 row lanes) sum over all
// output pixels, then reduce the 8 lanes in shared memory. Deterministic.
__global__ void dwBackwardFilterK(ConvP p, const float* __restrict__ x, const float* __restrict__ dy, float* __restrict__ dw) {
  __shared__ float red[8][33];
  const int mult = p.outC / p.inC;
  const int o = blockIdx.x * 32 + threadIdx.x;
  const int tap = blockIdx.y, kh = tap / p.kW, kw = tap % p.kW;
  float acc = 0.f;
  if (o < p.outC) {
    const int ci = o / mult;
    const int64_t pix = (int64_t)p.n * p.outH * p.outW;
    // gridDim.z slices of the pixels; slices add into dw (zeroed first) when there is more than one.
    const int64_t per = (pix + gridDim.z - 1) / gridDim.z;
    const int64_t r0 = blockIdx.z * per, r1 = r0 + per < pix ? r0 + per : pix;
    for (int64_t r = r0 + threadIdx.y; r < r1; r += 8) {
      int ow = (int)(r % p.outW), oh = (int)((r / p.outW) % p.outH), img = (int)(r / ((int64_t)p.outW * p.outH));
      int ih = oh * p.strideH - p.padTop + kh * p.dilH, iw = ow * p.strideW - p.padLeft + kw * p.dilW;
      if (ih < 0 || ih >= p.inH || iw < 0 || iw >= p.inW) continue;
      acc = fmaf(x[(((size_t)img * p.inH + ih) * p.inW + iw) * p.inC + ci], dy[(size_t)r * p.outC + o], acc);
    }
  }
  red[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && o < p.outC) {
    float s = 0.f;
    for (int l = 0; l < 8; l++) s += red[l][threadIdx.x];
    if (gridDim.z > 1) atomicAdd(dw + (o * p.kH + kh) * p.kW + kw, s);
    else dw[(o * p.kH + kh) * p.kW + kw] = s;
  }
}

void dwBackwardFilter(const ConvP& p, const float* x, const float* dy, float* dw, cudaStream_t s) {
  const int blocks = ((p.outC + 31) / 32) * p.kH * p.kW;
  const int64_t pix = (int64_t)p.n * p.outH * p.outW;
  int split = blocks >= 256 ? 1 : (256 + blocks - 1) / blocks;
  if (split > pix / 1024) split = pix / 1024 > 1 ? (int)(pix / 1024) : 1;
  if (split > 1) checkCuda(cudaMemsetAsync(dw, 0, sizeof(float) * p.wLen(), s), "dwconv2dBackwardFilter");
  dim3 grid((p.outC + 31) / 32, p.kH * p.kW, split);
  dwBackwardFilterK<<<grid, dim3(32, 8), 0, s>>>(p, x, dy, dw);
  checkLaunch("dwconv2dBackwardFilter");
}

}  // namespace cn
