#include "loom_gates.h"
#include "loom_cells.h"
#include "loom_fastmath.h"
#include "loom_clones.h"

#include <stdint.h>
#include <string.h>

static inline __attribute__((always_inline)) int is_real(const float *mask, int row) { return mask == NULL || mask[row] != 0.0f; }

// One row of each kernel, with restrict pointers so every loop vectorises without overlap checks. The
// forward rows are loom_cells.h's (shared with the split path); equations E1–E13: RecurrentKernels.swift.

LOOM_CLONES
void loom_lstm_forward_step(int batch, int H, float *gates, const float *bias, const float *c_prev,
                            const float *h_prev, float *tanh_c, const float *mask, float *h, float *c, float *output) {
    for (int b = 0; b < batch; b++) {
        size_t row = (size_t)b * H;
        float *g = gates + row * 4;
        loom_lstm_row(H, g, g + H, g + 2 * H, g + 3 * H, bias, c_prev + row, tanh_c + row, h + row, c + row);
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
        float dc_total = dc[j] + dh_total * o * (1.0f - t * t);         // E10: dc̃
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

LOOM_CLONES
void loom_gru_forward_step(int batch, int H, float *gates, const float *bias, const float *recurrent,
                           float *hidden_n, const float *h_prev, const float *mask, float *h, float *output) {
    for (int b = 0; b < batch; b++) {
        size_t row = (size_t)b * H;
        float *g = gates + row * 3;
        loom_gru_row(H, g, g + H, g + 2 * H, bias, recurrent + row * 3, hidden_n + row, h_prev + row, h + row);
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
        float dn_pre = dh_total * (1.0f - z) * (1.0f - n * n);          // E11
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

/// One row of LSTM units for a caller without backward caches (the stepper, the two-thread path): gates
/// [i|f|g|o] pre-activations with their bias, c_prev → c (distinct buffers), h written.
LOOM_CLONES
void loom_lstm_cell(int n, float *gates, const float *c_prev, float *h, float *c) {
    loom_lstm_row(n, gates, gates + n, gates + 2 * n, gates + 3 * n, NULL, c_prev, NULL, h, c);
}

/// One row of GRU units for a caller without backward caches: gates [r|z|n] the input side with b_ih, rh the
/// hidden side W_hh·h + b_hh, h_prev → h (distinct buffers).
LOOM_CLONES
void loom_gru_cell(int n, float *gates, const float *rh, const float *h_prev, float *h) {
    loom_gru_row(n, gates, gates + n, gates + 2 * n, NULL, rh, NULL, h_prev, h);
}
