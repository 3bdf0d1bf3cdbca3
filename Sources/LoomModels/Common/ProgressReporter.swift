import Foundation

/// Live progress for long work: a redrawn bar on a terminal, plain periodic lines when stderr is a
/// file or a pipe (so logs stay readable). Writes to stderr so stdout stays clean for results.
public final class ProgressReporter {
    private let isTerminal: Bool
    private let minimumInterval: TimeInterval
    private var lastDraw = Date.distantPast
    private var lastLineLength = 0
    private let enabled: Bool

    /// - Parameters:
    ///   - enabled: false silences everything (`--quiet`).
    ///   - plainInterval: seconds between plain lines when not on a terminal.
    public init(enabled: Bool = true, plainInterval: TimeInterval = 10) {
        self.enabled = enabled
        isTerminal = isatty(STDERR_FILENO) != 0
        minimumInterval = isTerminal ? 0.1 : plainInterval
    }

    /// Shows `fraction` (0…1) of the current phase with a status text; throttled.
    public func update(fraction: Double, label: String, status: String, force: Bool = false) {
        guard enabled else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= minimumInterval else { return }
        lastDraw = now
        let clamped = min(max(fraction, 0), 1)
        if isTerminal {
            let line = Self.barLine(label: label, fraction: clamped, status: status, columns: Self.terminalColumns())
            let padding = max(0, lastLineLength - line.count)
            FileHandle.standardError.write(Data(("\r" + line + String(repeating: " ", count: padding)).utf8))
            lastLineLength = line.count
        } else {
            FileHandle.standardError.write(Data("\(label) \(String(format: "%.0f", clamped * 100))% \(status)\n".utf8))
        }
    }

    /// The redrawn line, at most `columns − 1` characters so it never wraps (a wrapped line cannot be redrawn
    /// in place): the bar shrinks from 24 cells to 8 first, then the status is cut with an ellipsis.
    static func barLine(label: String, fraction: Double, status: String, columns: Int) -> String {
        let room = max(columns - 1, 10)
        let percent = String(format: "%3.0f", fraction * 100) + "%"
        let fixed = label.count + 4 + percent.count + 1  // "label [" + "] " + percent + " "
        let width = min(24, max(8, room - fixed - status.count))
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        var line = "\(label) [\(bar)] \(percent) \(status)"
        if line.count > room { line = String(line.prefix(room - 1)) + "…" }
        return line
    }

    /// The terminal's width in columns: the window size of stderr's terminal (TIOCGWINSZ), else `COLUMNS`,
    /// else 80.
    static func terminalColumns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }

    /// Prints a line that stays (ends the current bar line first).
    public func log(_ message: String) {
        guard enabled else { return }
        if isTerminal && lastLineLength > 0 {
            FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: lastLineLength))\r".utf8))
            lastLineLength = 0
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        if isTerminal { lastDraw = .distantPast }
    }

    /// Prints a warning even when progress is silenced (`--quiet`), after clearing the current bar.
    public func warn(_ message: String) {
        if enabled && isTerminal && lastLineLength > 0 {
            FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: lastLineLength))\r".utf8))
            lastLineLength = 0
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Human-readable duration such as `1m05s`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", (total % 3600) / 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }

    /// Compact count such as `152k`.
    public static func compact(_ value: Double) -> String {
        if value >= 1_000_000 { return String(format: "%.2fM", value / 1_000_000) }
        if value >= 10_000 { return String(format: "%.0fk", value / 1000) }
        return String(format: "%.0f", value)
    }
}
