#ifndef LOOM_SPLIT_H
#define LOOM_SPLIT_H

/// Forward-only LSTM/GRU recurrence of ONE sequence with its hidden units split between the calling thread and
/// one helper thread.
///
/// At batch 1 each step streams the whole recurrent matrix W_hh from cache (256 KB for an LSTM of 128), and a
/// core's cache delivers it no faster than about 2.5 µs: the step is bandwidth-bound, not arithmetic-bound. Two
/// cores each holding the columns of half the units (gates of units [0, H/2) on the caller, [H/2, H) on the
/// helper) read half the bytes each, and exchange the new hidden state through shared memory with one
/// two-party barrier per step. The helper thread lives as long as its `loom_pair`, spins briefly after each
/// run so that back-to-back sequences find it awake, then sleeps on a condition variable.

typedef struct loom_pair loom_pair;

/// Starts the helper thread. NULL if the thread could not be created (callers then run on one thread).
loom_pair *loom_pair_create(void);

/// Stops and joins the helper thread and frees the pair. NULL is ignored.
void loom_pair_destroy(loom_pair *pair);

enum { LOOM_SPLIT_LSTM = 0, LOOM_SPLIT_GRU = 1 };

/// An LSTM/GRU of `layers` layers of `hidden` units with each layer's weights split in halves (half 0 owns units
/// [0, H/2), half 1 owns [H/2, H)), packed for the panel kernels of loom_panels.h, with the per-thread scratch
/// memory the pair needs. One sequence or step at a time per model.
typedef struct loom_split_model loom_split_model;

/// Packs the weights (PyTorch layout per layer l: weight_ih[l] [G·H, H] for l ≥ 1 — entry 0 is not read, the
/// caller supplies layer 0's input side — weight_hh[l] [G·H, H], bias_ih[l], bias_hh[l] [G·H]). NULL if the
/// cell is not LSTM/GRU, hidden < 2, or memory runs out.
loom_split_model *loom_split_model_create(int cell, int layers, int hidden, const float *const *weight_ih,
                                          const float *const *weight_hh, const float *const *bias_ih,
                                          const float *const *bias_hh);

/// Frees a model from loom_split_model_create. NULL is ignored.
void loom_split_model_destroy(loom_split_model *model);

/// One sequence through layer 0 of a model (one direction of one layer of a network).
typedef struct {
    const loom_split_model *model;  ///< its layer 0 runs the sequence
    int steps;                      ///< T
    int reverse;                    ///< nonzero: process t = T−1 … 0
    const float *const *input_rows; ///< per time step t: W_ih·x_t without bias, [G·H]
    const float *mask;              ///< per time step t at mask[t·mask_stride]; 0 = padded step; NULL = all real
    int mask_stride;
    float *output;                  ///< h_t written to output + t·output_stride ([H]); zeros at padded steps
    int output_stride;
} loom_split_job;

/// Runs `job` from a zero initial state on the caller and the pair's helper thread; returns when every output
/// row is written. One job at a time per pair.
void loom_pair_run(loom_pair *pair, const loom_split_job *job);

/// One step of every layer of a model (sampling a character model: one barrier per layer). `x0` [G·H] is layer
/// 0's input side with its bias (W_ih·x + b_ih, plus b_hh for an LSTM); `h` [layers·H] is read and replaced by
/// the new state; `c` [layers·H] (LSTM; NULL for GRU) is updated.
/// One step at a time per model and per pair.
void loom_pair_step(loom_pair *pair, const loom_split_model *model, const float *x0, float *h, float *c);

#endif
