import Foundation

/// Runs jobs one at a time on a thread of its own, admitting at most `capacity` jobs (waiting or running):
/// beyond that a job is refused at once with `ServerBusy` (503 with Retry-After), never queued without bound;
/// a job that waited longer than `deadline` seconds before its turn fails with `DeadlineExceeded` instead of
/// running for a client that has likely given up.
///
///     let queue = BoundedSerialQueue(name: "explain-imdb", capacity: 16, deadline: 30)
///     let explanation = try await queue.run { try explainer.explain(text, options: options) }
///
/// The explain endpoint uses it: an explanation runs the model's training passes over a model instance of
/// its own, so explanations take turns, and a burst of them must not grow the queue (and the server's
/// memory) without limit.
final class BoundedSerialQueue: @unchecked Sendable {
    let capacity: Int
    let deadline: Double
    private let queue: DispatchQueue
    private let lock = NSLock()
    /// Jobs admitted and not yet finished; guarded by `lock`.
    private var admitted = 0

    init(name: String, capacity: Int, deadline: Double) {
        precondition(capacity >= 1, "a queue admits at least one job")
        self.capacity = capacity
        self.deadline = deadline
        queue = DispatchQueue(label: name)
    }

    /// Jobs admitted and not yet finished.
    var count: Int {
        lock.lock(); defer { lock.unlock() }
        return admitted
    }

    /// Takes a place, or says how many are taken when none is free.
    private func admit() -> (admitted: Bool, taken: Int) {
        lock.lock(); defer { lock.unlock() }
        guard admitted < capacity else { return (false, admitted) }
        admitted += 1
        return (true, admitted)
    }

    private func release() {
        lock.lock(); admitted -= 1; lock.unlock()
    }

    func run<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        let place = admit()
        guard place.admitted else {
            throw ServerBusy(message: "\(place.taken) requests are queued or running here (at most \(capacity)); retry shortly")
        }
        let queued = DispatchTime.now()
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                let waited = Double(DispatchTime.now().uptimeNanoseconds - queued.uptimeNanoseconds) / 1e9
                let result: Result<T, Error> = waited <= self.deadline
                    ? Result { try job() } : .failure(DeadlineExceeded(seconds: self.deadline))
                // The place is freed before the caller resumes, so a caller that saw its job end sees the room.
                self.release()
                continuation.resume(with: result)
            }
        }
    }
}
