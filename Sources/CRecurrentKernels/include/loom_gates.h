#ifndef LOOM_GATES_H
#define LOOM_GATES_H

/// Fused LSTM/GRU gate kernels for one time step of a batch, the C twins of LoomNN's RecurrentKernels.swift
/// (same formulas, same exp/tanh approximations). They exist because Swift has no per-function CPU targets:
/// Swift code is compiled for baseline x86-64 (4-wide SSE), while these are compiled three times
/// (AVX-512, AVX2, baseline) and the loader picks the widest the CPU runs (GCC/Clang target_clones).
/// Pointers follow the Swift kernels' documentation; `mask` may be NULL (every row real).

void loom_lstm_forward_step(int batch, int hidden, float *gates, const float *bias, const float *c_prev,
                            const float *h_prev, float *tanh_c, const float *mask, float *h, float *c, float *output);

void loom_lstm_backward_step(int batch, int hidden, const float *gates, const float *c_prev, const float *tanh_c,
                             const float *mask, const float *d_output, float *dh, float *dc, float *d_gates);

void loom_gru_forward_step(int batch, int hidden, float *gates, const float *bias, const float *recurrent,
                           float *hidden_n, const float *h_prev, const float *mask, float *h, float *output);

void loom_gru_backward_step(int batch, int hidden, const float *gates, const float *hidden_n, const float *h_prev,
                            const float *mask, const float *d_output, float *dh, float *d_input_gates,
                            float *d_hidden_gates);

/// One row of cells without backward caches (the character stepper's batch-1 step): see loom_cells.h.
/// Gates arrive with their biases added; the pre-activations are left as they were.
void loom_lstm_cell(int n, float *gates, const float *c_prev, float *h, float *c);
void loom_gru_cell(int n, float *gates, const float *rh, const float *h_prev, float *h);

#endif
