import Foundation
import LoomModels

/// Why a generation ended.
enum StopReason: String, Codable, Sendable {
    /// `length` characters were generated.
    case length
    /// The text came to end with one of the request's stop texts (left out of the text).
    case stop
    /// The request's deadline passed first.
    case deadline
    /// The client went away.
    case cancelled
}

/// What a finished generation hands back.
struct GenerationOutcome: Sendable {
    var text: String
    var stopReason: StopReason
}

/// One generation request on its way through the scheduler: its stream of characters, the stop texts and
/// where its output goes. Touched by one worker thread at a time (the scheduler hands it from turn to turn).
final class GenerationJob: @unchecked Sendable {
    private let start: (_ twoThreads: Bool) throws -> CharGeneration
    private var generation: CharGeneration?
    private var matcher: StopMatcher
    private let deadline: Double
    /// Called with each piece of text as it becomes final (never a part of a stop text).
    private let onChunk: @Sendable (String) -> Void
    private let onFinish: @Sendable (Result<GenerationOutcome, Error>) -> Void
    private let cancelLock = NSLock()
    private var cancelled = false

    /// - Parameters:
    ///   - start: makes the generation (feeds the prompt), with the two-thread step path when the job starts
    ///     alone; run on a worker thread in the job's first turn.
    ///   - stops: generation ends when the text ends with one of these; the stop text is left out.
    ///   - deadline: a time on `MicroBatcher.now()`'s clock after which the job ends with `.deadline`.
    init(start: @escaping (_ twoThreads: Bool) throws -> CharGeneration, stops: [String], deadline: Double,
         onChunk: @escaping @Sendable (String) -> Void,
         onFinish: @escaping @Sendable (Result<GenerationOutcome, Error>) -> Void) {
        self.start = start
        matcher = StopMatcher(stops: stops)
        self.deadline = deadline
        self.onChunk = onChunk
        self.onFinish = onFinish
    }

    /// Ends the job at its next turn (the client disconnected).
    func cancel() {
        cancelLock.lock(); cancelled = true; cancelLock.unlock()
    }

    private var isCancelled: Bool {
        cancelLock.lock(); defer { cancelLock.unlock() }
        return cancelled
    }

    /// Runs up to `characters` steps; returns true when the job has finished (and reported it). `alone`:
    /// no other job is running or waiting, so steps may use both cores.
    func runTurn(characters budget: Int, alone: Bool) -> Bool {
        if isCancelled { return finish(.cancelled) }
        if MicroBatcher<Int>.now() > deadline { return finish(.deadline) }
        do {
            // The first turn feeds the prompt and draws one character, so that the first piece of text
            // goes out as soon as it exists; later turns draw `budget`.
            let firstTurn = generation == nil
            if firstTurn { generation = try start(alone) }
            guard let generation else { return true }
            generation.usesTwoThreads = alone
            var piece = ""
            for _ in 0..<(firstTurn ? 1 : budget) {
                guard let symbol = try generation.next() else { break }
                piece += matcher.append(symbol)
                if matcher.stopped { return finish(.stop, after: piece) }
            }
            if generation.isFinished { return finish(.length, after: piece) }
            if !piece.isEmpty { onChunk(piece) }
            return false
        } catch {
            onFinish(.failure(error))
            return true
        }
    }

    /// Sends the turn's last piece (with what the stop matcher held back, unless cancelled), then the outcome.
    private func finish(_ reason: StopReason, after piece: String = "") -> Bool {
        let last = reason == .cancelled ? piece : piece + matcher.finish()
        if !last.isEmpty { onChunk(last) }
        onFinish(.success(GenerationOutcome(text: matcher.text, stopReason: reason)))
        return true
    }
}

/// Runs generations on a fixed set of threads, round-robin: each turn gives a job `chunkCharacters`
/// characters, then it goes to the back of the queue, so concurrent streams share the cores fairly and a
/// long one cannot starve the others. A job running alone steps on two threads (when its model is large
/// enough to gain); with company, one each. At most `maxActive` jobs at once; beyond that `ServerBusy`.
final class GenerationScheduler: @unchecked Sendable {
    let maxActive: Int
    let chunkCharacters: Int
    private let threads = ComputeThreads()
    private var condition: NSCondition { threads.condition }
    private var queue: [GenerationJob] = []
    private var active = 0

    init(threads: Int, maxActive: Int, chunkCharacters: Int = 16) {
        self.maxActive = maxActive
        self.chunkCharacters = max(1, chunkCharacters)
        self.threads.start(count: max(1, threads), name: "loom-generate") { [self] _ in self.serve() }
    }

    /// Generations running or waiting for their turn.
    var activeJobs: Int {
        condition.lock(); defer { condition.unlock() }
        return active
    }

    func submit(_ job: GenerationJob) throws {
        condition.lock()
        defer { condition.unlock() }
        if threads.isClosed { throw ServerBusy(message: "the server is shutting down") }
        guard active < maxActive else {
            throw ServerBusy(message: "\(active) generations are running (at most \(maxActive)); retry shortly")
        }
        active += 1
        queue.append(job)
        condition.signal()
    }

    /// Lets running generations finish, refuses new ones, and returns when the threads have stopped.
    func close() {
        threads.close()
    }

    private func serve() {
        condition.lock()
        while true {
            while queue.isEmpty && !threads.isClosed { condition.wait() }
            if queue.isEmpty && threads.isClosed { break }
            let job = queue.removeFirst()
            let alone = active == 1
            condition.unlock()
            let finished = job.runTurn(characters: chunkCharacters, alone: alone)
            condition.lock()
            if finished { active -= 1 } else { queue.append(job) }
        }
        condition.unlock()
    }
}
