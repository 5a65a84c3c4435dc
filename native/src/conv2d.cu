// General convolution as im2col + GEMM (NHWC input, OHWI filter => the column matrix's rows already line
// up with the filter rows: y = col . w^T). Backward data = GEMM then a gathering col2im (each dx element
// sums its own contributions: deterministic, no atomics). conv2d.cpp chunks over images to bound scratch.
#include "device.cuh"

namespace cn {

__global__ void im2colK(ConvP p, const float* __restrict__ x, float* __restrict__ col, int img0, int imgs, int group) {
  const int cinG = p.inC / p.groups;
  const int K = p.kH * p.kW * cinG;
  const int64_t total = (int64_t)imgs * p.outH * p.outW * K;
  CN_GRID_STRIDE(i, total) {
    int64_t r = i / K;
    int kidx = (int)(i % K);
    int ci = kidx % cinG, kw = (kidx / cinG) % p.kW, kh = kidx / (cinG * p.kW);
    int ow = (int)(r % p.outW), oh = (int)((r / p.outW) % p.outH);
    int img = img0 + (int)(r / ((int64_t)p.outW * p.outH));
    int ih = oh * p.strideH - p.padTop + kh * p.dilH, iw = ow * p.strideW - p.padLeft + kw * p.dilW;
    float v = 0.f;
    if (ih >= 0 && ih < p.inH && iw >= 0 && iw < p.inW)
      v = x[(((size_t)img * p.inH + ih) * p.inW + iw) * p.inC + group * cinG + ci];
    col[i] = v;
  }
}

void im2col(const ConvP& p, const float* x, float* col, int img0, int imgs, int group, cudaStream_t s) {
  int64_t total = (int64_t)imgs * p.outH * p.outW * p.kH * p.kW * (p.inC / p.groups);
  im2colK<<<blocksFor(total), THREADS, 0, s>>>(p, x, col, img0, imgs, group);
  checkLaunch("conv2d im2col");
}

__global__ void col2imK(ConvP p, const float* __restrict__ dcol, float* __restrict__ dx, int img0, int imgs, int group) {
  const int cinG = p.inC / p.groups;
  const int K = p.kH * p.kW * cinG;
  const int64_t total = (int64_t)imgs * p.inH * p.inW * cinG;
  CN_GRID_STRIDE(i, total) {
    int ci = (int)(i % cinG);
    int iw = (int)((i / cinG) % p.inW), ih = (int)((i / ((int64_t)cinG * p.inW)) % p.inH);
    int li = (int)(i / ((int64_t)cinG * p.inW * p.inH));
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
        acc += dcol[(((size_t)li * p.outH + oh) * p.outW + ow) * K + (kh * p.kW + kw) * cinG + ci];
      }
    }
    dx[(((size_t)(img0 + li) * p.inH + ih) * p.inW + iw) * p.inC + group * cinG + ci] = acc;
  }
}

void col2im(const ConvP& p, const float* dcol, float* dx, int img0, int imgs, int group, cudaStream_t s) {
  int64_t total = (int64_t)imgs * p.inH * p.inW * (p.inC / p.groups);
  col2imK<<<blocksFor(total), THREADS, 0, s>>>(p, dcol, dx, img0, imgs, group);
  checkLaunch("conv2dBackwardData col2im");
}

}  // namespace cn
