import Foundation

/// Facts about the machine that do not change while the process runs.
public enum Machine {
    /// Processors this process may run on, read once: Foundation derives it from /proc and the cgroup
    /// limits on every call (tens of microseconds, as much as tokenizing a review).
    public static let processorCount = ProcessInfo.processInfo.activeProcessorCount
}
