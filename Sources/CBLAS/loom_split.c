#define _GNU_SOURCE
#include "loom_split.h"
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

struct loom_pair {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    padded_counter generation;      ///< bumped by the caller for every job (and once to stop)
    padded_counter arrived[2];      ///< steps finished by each side, over the pair's lifetime
    long passed[2];                 ///< each side's own count of barriers (private to that side)
    const loom_split_job *job;      ///< the current job, valid until both sides pass its last barrier
    int stop;
};

static int units_of(int hidden, int half, int *first) {
    int split = hidden / 2;
    *first = half == 0 ? 0 : split;
    return half == 0 ? split : hidden - split;
}

static int gates_of(int cell) { return cell == LOOM_SPLIT_LSTM ? 4 : 3; }

int loom_split_packed_count(int cell, int hidden, int half) {
    int first;
    return hidden * gates_of(cell) * units_of(hidden, half, &first);
}

void loom_split_pack(int cell, int hidden, const float *weight_hh, int half, float *packed) {
    int first, units = units_of(hidden, half, &first), G = gates_of(cell), columns = G * units;
    float *slice = malloc(sizeof(float) * (size_t)hidden * (size_t)columns);
    if (slice == NULL) { memset(packed, 0, sizeof(float) * (size_t)hidden * (size_t)columns); return; }
    for (int k = 0; k < hidden; k++) {
        for (int g = 0; g < G; g++) {
            for (int j = 0; j < units; j++) {
                slice[(size_t)k * columns + g * units + j] = weight_hh[((size_t)g * hidden + first + j) * hidden + k];
            }
        }
    }
    loom_pack_panels(hidden, columns, slice, packed);
    free(slice);
}

/// Both sides call this after each step: publish our count, wait for the other side's. After a few thousand
/// polls (the other side was preempted: the machine is busy) it yields the core instead of burning it.
static inline void barrier(loom_pair *pair, int side) {
    long target = ++pair->passed[side];
    atomic_store_explicit(&pair->arrived[side].value, target, memory_order_release);
    int polls = 0;
    while (atomic_load_explicit(&pair->arrived[1 - side].value, memory_order_acquire) < target) {
        if (++polls < 4096) LOOM_PAUSE(); else sched_yield();
    }
}

/// Gate pre-activations of this half's units: x-side part (input row + bias) into gx, recurrent part into rh.
LOOM_CLONES
void loom_split_lstm_gates(int H, int first, int units, const float *restrict x, const float *restrict bias,
                           float *restrict gates) {
    for (int g = 0; g < 4; g++) {
        for (int j = 0; j < units; j++) gates[g * units + j] = x[g * H + first + j] + bias[g * units + j];
    }
}

LOOM_CLONES
void loom_split_lstm_cell(int units, const float *restrict gates, float *restrict c, float *restrict h_out) {
    for (int j = 0; j < units; j++) {
        float i = fast_sigmoid(gates[j]);
        float f = fast_sigmoid(gates[units + j]);
        float gg = fast_tanh(gates[2 * units + j]);
        float o = fast_sigmoid(gates[3 * units + j]);
        float c_new = f * c[j] + i * gg;  // c' = f⊙c + i⊙g
        c[j] = c_new;
        h_out[j] = o * fast_tanh(c_new);  // h' = o⊙tanh(c')
    }
}

LOOM_CLONES
void loom_split_gru_cell(int H, int first, int units, const float *restrict x, const float *restrict bias_ih,
                         const float *restrict rh, const float *restrict h_prev, float *restrict h_out) {
    for (int j = 0; j < units; j++) {
        float r = fast_sigmoid(x[first + j] + bias_ih[j] + rh[j]);
        float z = fast_sigmoid(x[H + first + j] + bias_ih[units + j] + rh[units + j]);
        float n = fast_tanh(x[2 * H + first + j] + bias_ih[2 * units + j] + r * rh[2 * units + j]);
        h_out[j] = (1.0f - z) * n + z * h_prev[j];  // h' = (1−z)⊙n + z⊙h
    }
}

/// One side's share of a job. `h` is the shared double-buffered hidden state [2][H], zeroed by the caller.
static void run_half(loom_pair *pair, const loom_split_job *job, int side, float *h) {
    const int H = job->hidden, G = gates_of(job->cell), T = job->steps;
    int first, units = units_of(H, side, &first);
    const int columns = G * units;
    // Per side: this half's biases (LSTM: b_ih + b_hh; GRU: b_ih then b_hh), gates, recurrent part, cell state.
    float *scratch = calloc((size_t)4 * columns + units, sizeof(float));
    float *bias = scratch, *bias_hh = bias + columns, *gates = bias_hh + columns, *rh = gates + columns;
    float *c = rh + columns;
    if (scratch == NULL) abort();  // a few KB; nothing sensible to do without them
    for (int g = 0; g < G; g++) {
        for (int j = 0; j < units; j++) {
            int row = g * H + first + j;
            bias[g * units + j] = job->cell == LOOM_SPLIT_LSTM ? job->bias_ih[row] + job->bias_hh[row] : job->bias_ih[row];
            bias_hh[g * units + j] = job->bias_hh[row];
        }
    }
    for (int s = 0; s < T; s++) {
        int t = job->reverse ? T - 1 - s : s;
        const float *h_prev = h + (s & 1) * H;
        float *h_next = h + ((s + 1) & 1) * H;
        float *out = job->output + (size_t)t * job->output_stride + first;
        if (job->mask != NULL && job->mask[(size_t)t * job->mask_stride] == 0.0f) {
            memcpy(h_next + first, h_prev + first, sizeof(float) * units);  // padded step: carry the state
            memset(out, 0, sizeof(float) * units);
        } else {
            const float *x = job->input_rows[t];
            if (job->cell == LOOM_SPLIT_LSTM) {
                loom_split_lstm_gates(H, first, units, x, bias, gates);
                loom_panel_matvec_add(H, columns, job->packed[side], h_prev, gates);
                loom_split_lstm_cell(units, gates, c, h_next + first);
            } else {
                memcpy(rh, bias_hh, sizeof(float) * columns);
                loom_panel_matvec_add(H, columns, job->packed[side], h_prev, rh);
                loom_split_gru_cell(H, first, units, x, bias, rh, h_prev + first, h_next + first);
            }
            memcpy(out, h_next + first, sizeof(float) * units);
        }
        barrier(pair, side);
    }
    free(scratch);
}

static long nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
}

typedef struct {
    loom_split_job job;
    float *h;
} posted_job;

static void *helper_main(void *argument) {
    loom_pair *pair = argument;
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
        const posted_job *posted = (const posted_job *)pair->job;
        run_half(pair, &posted->job, 1, posted->h);
    }
}

loom_pair *loom_pair_create(void) {
    loom_pair *pair = calloc(1, sizeof(loom_pair));
    if (pair == NULL) return NULL;
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

void loom_pair_run(loom_pair *pair, const loom_split_job *job) {
    if (job->steps <= 0) return;
    float *h = aligned_alloc(64, sizeof(float) * (size_t)((2 * job->hidden + 15) / 16 * 16));
    if (h == NULL) abort();
    memset(h, 0, sizeof(float) * 2 * (size_t)job->hidden);
    posted_job posted = { *job, h };
    post(pair, &posted);
    run_half(pair, job, 0, h);
    // The last step's barrier means the helper has written its last output and no longer reads the job.
    free(h);
}
