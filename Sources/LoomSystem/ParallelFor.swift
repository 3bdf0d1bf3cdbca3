import Dispatch

/// Loom's one parallel-for: splits `0..<count` into `chunks` contiguous ranges and runs `body` on each,
/// concurrently when there is more than one (Dispatch's `concurrentPerform`). Chunk `c` covers
/// `count·c/chunks ..< count·(c+1)/chunks`, so the split is deterministic and every index is covered once.
///
/// ```swift
/// ParallelFor.chunks(values.count, chunks: 2) { chunk, range in for i in range { work(i) } }
/// let sums = ParallelFor.map(values.count, chunks: 4) { range in range.reduce(0) { $0 + values[$1] } }
/// ```
///
/// Callers choose `chunks` (how many pay off depends on the work: the optimizer's memory-bound updates, the
/// recurrent batch slices and tokenizing each pick their own); fewer than one chunk counts as one.
public enum ParallelFor {
    /// Calls `body(chunkIndex, range)` for each chunk; `body` must only touch state of its own range or chunk.
    public static func chunks(_ count: Int, chunks: Int, _ body: (Int, Range<Int>) -> Void) {
        let chunks = max(1, min(chunks, max(count, 1)))
        if chunks == 1 { return body(0, 0..<count) }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(chunk, range(of: chunk, chunks: chunks, count: count))
        }
    }

    /// The results of `body` over each chunk, in chunk order (so merged results do not depend on timing).
    public static func map<R>(_ count: Int, chunks: Int, _ body: (Range<Int>) -> R) -> [R] {
        let chunks = max(1, min(chunks, max(count, 1)))
        if chunks == 1 { return [body(0..<count)] }
        let slots = UnsafeMutableBufferPointer<R?>.allocate(capacity: chunks)
        slots.initialize(repeating: nil)
        defer { slots.deallocate() }
        self.chunks(count, chunks: chunks) { chunk, range in
            slots[chunk] = body(range)  // each chunk writes its own slot only
        }
        let results = slots.map { $0! }
        _ = slots.deinitialize()
        return results
    }

    /// The range of chunk `chunk` of `chunks` over `0..<count`.
    static func range(of chunk: Int, chunks: Int, count: Int) -> Range<Int> {
        count * chunk / chunks..<count * (chunk + 1) / chunks
    }
}
