#include "loom_panels.h"
#include "loom_clones.h"

#include <stddef.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define LOOM_HAVE_AVX512_PATH 1
#endif

void loom_pack_panels(int k, int n, const float *w, float *packed) {
    for (int j0 = 0; j0 < n; j0 += LOOM_PANEL_WIDTH) {
        int width = n - j0 < LOOM_PANEL_WIDTH ? n - j0 : LOOM_PANEL_WIDTH;
        for (int r = 0; r < k; r++) {
            for (int j = 0; j < width; j++) packed[(size_t)r * width + j] = w[(size_t)r * n + j0 + j];
        }
        packed += (size_t)k * width;
    }
}

/// 64 columns of a panel `width` wide: a fixed-size accumulator the compiler keeps in vector registers (eight
/// AVX2 or sixteen SSE registers), so each weight is loaded once and y is not re-read for every row.
static inline __attribute__((always_inline)) void block64_portable(int k, int width, const float *restrict p,
                                                                   const float *restrict x, float *restrict y) {
    float acc[64];
    for (int j = 0; j < 64; j++) acc[j] = y[j];
    for (int r = 0; r < k; r++, p += width) {
        float xr = x[r];
        for (int j = 0; j < 64; j++) acc[j] += xr * p[j];
    }
    for (int j = 0; j < 64; j++) y[j] = acc[j];
}

/// Fewer than 64 remaining columns.
static inline __attribute__((always_inline)) void tail_portable(int k, int width, int columns, const float *restrict p,
                                                                const float *restrict x, float *restrict y) {
    for (int r = 0; r < k; r++, p += width) {
        float xr = x[r];
        for (int j = 0; j < columns; j++) y[j] += xr * p[j];
    }
}

LOOM_CLONES
void loom_panel_matvec_add_portable(int k, int n, const float *packed, const float *x, float *y) {
    for (int j0 = 0; j0 < n; j0 += LOOM_PANEL_WIDTH) {
        int width = n - j0 < LOOM_PANEL_WIDTH ? n - j0 : LOOM_PANEL_WIDTH;
        int j = 0;
        for (; j + 64 <= width; j += 64) block64_portable(k, width, packed + j, x, y + j0 + j);
        if (j < width) tail_portable(k, width, width - j, packed + j, x, y + j0 + j);
        packed += (size_t)k * width;
    }
}

#ifdef LOOM_HAVE_AVX512_PATH
/// Eight vectors (128 columns) of a panel `width` wide: eight independent accumulators, enough to keep both
/// FMA pipes busy (a single accumulator would wait on each FMA's latency).
__attribute__((target("avx512f"))) static void block8_avx512(int k, int width, const float *p, const float *x,
                                                            float *y) {
    __m512 a0 = _mm512_loadu_ps(y), a1 = _mm512_loadu_ps(y + 16), a2 = _mm512_loadu_ps(y + 32),
           a3 = _mm512_loadu_ps(y + 48), a4 = _mm512_loadu_ps(y + 64), a5 = _mm512_loadu_ps(y + 80),
           a6 = _mm512_loadu_ps(y + 96), a7 = _mm512_loadu_ps(y + 112);
    for (int r = 0; r < k; r++, p += width) {
        __m512 xr = _mm512_set1_ps(x[r]);
        a0 = _mm512_fmadd_ps(xr, _mm512_loadu_ps(p), a0);
        a1 = _mm512_fmadd_ps(xr, _mm512_loadu_ps(p + 16), a1);
        a2 = _mm512_fmadd_ps(xr, _mm512_loadu_ps(p + 32), a2);
        a3 = _mm512_fmadd_ps(xr, _mm512_loadu_ps(p + 48), a3);
        a4 = _mm512_fmadd_ps(xr, _mm512_loadu_ps(p + 64), a4);
        a5 = _mm512_fmadd_ps(xr, _mm512_loadu_ps(p + 80), a5);
        a6 = _mm512_fmadd_ps(xr, _mm512_loadu_ps(p + 96), a6);
        a7 = _mm512_fmadd_ps(xr, _mm512_loadu_ps(p + 112), a7);
    }
    _mm512_storeu_ps(y, a0); _mm512_storeu_ps(y + 16, a1); _mm512_storeu_ps(y + 32, a2);
    _mm512_storeu_ps(y + 48, a3); _mm512_storeu_ps(y + 64, a4); _mm512_storeu_ps(y + 80, a5);
    _mm512_storeu_ps(y + 96, a6); _mm512_storeu_ps(y + 112, a7);
}

/// Up to four vectors of a panel `width` wide, the last one masked to the columns that remain.
__attribute__((target("avx512f"))) static void block4_avx512(int k, int width, int columns, const float *p,
                                                            const float *x, float *y) {
    __mmask16 m[4];
    for (int v = 0; v < 4; v++) {
        int left = columns - 16 * v;
        m[v] = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1u);
    }
    __m512 a0 = _mm512_maskz_loadu_ps(m[0], y), a1 = _mm512_maskz_loadu_ps(m[1], y + 16),
           a2 = _mm512_maskz_loadu_ps(m[2], y + 32), a3 = _mm512_maskz_loadu_ps(m[3], y + 48);
    for (int r = 0; r < k; r++, p += width) {
        __m512 xr = _mm512_set1_ps(x[r]);
        a0 = _mm512_fmadd_ps(xr, _mm512_maskz_loadu_ps(m[0], p), a0);
        a1 = _mm512_fmadd_ps(xr, _mm512_maskz_loadu_ps(m[1], p + 16), a1);
        a2 = _mm512_fmadd_ps(xr, _mm512_maskz_loadu_ps(m[2], p + 32), a2);
        a3 = _mm512_fmadd_ps(xr, _mm512_maskz_loadu_ps(m[3], p + 48), a3);
    }
    _mm512_mask_storeu_ps(y, m[0], a0); _mm512_mask_storeu_ps(y + 16, m[1], a1);
    _mm512_mask_storeu_ps(y + 32, m[2], a2); _mm512_mask_storeu_ps(y + 48, m[3], a3);
}

/// One panel: 128 columns at a time, then the rest 64 at a time.
__attribute__((target("avx512f"))) static void panel_avx512(int k, int width, const float *p, const float *x,
                                                                  float *y) {
    int j = 0;
    for (; j + 128 <= width; j += 128) block8_avx512(k, width, p + j, x, y + j);
    for (; j < width; j += 64) block4_avx512(k, width, width - j, p + j, x, y + j);
}

__attribute__((target("avx512f"))) static void matvec_avx512(int k, int n, const float *packed, const float *x,
                                                            float *y) {
    for (int j0 = 0; j0 < n; j0 += LOOM_PANEL_WIDTH) {
        int width = n - j0 < LOOM_PANEL_WIDTH ? n - j0 : LOOM_PANEL_WIDTH;
        panel_avx512(k, width, packed, x, y + j0);
        packed += (size_t)k * width;
    }
}
#endif

void loom_panel_matvec_add(int k, int n, const float *packed, const float *x, float *y) {
#ifdef LOOM_HAVE_AVX512_PATH
    if (__builtin_cpu_supports("avx512f")) {
        matvec_avx512(k, n, packed, x, y);
        return;
    }
#endif
    loom_panel_matvec_add_portable(k, n, packed, x, y);
}
