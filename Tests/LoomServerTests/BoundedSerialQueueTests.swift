import Foundation
import XCTest
@testable import LoomServer

/// The explain endpoint's queue: one job at a time, at most `capacity` admitted, late jobs dropped.
final class BoundedSerialQueueTests: XCTestCase {
    /// A job the test holds until it lets it go, recording how many jobs ran at once.
    final class Gate: @unchecked Sendable {
        let lock = NSLock()
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        var running = 0, mostAtOnce = 0, ran: [Int] = []

        func job(_ number: Int, hold: Bool) -> Int {
            lock.lock(); running += 1; mostAtOnce = max(mostAtOnce, running); lock.unlock()
            started.signal()
            if hold { release.wait() }
            lock.lock(); running -= 1; ran.append(number); lock.unlock()
            return number * 10
        }
    }

    func testAFullQueueRefusesAtOnceAndAdmitsAgainWhenJobsFinish() async throws {
        let queue = BoundedSerialQueue(name: "test", capacity: 2, deadline: 60)
        let gate = Gate()
        let first = Task { try await queue.run { gate.job(1, hold: true) } }
        gate.started.wait()  // job 1 is running and held
        let second = Task { try await queue.run { gate.job(2, hold: false) } }
        while queue.count < 2 { try await Task.sleep(nanoseconds: 1_000_000) }
        let refusedAt = Date()
        do {
            _ = try await queue.run { gate.job(3, hold: false) }
            XCTFail("a third job was admitted into a queue of 2")
        } catch let error as ServerBusy {
            XCTAssertTrue(error.message.contains("at most 2"), error.message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(refusedAt), 1, "the refusal must not wait for the queue")
        gate.release.signal()
        let results = [try await first.value, try await second.value]
        XCTAssertEqual(results, [10, 20])
        XCTAssertEqual(gate.mostAtOnce, 1, "jobs run one at a time")
        XCTAssertEqual(gate.ran, [1, 2], "in the order they came")
        XCTAssertEqual(queue.count, 0)
        let again = try await queue.run { gate.job(4, hold: false) }
        XCTAssertEqual(again, 40, "a drained queue admits again")
    }

    func testAJobThatWaitedPastTheDeadlineDoesNotRun() async throws {
        let queue = BoundedSerialQueue(name: "test", capacity: 4, deadline: 0.05)
        let gate = Gate()
        let first = Task { try await queue.run { gate.job(1, hold: true) } }
        gate.started.wait()
        let late = Task { try await queue.run { gate.job(2, hold: false) } }
        while queue.count < 2 { try await Task.sleep(nanoseconds: 1_000_000) }
        try await Task.sleep(nanoseconds: 150_000_000)  // job 2 waits three deadlines behind job 1
        gate.release.signal()
        let firstResult = try await first.value
        XCTAssertEqual(firstResult, 10, "a job that started in time finishes, however long it runs")
        do {
            _ = try await late.value
            XCTFail("a job that waited past its deadline ran")
        } catch let error as DeadlineExceeded {
            XCTAssertEqual(error.seconds, 0.05)
        }
        XCTAssertEqual(gate.ran, [1])
        XCTAssertEqual(queue.count, 0)
    }

    func testAThrowingJobReachesItsCallerAndFreesItsPlace() async throws {
        struct Failure: Error {}
        let queue = BoundedSerialQueue(name: "test", capacity: 1, deadline: 60)
        do {
            _ = try await queue.run { () throws -> Int in throw Failure() }
            XCTFail("the job's error was lost")
        } catch is Failure {}
        let next = try await queue.run { 7 }
        XCTAssertEqual(next, 7, "the failed job's place is free again")
    }
}
