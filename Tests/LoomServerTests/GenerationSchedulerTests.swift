import Foundation
import LoomModels
import XCTest
@testable import LoomServer

/// Turn-taking and stop texts of `GenerationScheduler` / `GenerationJob`, on the bundled character model.
final class GenerationSchedulerTests: XCTestCase {
    var sampler: CharSampler!

    override func setUpWithError() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("bundled/shakespeare")
        sampler = try CharSampler(directory: folder)
    }

    /// Records the order in which jobs' chunks arrive.
    final class Trace: @unchecked Sendable {
        let lock = NSLock()
        var chunks: [(job: Int, text: String)] = []
        var outcomes: [Int: GenerationOutcome] = [:]
        let finished = DispatchSemaphore(value: 0)
    }

    func job(_ index: Int, length: Int, seed: UInt64, stops: [String] = [], trace: Trace) -> GenerationJob {
        let sampler = self.sampler!
        let strategy = try! SamplingStrategy(temperature: 0.8, topK: nil, topP: nil)
        return GenerationJob(
            start: { try sampler.makeGeneration(prompt: "ROMEO:", length: length, strategy: strategy, seed: seed, twoThreads: $0) },
            stops: stops, deadline: MicroBatcher<Int>.now() + 60,
            onChunk: { text in trace.lock.withLock { trace.chunks.append((index, text)) } },
            onFinish: { result in
                trace.lock.withLock { if case .success(let outcome) = result { trace.outcomes[index] = outcome } }
                trace.finished.signal()
            })
    }

    func testJobsTakeTurnsAndEachGivesTheTextOfItsSeed() throws {
        let scheduler = GenerationScheduler(threads: 1, maxActive: 8, chunkCharacters: 10)
        defer { scheduler.close() }
        let trace = Trace()
        // A turn is 10 characters, so on one thread the three interleave chunk by chunk.
        for index in 0..<3 { try scheduler.submit(job(index, length: 50, seed: 5, trace: trace)) }
        for _ in 0..<3 { trace.finished.wait() }
        // Each job's first turn draws one character (a first piece at once), later ones 10.
        let order = trace.chunks.map(\.job)
        XCTAssertEqual(Array(order.prefix(9)), [0, 1, 2, 0, 1, 2, 0, 1, 2], "one thread must round-robin the jobs")
        XCTAssertEqual(trace.chunks.prefix(3).map(\.text.count), [1, 1, 1])
        XCTAssertEqual(trace.chunks[3].text.count, 10)
        let expected = try sampler.generate(prompt: "ROMEO:", length: 50, strategy: SamplingStrategy(temperature: 0.8, topK: nil, topP: nil),
                                            seed: 5)[0].text
        for index in 0..<3 {
            XCTAssertEqual(trace.outcomes[index]?.text, expected)
            XCTAssertEqual(trace.outcomes[index]?.stopReason, .length)
            XCTAssertEqual(trace.chunks.filter { $0.job == index }.map(\.text).joined(), expected)
        }
    }

    func testAStopTextEndsTheJobAndIsNeverStreamed() throws {
        let scheduler = GenerationScheduler(threads: 2, maxActive: 8, chunkCharacters: 3)
        defer { scheduler.close() }
        let full = try sampler.generate(prompt: "ROMEO:", length: 300, strategy: SamplingStrategy(temperature: 0.8, topK: nil, topP: nil),
                                        seed: 9)[0].text
        guard let stop = full.range(of: "the") else { return XCTFail("no 'the' in \(full)") }
        let trace = Trace()
        try scheduler.submit(job(0, length: 300, seed: 9, stops: ["the"], trace: trace))
        trace.finished.wait()
        XCTAssertEqual(trace.outcomes[0]?.text, String(full[..<stop.lowerBound]))
        XCTAssertEqual(trace.outcomes[0]?.stopReason, .stop)
        XCTAssertEqual(trace.chunks.map(\.text).joined(), String(full[..<stop.lowerBound]))
    }

    func testBeyondMaxActiveIsRefusedAtOnce() throws {
        let scheduler = GenerationScheduler(threads: 1, maxActive: 2, chunkCharacters: 1)
        defer { scheduler.close() }
        let trace = Trace()
        try scheduler.submit(job(0, length: 400, seed: 1, trace: trace))
        try scheduler.submit(job(1, length: 400, seed: 1, trace: trace))
        XCTAssertThrowsError(try scheduler.submit(job(2, length: 10, seed: 1, trace: trace))) { XCTAssertTrue($0 is ServerBusy) }
        for _ in 0..<2 { trace.finished.wait() }
        XCTAssertNoThrow(try scheduler.submit(job(3, length: 10, seed: 1, trace: trace)))
        trace.finished.wait()
    }
}
