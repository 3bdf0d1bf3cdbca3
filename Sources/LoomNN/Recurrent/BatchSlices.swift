import Foundation
import LoomSystem
import LoomTensor

/// How many batch slices the recurrent time loops run in parallel (one per core by default).
///
/// The rows of a batch never interact inside a recurrence, so splitting the batch into slices and giving each
/// core its own slice (with its own small single-threaded GEMM per step) parallelises the sequential part of an
/// RNN without any per-step synchronisation. Measured on the 2-core machine this beats letting OpenBLAS split
/// each small per-step product across threads. Set to 1 to run the loops on the calling thread only.
public struct RecurrentParallelism: Equatable, Sendable {
    /// Most slices run at once (one per core by default).
    public var maximumSlices: Int
    /// Slices are at least this many rows, so small batches (sampling, tests) stay on one thread.
    public var minimumRowsPerSlice: Int
    /// At inference, a single sequence's LSTM/GRU layers whose W_hh holds at least this many weights run with
    /// their hidden units split across two threads (see `RecurrentInference`); smaller layers fit in one core's
    /// nearest cache, where the per-step hand-off would cost more than it saves. Needs `maximumSlices` ≥ 2.
    /// Default 16,384 weights (64 KB: an LSTM of 64 units, a GRU of 74).
    public var singleSequenceSplitThreshold: Int

    public init(maximumSlices: Int = Machine.processorCount, minimumRowsPerSlice: Int = 8,
                singleSequenceSplitThreshold: Int = 16_384) {
        self.maximumSlices = max(1, maximumSlices)
        self.minimumRowsPerSlice = max(1, minimumRowsPerSlice)
        self.singleSequenceSplitThreshold = max(0, singleSequenceSplitThreshold)
    }
}

/// Calls `body(firstRow, rowCount)` for contiguous slices covering 0..<batch, concurrently when there is more
/// than one slice. OpenBLAS runs on one thread meanwhile (restored afterwards): the per-step products are too
/// small to gain from splitting across threads, and OpenBLAS's per-call thread hand-off costs more than they do
/// (measured: a batch-1 LSTM forward over 230 steps took twice as long with 2 OpenBLAS threads).
func forEachBatchSlice(batch: Int, parallelism: RecurrentParallelism, _ body: (Int, Int) -> Void) {
    let slices = max(1, min(parallelism.maximumSlices, batch / parallelism.minimumRowsPerSlice))
    withSingleThreadedBLAS {
        if slices == 1 {
            body(0, batch)
        } else {
            concurrentSlices(batch: batch, slices: slices, body)
        }
    }
}

/// Runs `body` with OpenBLAS on one thread, restoring the previous setting afterwards.
func withSingleThreadedBLAS<R>(_ body: () -> R) -> R {
    let previousThreads = BLAS.threads
    if previousThreads == 1 { return body() }
    BLAS.threads = 1
    defer { BLAS.threads = previousThreads }
    return body()
}

private func concurrentSlices(batch: Int, slices: Int, _ body: (Int, Int) -> Void) {
    ParallelFor.chunks(batch, chunks: slices) { _, rows in
        Machine.flushDenormalsOnThisThread()  // Dispatch's worker threads are not ours to set up once
        body(rows.lowerBound, rows.count)
    }
}
