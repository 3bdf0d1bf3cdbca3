#ifndef LOOM_MACHINE_H
#define LOOM_MACHINE_H

/// Number of CPUs the calling thread may run on (its affinity mask: `taskset`, cpusets, container limits),
/// or 0 when the system cannot tell. Foundation's activeProcessorCount counts online CPUs instead, so under
/// `taskset -c 0` it still says 2, and two threads that spin-wait for each other would share one CPU.
int loom_affinity_cpu_count(void);

/// Sets the calling thread's SSE control register to flush denormal results to zero (FTZ; as PyTorch's
/// `torch.set_flush_denormal(True)`, but without DAZ, so denormal inputs — a decoded F16 weight can be one —
/// still count); a no-op on other CPUs. Gradients that
/// shrink through hundreds of time steps reach denormal floats, on which Intel cores take about a hundred
/// cycles per operation: a training step with last-state or max pooling ran 17× slower there. Threads started
/// afterwards by this thread inherit the setting.
void loom_flush_denormals(void);

#endif
