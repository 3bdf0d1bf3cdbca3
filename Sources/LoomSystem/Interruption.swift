import CLoomSystem

/// Ctrl-C (SIGINT) and SIGTERM as a request to stop at the next safe point. Long jobs call `install()`
/// once and check `requestedSignal` between steps; the first signal is recorded, a second one ends the
/// process at once (the handler resets itself), which is safe because every file Loom writes is atomic.
public enum Interruption {
    /// Starts recording SIGINT and SIGTERM instead of dying on the first one.
    public static func install() { loom_interrupts_install() }

    /// The signal that asked to stop (SIGINT = 2, SIGTERM = 15), or nil.
    public static var requestedSignal: Int32? {
        let value = loom_interrupt_signal()
        return value == 0 ? nil : value
    }

    /// The conventional exit status of a process stopped by `signal`: 128 + its number (130 for Ctrl-C).
    public static func exitStatus(for signal: Int32) -> Int32 { 128 + signal }

    /// The signal's name for messages.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case 2: return "SIGINT (Ctrl-C)"
        case 15: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }

    /// Forgets a recorded signal (tests).
    public static func reset() { loom_interrupts_reset() }
}
