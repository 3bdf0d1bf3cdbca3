import Foundation

/// Runs work over contiguous index chunks on several threads and returns the chunk
/// results in chunk order, so merged results are deterministic.
enum ParallelChunks {
    static func map<R>(_ count: Int, threads: Int?, _ body: (Range<Int>) -> R) -> [R] {
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, max(count, 1)))
        if workers == 1 { return [body(0..<count)] }
        let results = ResultSlots<R>(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lower = count * worker / workers, upper = count * (worker + 1) / workers
            results.set(worker, body(lower..<upper))
        }
        return results.values()
    }
}

/// Write-once slots filled from `concurrentPerform`, one slot per worker.
private final class ResultSlots<R>: @unchecked Sendable {
    private var slots: [R?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: R) { lock.lock(); slots[index] = value; lock.unlock() }
    func values() -> [R] { slots.map { $0! } }
}
