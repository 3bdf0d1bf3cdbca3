#ifndef LOOM_BLAS_H
#define LOOM_BLAS_H

#include <stddef.h>

/// Loads OpenBLAS (libopenblas.so.0) on first use. Before loading, when the user has not set
/// OPENBLAS_CORETYPE, it is set from the CPU's own feature flags, because Debian's OpenBLAS 0.3.21
/// can misdetect recent CPUs and fall back to a kernel five times slower. A core type the user set
/// is never touched. Returns 0 on success, -1 when the library cannot be loaded (see loom_blas_error).
int loom_blas_load(void);

/// Why loading failed, or NULL.
const char *loom_blas_error(void);

/// The OpenBLAS core in use (e.g. "Cooperlake"), or "unloaded".
const char *loom_blas_core_name(void);

/// OpenBLAS's build configuration string.
const char *loom_blas_config(void);

/// Where the core type came from: "user" (OPENBLAS_CORETYPE was set before Loom started),
/// "loom" (Loom chose it from CPU features), or "openblas" (OpenBLAS's own detection).
const char *loom_blas_core_source(void);

/// Number of threads OpenBLAS uses, and a way to set it.
int loom_blas_get_threads(void);
void loom_blas_set_threads(int threads);

/// Row-major single-precision C = alpha * op(A) * op(B) + beta * C (cblas_sgemm, CblasRowMajor).
void loom_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc);

/// Row-major y = alpha * op(A) * x + beta * y (cblas_sgemv, CblasRowMajor).
void loom_sgemv(int trans_a, int m, int n, float alpha, const float *a, int lda, const float *x, int incx,
                float beta, float *y, int incy);

#endif
