// Peak FMA rate of one core: independent accumulator chains (no dependency stalls), no memory traffic.
// Build: g++ -O2 -mavx512f -mfma bench/cpu-fma-peak.cpp -o /tmp/fma-peak && /tmp/fma-peak
#include <immintrin.h>
#include <chrono>
#include <cstdio>

template <class V, class F>
static double rate(int lanes, F fma, V init) {
  constexpr int CH = 12;
  V acc[CH];
  for (int i = 0; i < CH; i++) acc[i] = init;
  V m = init, a = init;
  const long iters = 50'000'000;
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    auto t0 = std::chrono::steady_clock::now();
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
      for (int i = 0; i < CH; i++) acc[i] = fma(acc[i], m, a);
      asm volatile("" : "+x"(m));
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double g = 2.0 * lanes * CH * iters / s / 1e9;
    if (g > best) best = g;
  }
  float sink[16];
  for (int i = 1; i < CH; i++) acc[0] = fma(acc[0], acc[i], a);
  __builtin_memcpy(sink, &acc[0], sizeof(float) * lanes);
  if (sink[0] == 12345.f) std::puts("");
  return best;
}

int main() {
  double g256 = rate(8, [](__m256 c, __m256 m, __m256 a) { return _mm256_fmadd_ps(m, a, c); }, _mm256_set1_ps(1e-9f));
  double g512 = rate(16, [](__m512 c, __m512 m, __m512 a) { return _mm512_fmadd_ps(m, a, c); }, _mm512_set1_ps(1e-9f));
  std::printf("one core, best of 5: AVX2 256-bit FMA %.1f GFLOP/s, AVX-512 FMA %.1f GFLOP/s\n", g256, g512);
}
