import Foundation
import LoomTensor

/// Starts a thread of the server's own for compute (a classify worker, a generation thread): named for
/// `top`/`gdb`, with room for deep model code on its stack and denormal results flushed to zero, as on every
/// Loom compute thread. Compute runs on these, never on the event loops or Swift's cooperative pool.
func startComputeThread(named name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread {
        Machine.flushDenormalsOnThisThread()
        body()
    }
    thread.name = name
    thread.stackSize = 8 << 20
    thread.start()
}

/// A set of the server's compute threads of one kind (classify workers, generation threads) and the lock
/// their owner keeps its queue under: `close()` refuses new work and returns once every thread has left.
final class ComputeThreads: @unchecked Sendable {
    /// Guards the owner's queue and `isClosed`.
    let condition = NSCondition()
    /// Set by `close()`; read it under `condition`.
    private(set) var isClosed = false
    private var running = 0

    /// Starts `count` threads named `NAME-i`, each running `body(i)`; a thread leaves when its body returns.
    func start(count: Int, name: String, _ body: @escaping @Sendable (Int) -> Void) {
        condition.lock()
        running += count
        condition.unlock()
        for index in 0..<count {
            startComputeThread(named: "\(name)-\(index)") { [self] in
                body(index)
                condition.lock()
                running -= 1
                condition.broadcast()
                condition.unlock()
            }
        }
    }

    /// Marks the set closed, wakes every thread (their bodies should finish what is queued and return), and
    /// waits until all have left.
    func close() {
        condition.lock()
        isClosed = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
