// Private to CRecurrentKernels: the one C definition of each cell's forward arithmetic on one row of units,
// included (and inlined) by both the batched kernels (loom_gates.c) and the two-thread single-sequence path
// (loom_split.c). The readable reference is LoomNN/Recurrent/RecurrentKernels.swift, whose equation block E1…E13 these
// rows cite; RecurrentKernelTests and the split-path tests check both paths against it.
#ifndef LOOM_CELLS_H
#define LOOM_CELLS_H

#include "loom_fastmath.h"

#include <stddef.h>

/// LSTM, `n` units (E1–E4). gi, gf, gg, go: the gate pre-activations W_ih·x + W_hh·h (plus `bias`, [4n] with
/// b_ih + b_hh, unless NULL because the caller already added it). c_prev: the cell state before; c: after
/// (may not alias c_prev); h: the new hidden state. tanh_c: NULL, or backward's caches: tanh(c') there and
/// the activations i, f, g, o written back over the pre-activations. Callers pass NULLs as literals, so the
/// tests fold away when the row is inlined.
static inline __attribute__((always_inline)) void loom_lstm_row(int n, float *restrict gi, float *restrict gf,
                                                                float *restrict gg_, float *restrict go,
                                                                const float *restrict bias,
                                                                const float *restrict c_prev,
                                                                float *restrict tanh_c, float *restrict h,
                                                                float *restrict c) {
    for (int j = 0; j < n; j++) {
        float bi = bias ? bias[j] : 0.0f, bf = bias ? bias[n + j] : 0.0f;
        float bg = bias ? bias[2 * n + j] : 0.0f, bo = bias ? bias[3 * n + j] : 0.0f;
        float i = fast_sigmoid(gi[j] + bi);                     // E1
        float f = fast_sigmoid(gf[j] + bf);                     // E1
        float g = fast_tanh(gg_[j] + bg);                       // E2
        float o = fast_sigmoid(go[j] + bo);                     // E1
        float c_new = f * c_prev[j] + i * g;                    // E3: c' = f⊙c + i⊙g
        float t = fast_tanh(c_new);
        if (tanh_c) {  // backward's caches
            gi[j] = i; gf[j] = f; gg_[j] = g; go[j] = o;
            tanh_c[j] = t;
        }
        c[j] = c_new;
        h[j] = o * t;                                           // E4: h' = o⊙tanh(c')
    }
}

/// GRU, `n` units (E5–E8). gr, gz, gn: the input side W_ih·x (plus `bias`, [3n] b_ih, unless NULL because
/// the caller already added it). rh: the hidden side W_hh·h + b_hh, [3n]. h_prev: the state before; h: after
/// (may not alias h_prev). hidden_n: NULL, or backward's caches: W_hn·h + b_hn there and the activations
/// r, z, n written back over the input side.
static inline __attribute__((always_inline)) void loom_gru_row(int n, float *restrict gr, float *restrict gz,
                                                               float *restrict gn, const float *restrict bias,
                                                               const float *restrict rh,
                                                               float *restrict hidden_n,
                                                               const float *restrict h_prev, float *restrict h) {
    for (int j = 0; j < n; j++) {
        float br = bias ? bias[j] : 0.0f, bz = bias ? bias[n + j] : 0.0f, bn = bias ? bias[2 * n + j] : 0.0f;
        float r = fast_sigmoid(gr[j] + br + rh[j]);             // E5
        float z = fast_sigmoid(gz[j] + bz + rh[n + j]);         // E6
        float h_n = rh[2 * n + j];
        float cand = fast_tanh(gn[j] + bn + r * h_n);           // E7: n = tanh(x_n + r⊙(W_hn·h + b_hn))
        if (hidden_n) {  // backward's caches
            gr[j] = r; gz[j] = z; gn[j] = cand;
            hidden_n[j] = h_n;
        }
        h[j] = (1.0f - z) * cand + z * h_prev[j];               // E8: h' = (1−z)⊙n + z⊙h
    }
}

#endif
