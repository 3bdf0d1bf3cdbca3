import COpenBLAS
import Foundation

/// The machine and the process: facts read once, and a process-wide setting for executables.
public enum Machine {
    /// Processors this process may run on, read once (at first use): the smaller of Foundation's count
    /// (online CPUs, or the cgroup's CPU quota) and the CPUs in the thread's affinity mask (`taskset`,
    /// cpusets). Foundation re-reads /proc and the cgroup files on every call (tens of microseconds, as much
    /// as tokenizing a review), and does not look at the affinity mask, under which two threads that wait
    /// for each other could end up sharing one CPU.
    public static let processorCount = countAvailableProcessors()

    /// Counts the processors now (see `processorCount`); at least 1.
    public static func countAvailableProcessors() -> Int {
        let online = ProcessInfo.processInfo.activeProcessorCount
        let allowed = Int(loom_affinity_cpu_count())
        return max(1, allowed > 0 ? min(online, allowed) : online)
    }

    /// Flushes denormal floats to zero on the calling thread (see `loom_flush_denormals`): called by every
    /// thread Loom starts for compute (batch slices, server workers); the thread that loads OpenBLAS, and
    /// OpenBLAS's own threads, get it at load.
    public static func flushDenormalsOnThisThread() {
        loom_flush_denormals()
    }

    /// Makes the C allocator keep freed memory for reuse (see `loom_memory.h`): training steps then reuse
    /// their multi-megabyte buffers instead of faulting in fresh pages every step. Process-wide, so meant for
    /// executables (`loom` and `loom-bench` call it at start); respects the user's own
    /// MALLOC_* and GLIBC_TUNABLES settings. Returns whether it changed anything.
    @discardableResult
    public static func retainFreedMemory() -> Bool {
        loom_retain_freed_memory() == 1
    }
}
