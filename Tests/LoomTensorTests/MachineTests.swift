import Foundation
import XCTest
import LoomTensor

final class MachineTests: XCTestCase {
    /// The count honours the affinity mask, checked against the kernel's own list in /proc/self/status
    /// (`Cpus_allowed_list: 0-1,4`), and never exceeds Foundation's count.
    func testProcessorCountHonoursTheAffinityMask() throws {
        let count = Machine.countAvailableProcessors()
        XCTAssertEqual(Machine.processorCount, count)
        XCTAssertGreaterThanOrEqual(count, 1)
        XCTAssertLessThanOrEqual(count, ProcessInfo.processInfo.activeProcessorCount)
        #if os(Linux)
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else {
            throw XCTSkip("no Cpus_allowed_list in /proc/self/status")
        }
        var allowed = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            allowed += bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1
        }
        XCTAssertEqual(count, min(allowed, ProcessInfo.processInfo.activeProcessorCount))
        #endif
    }

    /// The allocator setting is applied on glibc, and left alone when the user configured malloc themselves.
    func testRetainFreedMemoryRespectsTheUsersMallocSettings() throws {
        #if canImport(Glibc)
        if ProcessInfo.processInfo.environment["LOOM_SANITIZER"] == "address" {
            throw XCTSkip("AddressSanitizer replaces malloc, so mallopt has nothing to set")
        }
        for variable in ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"] {
            if ProcessInfo.processInfo.environment[variable] != nil {
                throw XCTSkip("\(variable) is set in this test run's environment")
            }
        }
        for variable in ["MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"] {
            setenv(variable, "1048576", 1)
            XCTAssertFalse(Machine.retainFreedMemory(), "\(variable) set by the user")
            unsetenv(variable)
        }
        XCTAssertTrue(Machine.retainFreedMemory())
        #else
        XCTAssertFalse(Machine.retainFreedMemory())
        #endif
    }
}
