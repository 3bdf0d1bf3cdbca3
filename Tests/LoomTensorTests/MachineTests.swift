import Foundation
import XCTest
import LoomTensor

final class MachineTests: XCTestCase {
    func testProcessorCountIsFoundations() {
        XCTAssertEqual(Machine.processorCount, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertGreaterThanOrEqual(Machine.processorCount, 1)
    }

    /// The allocator setting is applied on glibc, and left alone when the user configured malloc themselves.
    func testRetainFreedMemoryRespectsTheUsersMallocSettings() throws {
        #if canImport(Glibc)
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
