#ifndef LOOM_MACHINE_H
#define LOOM_MACHINE_H

/// Number of CPUs the calling thread may run on (its affinity mask: `taskset`, cpusets, container limits),
/// or 0 when the system cannot tell. Foundation's activeProcessorCount counts online CPUs instead, so under
/// `taskset -c 0` it still says 2, and two threads that spin-wait for each other would share one CPU.
int loom_affinity_cpu_count(void);

#endif
