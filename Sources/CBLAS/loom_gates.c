#include "loom_gates.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && (defined(__clang__) || defined(__GNUC__))  // ifunc-based multiversioning
#define LOOM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LOOM_CLONES
#endif

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

static inline __attribute__((always_inline)) int is_real(const float *mask, int row) { return mask == NULL || mask[row] != 0.0f; }


// One row of each kernel, with restrict pointers so every loop vectorises without overlap checks.

static inline __attribute__((always_inline)) void lstm_forward_row(int H, float *restrict gi, float *restrict gf, float *restrict gg_,
                                    float *restrict go, const float *restrict bias, const float *restrict cp,
                                    float *restrict tc, float *restrict hn, float *restrict cn) {
    for (int j = 0; j < H; j++) {
        float i = fast_sigmoid(gi[j] + bias[j]);
        float f = fast_sigmoid(gf[j] + bias[H + j]);
        float gg = fast_tanh(gg_[j] + bias[2 * H + j]);
        float o = fast_sigmoid(go[j] + bias[3 * H + j]);
        gi[j] = i; gf[j] = f; gg_[j] = gg; go[j] = o;
        float c_new = f * cp[j] + i * gg;                       // c' = f⊙c + i⊙g
        float t = fast_tanh(c_new);
        tc[j] = t;
        cn[j] = c_new;
        hn[j] = o * t;                                          // h' = o⊙tanh(c')
    }
}

LOOM_CLONES
void loom_lstm_forward_step(int batch, int H, float *gates, const float *bias, const float *c_prev,
                            const float *h_prev, float *tanh_c, const float *mask, float *h, float *c, float *output) {
    for (int b = 0; b < batch; b++) {
        size_t row = (size_t)b * H;
        float *g = gates + row * 4;
        lstm_forward_row(H, g, g + H, g + 2 * H, g + 3 * H, bias, c_prev + row, tanh_c + row, h + row, c + row);
        if (is_real(mask, b)) {
            memcpy(output + row, h + row, sizeof(float) * H);
        } else {  // padded step: keep the state, emit zeros
            memcpy(h + row, h_prev + row, sizeof(float) * H);
            memcpy(c + row, c_prev + row, sizeof(float) * H);
            memset(output + row, 0, sizeof(float) * H);
        }
    }
}

static inline __attribute__((always_inline)) void lstm_backward_row(int H, const float *restrict g, const float *restrict cp,
                                     const float *restrict tc, const float *restrict dy, float *restrict dh,
                                     float *restrict dc, float *restrict di, float *restrict df,
                                     float *restrict dgg, float *restrict d_o) {
    for (int j = 0; j < H; j++) {
        float i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j], t = tc[j];
        float dh_total = dh[j] + (dy ? dy[j] : 0.0f);  // loop-invariant test, unswitched
        float dc_total = dc[j] + dh_total * o * (1.0f - t * t);         // dc̃
        di[j] = dc_total * gg * i * (1.0f - i);                          // di·σ'
        df[j] = dc_total * cp[j] * f * (1.0f - f);                       // df·σ'
        dgg[j] = dc_total * i * (1.0f - gg * gg);                        // dg·tanh'
        d_o[j] = dh_total * t * o * (1.0f - o);                          // do·σ'
        dc[j] = dc_total * f;                                            // dc_prev
        dh[j] = 0.0f;                                                    // caller adds dG·W_hh
    }
}

LOOM_CLONES
void loom_lstm_backward_step(int batch, int H, const float *gates, const float *c_prev, const float *tanh_c,
                             const float *mask, const float *d_output, float *dh, float *dc, float *d_gates) {
    for (int b = 0; b < batch; b++) {
        size_t row = (size_t)b * H;
        if (!is_real(mask, b)) {
            memset(d_gates + row * 4, 0, sizeof(float) * 4 * H);
            continue;
        }
        float *dg = d_gates + row * 4;
        lstm_backward_row(H, gates + row * 4, c_prev + row, tanh_c + row, d_output ? d_output + row : NULL,
                          dh + row, dc + row, dg, dg + H, dg + 2 * H, dg + 3 * H);
    }
}

static inline __attribute__((always_inline)) void gru_forward_row(int H, float *restrict gr, float *restrict gz, float *restrict gn,
                                   const float *restrict bias, const float *restrict rh,
                                   float *restrict hn_out, const float *restrict hp, float *restrict hn) {
    for (int j = 0; j < H; j++) {
        float r = fast_sigmoid(gr[j] + bias[j] + rh[j]);
        float z = fast_sigmoid(gz[j] + bias[H + j] + rh[H + j]);
        float h_n = rh[2 * H + j];
        float n = fast_tanh(gn[j] + bias[2 * H + j] + r * h_n);         // n = tanh(x_n + r⊙h_n)
        gr[j] = r; gz[j] = z; gn[j] = n;
        hn_out[j] = h_n;
        hn[j] = (1.0f - z) * n + z * hp[j];                              // h' = (1−z)⊙n + z⊙h
    }
}

LOOM_CLONES
void loom_gru_forward_step(int batch, int H, float *gates, const float *bias, const float *recurrent,
                           float *hidden_n, const float *h_prev, const float *mask, float *h, float *output) {
    for (int b = 0; b < batch; b++) {
        size_t row = (size_t)b * H;
        float *g = gates + row * 3;
        gru_forward_row(H, g, g + H, g + 2 * H, bias, recurrent + row * 3, hidden_n + row, h_prev + row, h + row);
        if (is_real(mask, b)) {
            memcpy(output + row, h + row, sizeof(float) * H);
        } else {
            memcpy(h + row, h_prev + row, sizeof(float) * H);
            memset(output + row, 0, sizeof(float) * H);
        }
    }
}

static inline __attribute__((always_inline)) void gru_backward_row(int H, const float *restrict g, const float *restrict hnr,
                                    const float *restrict hp, const float *restrict dy, float *restrict dh,
                                    float *restrict dxr, float *restrict dxz, float *restrict dxn,
                                    float *restrict dhr, float *restrict dhz, float *restrict dhn) {
    for (int j = 0; j < H; j++) {
        float r = g[j], z = g[H + j], n = g[2 * H + j];
        float dh_total = dh[j] + (dy ? dy[j] : 0.0f);  // loop-invariant test, unswitched
        float dn_pre = dh_total * (1.0f - z) * (1.0f - n * n);
        float dz_pre = dh_total * (hp[j] - n) * z * (1.0f - z);
        float dr_pre = dn_pre * hnr[j] * r * (1.0f - r);
        dxr[j] = dr_pre; dxz[j] = dz_pre; dxn[j] = dn_pre;
        dhr[j] = dr_pre; dhz[j] = dz_pre; dhn[j] = dn_pre * r;
        dh[j] = dh_total * z;                                            // direct path; caller adds dG_h·W_hh
    }
}

LOOM_CLONES
void loom_gru_backward_step(int batch, int H, const float *gates, const float *hidden_n, const float *h_prev,
                            const float *mask, const float *d_output, float *dh, float *d_input_gates,
                            float *d_hidden_gates) {
    for (int b = 0; b < batch; b++) {
        size_t row = (size_t)b * H;
        if (!is_real(mask, b)) {
            memset(d_input_gates + row * 3, 0, sizeof(float) * 3 * H);
            memset(d_hidden_gates + row * 3, 0, sizeof(float) * 3 * H);
            continue;
        }
        float *dx = d_input_gates + row * 3, *dhg = d_hidden_gates + row * 3;
        gru_backward_row(H, gates + row * 3, hidden_n + row, h_prev + row, d_output ? d_output + row : NULL,
                         dh + row, dx, dx + H, dx + 2 * H, dhg, dhg + H, dhg + 2 * H);
    }
}
