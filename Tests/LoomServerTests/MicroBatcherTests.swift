import Foundation
import XCTest
@testable import LoomServer

/// The batching rules of `MicroBatcher`, with a stand-in for the model whose speed the test controls.
final class MicroBatcherTests: XCTestCase {
    /// A worker that records each batch and can be held until the test lets it go.
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var batches: [[String]] = []
        let gate = DispatchSemaphore(value: 0)
        var holding = false

        func work(_ texts: [String]) -> [String] {
            lock.lock(); batches.append(texts); let hold = holding; lock.unlock()
            if hold { gate.wait() }
            return texts.map { $0.uppercased() }
        }
    }

    func testOutputsComeBackInOrderToTheRightRequest() async throws {
        let recorder = Recorder()
        let batcher = MicroBatcher<String>(settings: .init(), name: "test", workers: [recorder.work, recorder.work])
        defer { batcher.close() }
        try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for request in 0..<50 {
                group.addTask { (request, try await batcher.submit((0..<(1 + request % 4)).map { "r\(request)t\($0)" })) }
            }
            for try await (request, outputs) in group {
                XCTAssertEqual(outputs, (0..<(1 + request % 4)).map { "R\(request)T\($0)" })
            }
        }
    }

    func testALoneRequestDoesNotWaitForABatch() async throws {
        let recorder = Recorder()
        // A 5-second batching window: a lone request must not sit in it.
        let batcher = MicroBatcher<String>(settings: .init(maxBatch: 256, maxWait: 5), name: "test", workers: [recorder.work])
        defer { batcher.close() }
        let started = Date()
        for _ in 0..<3 { _ = try await batcher.submit(["a"]) }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5)
        XCTAssertEqual(recorder.batches.count, 3)
    }

    func testRequestsQueuedWhileTheWorkerIsBusyShareABatchOfAtMostMaxBatch() async throws {
        let recorder = Recorder()
        recorder.holding = true
        let batcher = MicroBatcher<String>(settings: .init(maxBatch: 5, maxWait: 0), name: "test", workers: [recorder.work])
        defer { batcher.close() }
        let first = Task { try await batcher.submit(["first"]) }
        while recorder.lock.withLock({ recorder.batches.isEmpty }) { try await Task.sleep(nanoseconds: 1_000_000) }
        // The worker is held inside the first batch; these queue up.
        let others = (0..<4).map { index in Task { try await batcher.submit(["x\(index)", "y\(index)"]) } }
        while batcher.queued < 8 { try await Task.sleep(nanoseconds: 1_000_000) }
        recorder.lock.withLock { recorder.holding = false }
        recorder.gate.signal()
        _ = try await first.value
        for task in others { _ = try await task.value }
        // 8 queued texts in requests of 2, at most 5 per batch: whole requests only, so batches of 4 and 4.
        XCTAssertEqual(recorder.batches.map(\.count), [1, 4, 4])
    }

    func testAFullQueueRefusesAtOnce() async throws {
        let recorder = Recorder()
        recorder.holding = true
        let batcher = MicroBatcher<String>(settings: .init(maxBatch: 8, maxWait: 0, maxQueued: 3), name: "test", workers: [recorder.work])
        let running = Task { try await batcher.submit(["running"]) }
        while recorder.lock.withLock({ recorder.batches.isEmpty }) { try await Task.sleep(nanoseconds: 1_000_000) }
        let queued = Task { try await batcher.submit(["a", "b"]) }
        while batcher.queued < 2 { try await Task.sleep(nanoseconds: 1_000_000) }
        do {
            _ = try await batcher.submit(["c", "d"])
            XCTFail("a request beyond the queue's bound was accepted")
        } catch is ServerBusy {}
        recorder.lock.withLock { recorder.holding = false }
        recorder.gate.signal()
        _ = try await running.value
        let outputs = try await queued.value
        XCTAssertEqual(outputs, ["A", "B"])
        batcher.close()
    }

    func testARequestPastItsDeadlineIsNotRun() async throws {
        let recorder = Recorder()
        recorder.holding = true
        let batcher = MicroBatcher<String>(settings: .init(maxBatch: 8, maxWait: 0, deadline: 0.05), name: "test", workers: [recorder.work])
        let running = Task { try await batcher.submit(["running"]) }
        while recorder.lock.withLock({ recorder.batches.isEmpty }) { try await Task.sleep(nanoseconds: 1_000_000) }
        let late = Task { try await batcher.submit(["late"]) }
        while batcher.queued < 1 { try await Task.sleep(nanoseconds: 1_000_000) }
        try await Task.sleep(nanoseconds: 200_000_000)
        recorder.lock.withLock { recorder.holding = false }
        recorder.gate.signal()
        _ = try await running.value
        do {
            _ = try await late.value
            XCTFail("a request past its deadline was run")
        } catch is DeadlineExceeded {}
        XCTAssertEqual(recorder.batches, [["running"]])
        batcher.close()
    }
}
