import Foundation

/// The queue is full (or closing): the request is refused at once and the client told to retry (503).
struct ServerBusy: Error, Sendable {
    var message: String
}

/// The request waited past its deadline before a worker took it (503).
struct DeadlineExceeded: Error, Sendable {
    var seconds: Double
}

/// Gathers the texts of concurrent requests into batches for a fixed set of worker threads, each with its
/// own model scratch (`work`), so that throughput grows with load while a lone request waits for nothing.
///
/// The rule, in the spirit of Triton's dynamic batcher: a free worker takes what is queued at once — up to
/// `maxBatch` texts, whole requests only — unless its previous batch held more than one request (the
/// server is under load), in which case it first waits until the oldest queued request is `maxWait` old or
/// the batch is full. At one request at a time nothing waits; under load the batches fill. The queue holds
/// at most `maxQueued` texts: beyond that a request is refused at once (`ServerBusy`), never queued without
/// bound. A request that waited past `deadline` fails with `DeadlineExceeded` without being run.
final class MicroBatcher<Output: Sendable>: @unchecked Sendable {
    struct Settings: Sendable {
        var maxBatch = 256
        var maxWait = 0.002
        var maxQueued = 4096
        var deadline = 30.0
    }

    /// What one batch did: its size in texts and requests, and what was left queued.
    struct BatchReport: Sendable {
        var texts: Int
        var requests: Int
        var queuedTexts: Int
    }

    private struct Item {
        var texts: [String]
        var continuation: CheckedContinuation<[Output], Error>
        var enqueued: Double
    }

    let settings: Settings
    private let threads = ComputeThreads()
    private var condition: NSCondition { threads.condition }
    private var pending: [Item] = []
    private var pendingStart = 0
    private var queuedTexts = 0
    private let onBatch: @Sendable (BatchReport) -> Void

    /// Starts one thread per element of `workers`; each runs its closure on whole batches (in order, one
    /// output per text).
    init(settings: Settings, name: String, workers: [([String]) -> [Output]],
         onBatch: @escaping @Sendable (BatchReport) -> Void = { _ in }) {
        self.settings = settings
        self.onBatch = onBatch
        let boxes = workers.map(WorkBox.init)
        threads.start(count: workers.count, name: "loom-\(name)") { [self] index in self.serve(boxes[index].work) }
    }

    /// Texts waiting for a worker now.
    var queued: Int {
        condition.lock(); defer { condition.unlock() }
        return queuedTexts
    }

    /// Runs `texts` in a batch with whatever else is queued; outputs in the order of `texts`.
    func submit(_ texts: [String]) async throws -> [Output] {
        if texts.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            if threads.isClosed {
                continuation.resume(throwing: ServerBusy(message: "the server is shutting down"))
                return
            }
            guard queuedTexts + texts.count <= settings.maxQueued else {
                continuation.resume(throwing: ServerBusy(message: "\(queuedTexts) texts are queued (at most \(settings.maxQueued)); retry shortly"))
                return
            }
            pending.append(Item(texts: texts, continuation: continuation, enqueued: Self.now()))
            queuedTexts += texts.count
            condition.signal()
        }
    }

    /// Lets the workers finish what is queued, refuses new work, and returns when every worker has stopped.
    func close() {
        threads.close()
    }

    private var hasPending: Bool { pendingStart < pending.count }

    private func serve(_ work: ([String]) -> [Output]) {
        var underLoad = false
        condition.lock()
        while true {
            while !hasPending && !threads.isClosed { condition.wait() }
            if !hasPending && threads.isClosed { break }
            if underLoad {
                let until = pending[pendingStart].enqueued + settings.maxWait
                while hasPending && queuedTexts < settings.maxBatch && !threads.isClosed && Self.now() < until {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: until - Self.now()))
                }
                if !hasPending { continue }
            }
            var batch: [Item] = []
            var count = 0
            while hasPending, batch.isEmpty || count + pending[pendingStart].texts.count <= settings.maxBatch {
                let item = pending[pendingStart]
                batch.append(item)
                count += item.texts.count
                pendingStart += 1
            }
            if pendingStart > 64 && pendingStart * 2 > pending.count {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
            queuedTexts -= count
            let left = queuedTexts
            condition.unlock()

            let now = Self.now()
            let (expired, live) = (batch.filter { now - $0.enqueued > settings.deadline },
                                   batch.filter { now - $0.enqueued <= settings.deadline })
            for item in expired { item.continuation.resume(throwing: DeadlineExceeded(seconds: settings.deadline)) }
            if !live.isEmpty {
                let outputs = work(live.flatMap(\.texts))
                var start = 0
                for item in live {
                    item.continuation.resume(returning: Array(outputs[start..<(start + item.texts.count)]))
                    start += item.texts.count
                }
            }
            onBatch(BatchReport(texts: count, requests: batch.count, queuedTexts: left))
            underLoad = batch.count > 1
            condition.lock()
        }
        condition.unlock()
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

/// A worker's closure handed to its thread (the closures capture classifiers, used by that thread only).
private struct WorkBox<Output>: @unchecked Sendable {
    let work: ([String]) -> [Output]
    init(_ work: @escaping ([String]) -> [Output]) { self.work = work }
}
