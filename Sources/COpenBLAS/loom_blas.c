#define _GNU_SOURCE
#include "loom_blas.h"
#include "loom_machine.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef void (*sgemv_fn)(int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef char *(*string_fn)(void);
typedef int (*get_threads_fn)(void);
typedef void (*set_threads_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *library;
static sgemm_fn sgemm_ptr;
static sgemv_fn sgemv_ptr;
static string_fn core_name_ptr;
static string_fn config_ptr;
static get_threads_fn get_threads_ptr;
static set_threads_fn set_threads_ptr;
static char error_text[512];
static const char *core_source = "openblas";

/// The OpenBLAS core name that fits this CPU, from its feature flags; NULL to leave detection to OpenBLAS.
static const char *fitting_core(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                 __builtin_cpu_supports("avx512cd");
    if (avx512 && __builtin_cpu_supports("avx512bf16")) return "Cooperlake";
    if (avx512) return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return NULL;
}

static void load_once(void) {
    // Before dlopen: OpenBLAS starts its worker threads there, and they inherit the setting.
    loom_flush_denormals();
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (user != NULL && user[0] != '\0') {
        core_source = "user";
    } else {
        const char *core = fitting_core();
        if (core != NULL) {
            setenv("OPENBLAS_CORETYPE", core, 1);
            core_source = "loom";
        }
    }
    // Idle OpenBLAS worker threads spin (sched_yield) for about 2^28 cycles after each threaded call. Loom's
    // recurrent time loops run single-threaded BLAS on every core between the large threaded products, so a
    // spinning worker steals a core from them (measured with loom-bench recurrent: 4–20% more tokens/s with
    // the shortest timeout). Workers then sleep right away and are woken per threaded call (microseconds
    // against milliseconds for the large products). A value the user set is kept.
    const char *timeout = getenv("OPENBLAS_THREAD_TIMEOUT");
    if (timeout == NULL || timeout[0] == '\0') setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", NULL};
    for (int i = 0; names[i] != NULL && library == NULL; i++) library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(error_text, sizeof error_text,
                 "cannot load OpenBLAS (%s); install it with: apt-get install -y libopenblas-dev", dlerror());
        return;
    }
    sgemm_ptr = (sgemm_fn)dlsym(library, "cblas_sgemm");
    sgemv_ptr = (sgemv_fn)dlsym(library, "cblas_sgemv");
    core_name_ptr = (string_fn)dlsym(library, "openblas_get_corename");
    config_ptr = (string_fn)dlsym(library, "openblas_get_config");
    get_threads_ptr = (get_threads_fn)dlsym(library, "openblas_get_num_threads");
    set_threads_ptr = (set_threads_fn)dlsym(library, "openblas_set_num_threads");
    if (sgemm_ptr == NULL || sgemv_ptr == NULL) {
        snprintf(error_text, sizeof error_text, "the loaded OpenBLAS lacks cblas_sgemm/cblas_sgemv");
        dlclose(library);
        library = NULL;
    }
}

int loom_blas_load(void) {
    pthread_once(&once, load_once);
    return library != NULL ? 0 : -1;
}

const char *loom_blas_error(void) { return error_text[0] ? error_text : NULL; }

const char *loom_blas_core_name(void) {
    if (loom_blas_load() != 0 || core_name_ptr == NULL) return "unloaded";
    return core_name_ptr();
}

const char *loom_blas_config(void) {
    if (loom_blas_load() != 0 || config_ptr == NULL) return "unloaded";
    return config_ptr();
}

const char *loom_blas_core_source(void) {
    loom_blas_load();
    return core_source;
}

int loom_blas_get_threads(void) {
    if (loom_blas_load() != 0 || get_threads_ptr == NULL) return 1;
    return get_threads_ptr();
}

void loom_blas_set_threads(int threads) {
    if (loom_blas_load() == 0 && set_threads_ptr != NULL) set_threads_ptr(threads);
}

/// Plain triple loop, used only when OpenBLAS could not be loaded, so results stay correct (if slow).
static void fallback_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int p = 0; p < k; p++) {
                float av = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float bv = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                sum += av * bv;
            }
            float *out = &c[(size_t)i * ldc + j];
            *out = alpha * sum + (beta == 0 ? 0 : beta * *out);
        }
    }
}

void loom_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc) {
    if (m == 0 || n == 0) return;
    if (loom_blas_load() != 0) {
        fallback_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    sgemm_ptr(RowMajor, trans_a ? Trans : NoTrans, trans_b ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb,
              beta, c, ldc);
}

void loom_sgemv(int trans_a, int m, int n, float alpha, const float *a, int lda, const float *x, int incx,
                float beta, float *y, int incy) {
    if (loom_blas_load() != 0) {
        int rows = trans_a ? n : m, cols = trans_a ? m : n;
        for (int i = 0; i < rows; i++) {
            float sum = 0;
            for (int j = 0; j < cols; j++) {
                float av = trans_a ? a[(size_t)j * lda + i] : a[(size_t)i * lda + j];
                sum += av * x[(size_t)j * incx];
            }
            y[(size_t)i * incy] = alpha * sum + (beta == 0 ? 0 : beta * y[(size_t)i * incy]);
        }
        return;
    }
    sgemv_ptr(RowMajor, trans_a ? Trans : NoTrans, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
