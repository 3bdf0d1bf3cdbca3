#define _GNU_SOURCE
#include "loom_split.h"
#include "loom_gates.h"
#include "loom_fastmath.h"
#include "loom_panels.h"
#include "loom_clones.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define LOOM_PAUSE() _mm_pause()
#else
#define LOOM_PAUSE() ((void)0)
#endif

/// How long the helper keeps polling for the next job before it sleeps.
#define LOOM_SPIN_NANOSECONDS 500000L

typedef struct {
    _Alignas(64) atomic_long value;
    char padding[64 - sizeof(atomic_long)];
} padded_counter;

typedef struct {
    _Alignas(64) long value;
    char padding[64 - sizeof(long)];
} padded_long;

struct loom_pair {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    padded_counter generation;      ///< bumped by the caller for every job (and once to stop)
    padded_counter arrived[2];      ///< steps finished by each side, over the pair's lifetime
    padded_long passed[2];          ///< each side's own count of barriers (private to that side, own line)
    const void *job;                ///< the current posted_work, valid until both sides pass its last barrier
    int stop;
};

/// Cache-line-aligned memory for `count` floats (zeroed), so 64-byte vector loads never straddle two lines.
static float *aligned_floats(size_t count) {
    size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
    float *memory = aligned_alloc(64, bytes > 0 ? bytes : 64);
    if (memory) memset(memory, 0, bytes);
    return memory;
}

static int units_of(int hidden, int half, int *first) {
    int split = hidden / 2;
    *first = half == 0 ? 0 : split;
    return half == 0 ? split : hidden - split;
}

static int gates_of(int cell) { return cell == LOOM_SPLIT_LSTM ? 4 : 3; }

/// Copies the rows of one half's units out of a gate weight matrix [G·H, inputs] (PyTorch layout) into `packed`
/// in the panel order of loom_panels.h: a [inputs, G·units] matrix whose column g·units + j is unit
/// (first + j)'s gate g. Returns 0, or −1 if scratch memory could not be allocated.
static int pack_half(int cell, int hidden, int inputs, const float *weight, int half, float *packed) {
    int first, units = units_of(hidden, half, &first), G = gates_of(cell), columns = G * units;
    float *slice = malloc(sizeof(float) * (size_t)inputs * (size_t)columns);
    if (slice == NULL) return -1;
    for (int k = 0; k < inputs; k++) {
        for (int g = 0; g < G; g++) {
            for (int j = 0; j < units; j++) {
                slice[(size_t)k * columns + g * units + j] = weight[((size_t)g * hidden + first + j) * inputs + k];
            }
        }
    }
    loom_pack_panels(inputs, columns, slice, packed);
    free(slice);
    return 0;
}

/// Both sides call this after each step: publish our count, wait for the other side's. After a thousand
/// polls (the other side was preempted: the machine is busy) it yields the core instead of burning it.
static inline void barrier(loom_pair *pair, int side) {
    long target = ++pair->passed[side].value;
    atomic_store_explicit(&pair->arrived[side].value, target, memory_order_release);
    int polls = 0;
    while (atomic_load_explicit(&pair->arrived[1 - side].value, memory_order_acquire) < target) {
        if (++polls < 1024) LOOM_PAUSE(); else sched_yield();
    }
}

/// This half's slice of a full gate row x [G·H] (gate-major), plus `bias` (this half's layout) unless NULL, into
/// `gates` in this half's layout [G·units].
LOOM_CLONES
void loom_split_gather(int G, int H, int first, int units, const float *restrict x, const float *restrict bias,
                       float *restrict gates) {
    for (int g = 0; g < G; g++) {
        for (int j = 0; j < units; j++) gates[g * units + j] = x[g * H + first + j] + (bias ? bias[g * units + j] : 0.0f);
    }
}

// MARK: the weights, split in halves

/// One half's share of one layer.
typedef struct {
    float *packed_ih;  ///< [H, G·units] panel order (layers ≥ 1)
    float *packed_hh;  ///< [H, G·units] panel order
    float *bias_x;     ///< input-side bias, half layout: b_ih + b_hh (LSTM) or b_ih (GRU)
    float *bias_hh;    ///< GRU: b_hh, half layout
} half_layer;

struct loom_split_model {
    int cell, layers, hidden;
    half_layer *halves;  ///< [layers][2]
    float *scratch[2];   ///< per side: gates, rh (2·G·units) and, for a sequence, the cell state (units)
    float *shared;       ///< [max(layers, 2)·H], both sides: a step's new states (a layer each), or a
                         ///< sequence's double-buffered hidden state
};

void loom_split_model_destroy(loom_split_model *model) {
    if (model == NULL) return;
    if (model->halves) {
        for (int i = 0; i < 2 * model->layers; i++) {
            free(model->halves[i].packed_ih); free(model->halves[i].packed_hh);
            free(model->halves[i].bias_x); free(model->halves[i].bias_hh);
        }
    }
    free(model->halves); free(model->scratch[0]); free(model->scratch[1]); free(model->shared);
    free(model);
}

loom_split_model *loom_split_model_create(int cell, int layers, int hidden, const float *const *weight_ih,
                                          const float *const *weight_hh, const float *const *bias_ih,
                                          const float *const *bias_hh) {
    if (hidden < 2 || layers < 1 || (cell != LOOM_SPLIT_LSTM && cell != LOOM_SPLIT_GRU)) return NULL;
    loom_split_model *model = calloc(1, sizeof(loom_split_model));
    if (model == NULL) return NULL;
    model->cell = cell; model->layers = layers; model->hidden = hidden;
    const int H = hidden, G = gates_of(cell);
    model->halves = calloc((size_t)2 * layers, sizeof(half_layer));
    model->shared = aligned_floats((size_t)(layers > 2 ? layers : 2) * H);
    int ok = model->halves != NULL && model->shared != NULL;
    for (int side = 0; side < 2 && ok; side++) {
        int first, units = units_of(H, side, &first), columns = G * units;
        model->scratch[side] = aligned_floats((size_t)2 * columns + units);
        ok = ok && model->scratch[side] != NULL;
        for (int l = 0; l < layers && ok; l++) {
            half_layer *half = &model->halves[2 * l + side];
            half->packed_hh = aligned_floats((size_t)H * columns);
            half->bias_x = aligned_floats((size_t)columns);
            half->bias_hh = aligned_floats((size_t)columns);
            ok = half->packed_hh && half->bias_x && half->bias_hh &&
                 pack_half(cell, H, H, weight_hh[l], side, half->packed_hh) == 0;
            if (ok && l > 0) {
                half->packed_ih = aligned_floats((size_t)H * columns);
                ok = half->packed_ih && pack_half(cell, H, H, weight_ih[l], side, half->packed_ih) == 0;
            }
            for (int g = 0; g < G && ok; g++) {
                for (int j = 0; j < units; j++) {
                    int row = g * H + first + j;
                    half->bias_x[g * units + j] = cell == LOOM_SPLIT_LSTM ? bias_ih[l][row] + bias_hh[l][row] : bias_ih[l][row];
                    half->bias_hh[g * units + j] = bias_hh[l][row];
                }
            }
        }
    }
    if (!ok) { loom_split_model_destroy(model); return NULL; }
    return model;
}

/// One side's share of a sequence through layer 0 of the job's model; the caller zeroed the first state.
static void run_sequence_half(loom_pair *pair, const loom_split_job *job, int side) {
    const loom_split_model *model = job->model;
    const int H = model->hidden, G = gates_of(model->cell), T = job->steps;
    int first, units = units_of(H, side, &first);
    const int columns = G * units;
    const half_layer *half = &model->halves[side];
    float *gates = model->scratch[side], *rh = gates + columns, *c = rh + columns, *h = model->shared;
    memset(c, 0, sizeof(float) * units);
    for (int s = 0; s < T; s++) {
        int t = job->reverse ? T - 1 - s : s;
        const float *h_prev = h + (s & 1) * H;
        float *h_next = h + ((s + 1) & 1) * H;
        float *out = job->output + (size_t)t * job->output_stride + first;
        if (job->mask != NULL && job->mask[(size_t)t * job->mask_stride] == 0.0f) {
            memcpy(h_next + first, h_prev + first, sizeof(float) * units);  // padded step: carry the state
            memset(out, 0, sizeof(float) * units);
        } else {
            loom_split_gather(G, H, first, units, job->input_rows[t], half->bias_x, gates);
            if (model->cell == LOOM_SPLIT_LSTM) {
                loom_panel_matvec_add(H, columns, half->packed_hh, h_prev, gates);
                // E1–E4 (loom_cells.h, through loom_gates.c's cloned entry: this file's own functions are
                // compiled for baseline x86-64); the new cell state goes through rh, unused by LSTM.
                loom_lstm_cell(units, gates, c, h_next + first, rh);
                memcpy(c, rh, sizeof(float) * units);
            } else {
                memcpy(rh, half->bias_hh, sizeof(float) * columns);
                loom_panel_matvec_add(H, columns, half->packed_hh, h_prev, rh);
                loom_gru_cell(units, gates, rh, h_prev + first, h_next + first);  // E5–E8
            }
            memcpy(out, h_next + first, sizeof(float) * units);
        }
        barrier(pair, side);
    }
}

static long nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
}

/// What the caller hands the helper: a function that runs one side's share, and its argument.
typedef struct {
    void (*run_half)(loom_pair *pair, const void *job, int side);
    const void *job;
} posted_work;

static void *helper_main(void *argument) {
    loom_pair *pair = argument;
#if defined(__x86_64__)
    _mm_setcsr(_mm_getcsr() | 0x8000);  // denormal results flushed to zero, as on Loom's other threads (loom_machine.h)
#endif
    long seen = 0;
    for (;;) {
        // Poll for a while (back-to-back sequences), then sleep until woken.
        long deadline = nanoseconds() + LOOM_SPIN_NANOSECONDS;
        int polls = 0;
        while (atomic_load_explicit(&pair->generation.value, memory_order_acquire) == seen) {
            LOOM_PAUSE();
            if (++polls % 256 == 0 && nanoseconds() > deadline) {
                pthread_mutex_lock(&pair->lock);
                while (atomic_load_explicit(&pair->generation.value, memory_order_acquire) == seen) {
                    pthread_cond_wait(&pair->wake, &pair->lock);
                }
                pthread_mutex_unlock(&pair->lock);
                break;
            }
        }
        seen = atomic_load_explicit(&pair->generation.value, memory_order_acquire);
        if (pair->stop) return NULL;
        const posted_work *work = pair->job;
        work->run_half(pair, work->job, 1);
    }
}

loom_pair *loom_pair_create(void) {
    // Aligned as its members ask (each counter on its own cache line); calloc only promises 16 bytes.
    size_t bytes = (sizeof(loom_pair) + 63) / 64 * 64;
    loom_pair *pair = aligned_alloc(64, bytes);
    if (pair == NULL) return NULL;
    memset(pair, 0, bytes);
    pthread_mutex_init(&pair->lock, NULL);
    pthread_cond_init(&pair->wake, NULL);
    if (pthread_create(&pair->thread, NULL, helper_main, pair) != 0) {
        pthread_cond_destroy(&pair->wake);
        pthread_mutex_destroy(&pair->lock);
        free(pair);
        return NULL;
    }
    return pair;
}

static void post(loom_pair *pair, const void *job) {
    pthread_mutex_lock(&pair->lock);
    pair->job = job;
    atomic_fetch_add_explicit(&pair->generation.value, 1, memory_order_release);
    pthread_cond_signal(&pair->wake);
    pthread_mutex_unlock(&pair->lock);
}

void loom_pair_destroy(loom_pair *pair) {
    if (pair == NULL) return;
    pair->stop = 1;
    post(pair, NULL);
    pthread_join(pair->thread, NULL);
    pthread_cond_destroy(&pair->wake);
    pthread_mutex_destroy(&pair->lock);
    free(pair);
}

static void sequence_half(loom_pair *pair, const void *job, int side) { run_sequence_half(pair, job, side); }

void loom_pair_run(loom_pair *pair, const loom_split_job *job) {
    if (job->steps <= 0) return;
    memset(job->model->shared, 0, sizeof(float) * job->model->hidden);  // h_0 = 0 (the helper is idle now)
    posted_work work = { sequence_half, job };
    post(pair, &work);
    sequence_half(pair, job, 0);
    // The last step's barrier means the helper has written its last output and no longer reads the job.
}

// MARK: stepping a stacked network one input at a time

typedef struct {
    const loom_split_model *model;
    const float *x0;
    const float *h;
    float *c;
} step_work;

static void step_half(loom_pair *pair, const void *work, int side) {
    const step_work *step = work;
    const loom_split_model *model = step->model;
    const int H = model->hidden, G = gates_of(model->cell);
    int first, units = units_of(H, side, &first);
    const int columns = G * units;
    float *gates = model->scratch[side], *rh = gates + columns;
    for (int l = 0; l < model->layers; l++) {
        const half_layer *half = &model->halves[2 * l + side];
        const float *h_prev = step->h + (size_t)l * H;
        float *h_out = model->shared + (size_t)l * H + first;
        if (l == 0) {
            loom_split_gather(G, H, first, units, step->x0, NULL, gates);  // x0 carries its bias
        } else {
            memcpy(gates, half->bias_x, sizeof(float) * columns);
            loom_panel_matvec_add(H, columns, half->packed_ih, model->shared + (size_t)(l - 1) * H, gates);
        }
        if (model->cell == LOOM_SPLIT_LSTM) {
            float *c = step->c + (size_t)l * H + first;
            loom_panel_matvec_add(H, columns, half->packed_hh, h_prev, gates);
            loom_lstm_cell(units, gates, c, h_out, rh);
            memcpy(c, rh, sizeof(float) * units);  // E3's c' went through rh, unused by LSTM
        } else {
            memcpy(rh, half->bias_hh, sizeof(float) * columns);
            loom_panel_matvec_add(H, columns, half->packed_hh, h_prev, rh);
            loom_gru_cell(units, gates, rh, h_prev + first, h_out);
        }
        barrier(pair, side);  // the layer above reads this layer's whole new state
    }
}

void loom_pair_step(loom_pair *pair, const loom_split_model *model, const float *x0, float *h, float *c) {
    step_work step = { model, x0, h, c };
    posted_work work = { step_half, &step };
    post(pair, &work);
    step_half(pair, &step, 0);
    // After the last layer's barrier the helper reads nothing more of this step.
    memcpy(h, model->shared, sizeof(float) * (size_t)model->layers * model->hidden);
}
