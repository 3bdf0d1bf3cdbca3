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
