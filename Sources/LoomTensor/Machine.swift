import CBLAS
import Foundation

/// The machine and the process: facts read once, and a process-wide setting for executables.
public enum Machine {
    /// Processors this process may run on, read once: Foundation derives it from /proc and the cgroup
    /// limits on every call (tens of microseconds, as much as tokenizing a review).
    public static let processorCount = ProcessInfo.processInfo.activeProcessorCount

    /// Makes the C allocator keep freed memory for reuse (see `loom_memory.h`): training steps then reuse
    /// their multi-megabyte buffers instead of faulting in fresh pages every step. Process-wide, so meant for
    /// executables (the `loom` training commands and the benchmarks call it); respects the user's own
    /// MALLOC_* and GLIBC_TUNABLES settings. Returns whether it changed anything.
    @discardableResult
    public static func retainFreedMemory() -> Bool {
        loom_retain_freed_memory() == 1
    }
}
