#ifndef LOOM_MEMORY_H
#define LOOM_MEMORY_H

/// Asks glibc's allocator to keep freed memory for reuse instead of handing it back to the kernel.
///
/// A training step allocates and frees the same multi-megabyte buffers (activations, gradients) every step.
/// By default glibc serves such blocks with mmap and unmaps them on free, or trims the top of its heap, so
/// every step faults in and zeroes fresh pages: about a tenth of an LSTM sentiment step on the 2-core
/// machine. This sets the mmap threshold to its maximum (32 MiB) and the trim threshold to 1 GiB, for the
/// whole process: call it from an executable, early. Settings the user made through MALLOC_MMAP_THRESHOLD_,
/// MALLOC_TRIM_THRESHOLD_ or GLIBC_TUNABLES are left alone. Returns 1 if it changed the settings, else 0
/// (also on C libraries other than glibc).
int loom_retain_freed_memory(void);

#endif
