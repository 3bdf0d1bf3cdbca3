import ArgumentParser
import Foundation

/// Runs `body`; errors are printed as `error: …` on stderr and turned into exit code 1.
/// (ArgumentParser's own usage errors keep their usual form and exit code 64.)
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        Stderr.write("error: \(error)\n")
        throw ExitCode.failure
    }
}

/// Writing to standard error, and whether it is a terminal (for progress lines).
enum Stderr {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}

/// An error of the command line itself (bad option combination and such).
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// JSON encoding for `--json` output: one compact line, keys sorted.
enum JSONOutput {
    static func line<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
