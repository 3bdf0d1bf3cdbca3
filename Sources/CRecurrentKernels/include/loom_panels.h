#ifndef LOOM_PANELS_H
#define LOOM_PANELS_H

/// Vector × matrix products that repeat with the same matrix, as a recurrence at batch 1 does at every step:
/// y[n] += x[k] · W[k, n], with W packed so that each 256-column panel's rows lie next to each other (one
/// sequential stream per panel) and 128 columns of y held in registers while W streams through once. On one
/// core this runs at OpenBLAS sgemv's speed (both are bound by the cache's bandwidth); it exists so that the
/// split single-sequence recurrence (loom_split.h) can give each core its own contiguous half of W_hh.

/// Columns per panel of the packed layout.
#define LOOM_PANEL_WIDTH 256

/// Copies W [k, n] (row-major) into panel order: for each panel of up to LOOM_PANEL_WIDTH columns, its k rows
/// contiguously. `packed` holds k·n floats.
void loom_pack_panels(int k, int n, const float *w, float *packed);

/// y += x · W with W in panel order (see loom_pack_panels). Uses AVX-512 when the CPU has it.
void loom_panel_matvec_add(int k, int n, const float *packed, const float *x, float *y);

/// The same product in portable C (64-column blocks the compiler keeps in AVX2 or SSE registers), for CPUs
/// without AVX-512 (and for tests of both paths): about 1.2× the AVX-512 kernel's time with AVX2, 1.6× with SSE.
void loom_panel_matvec_add_portable(int k, int n, const float *packed, const float *x, float *y);

#endif
