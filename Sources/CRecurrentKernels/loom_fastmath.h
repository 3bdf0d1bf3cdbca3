#ifndef LOOM_FASTMATH_H
#define LOOM_FASTMATH_H

// Private to CRecurrentKernels: the exp/sigmoid/tanh approximations shared by the gate kernels (loom_gates.c) and the
// split single-sequence recurrence (loom_split.c), identical to LoomTensor's FastMath so that every path
// computes the same gates.

#include <stdint.h>
#include <string.h>

/// e^x as FastMath.exp: x = n·ln2 + r, degree-6 polynomial for e^r, 2^n in the exponent bits.
static inline __attribute__((always_inline)) float fast_exp(float x) {
    float clamped = x < -87.3f ? -87.3f : x;
    clamped = clamped > 88.3f ? 88.3f : clamped;
    const float magic = 12582912.0f;
    float shifted = clamped * 1.44269504f + magic;
    float n = shifted - magic;
    float r = clamped - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float er = p * r2 + r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &shifted, 4);
    bits = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return er * scale;
}

static inline __attribute__((always_inline)) float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

/// tanh as FastMath.tanh: odd polynomial below 0.625, 1 − 2/(e^{2|x|}+1) with the sign restored above.
static inline __attribute__((always_inline)) float fast_tanh(float x) {
    float ax = x < 0 ? -x : x;
    ax = ax > 10.0f ? 10.0f : ax;
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * x + x;
    float large = 1.0f - 2.0f / (fast_exp(2.0f * ax) + 1.0f);
    float signed_large = x < 0 ? -large : large;
    return ax < 0.625f ? small : signed_large;
}

#endif
