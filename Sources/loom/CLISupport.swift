import ArgumentParser
import Foundation
import LoomModels
import LoomNN
import LoomSystem
import LoomTensor
import LoomText

/// Loom's exit statuses, one per kind of outcome, so scripts can tell them apart (docs/ERRORS.md).
enum ExitStatus {
    /// Bad input data or model files, or a failed read or write: the message names the file.
    static let failure: Int32 = 1
    /// Training stopped because the loss became NaN/infinite or exploded; the last good model is kept.
    static let diverged: Int32 = 2
    /// A bad option value or combination (ArgumentParser's own usage errors use it too).
    static let usage: Int32 = 64
    /// The output path was refused (it would replace something that is not a model of this kind, or is
    /// the current folder, home, `/` or an input) or cannot be created.
    static let refusedOutput: Int32 = 73
    // Interrupted by a signal after saving: 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).
}

/// Runs `body`, turning any thrown error into `error: …` on stderr and the matching exit status, so
/// every command reports failures the same way and without a Swift backtrace.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as CleanExit {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        Stderr.write("error: \(error)\n")
        throw ExitCode(exitStatus(for: error))
    }
}

/// The exit status for an error that reached the top of a command.
func exitStatus(for error: Error) -> Int32 {
    switch error {
    case is ValidationError, is UsageError:
        return ExitStatus.usage
    case let error as ModelError:
        switch error {
        case .invalidOption: return ExitStatus.usage
        case .refusedOutput: return ExitStatus.refusedOutput
        case .diverged, .nonFiniteLoss: return ExitStatus.diverged
        default: return ExitStatus.failure
        }
    default:
        return ExitStatus.failure
    }
}

/// Writing to standard error, and whether it is a terminal (for progress lines).
enum Stderr {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}

/// Without OpenBLAS every matrix product runs on Loom's reference loop, many times slower: a long run
/// says so when it starts instead of looking hung (`loom --version` names the library in use too).
enum BLASNotice {
    static func warnIfUnavailable() {
        guard let failure = BLAS.load() else { return }
        Stderr.write("warning: \(failure); until then matrix products use a slow reference loop\n")
    }
}

/// An error of the command line itself (bad option combination and such): exit status 64.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// JSON for `--json` output: one compact line per object, keys sorted, slashes unescaped.
enum JSONOutput {
    static func line<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Prints one JSON line on stdout (see `JSONOutput`).
func printJSONLine<T: Encodable>(_ value: T) throws {
    print(try JSONOutput.line(value))
}

/// One `--json` line of a training command: a `TrainingRecord` (an epoch's or an evaluation's figures) with the
/// event's name and whether the model was saved as the best so far, flat in one object.
struct TrainingEventLine: Encodable {
    var event: String
    var improved: Bool
    var record: TrainingRecord

    private enum CodingKeys: String, CodingKey { case event, improved }

    func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event, forKey: .event)
        try container.encode(improved, forKey: .improved)
    }
}

/// Reads all of stdin as UTF-8: invalid bytes are an error naming the line and byte offset, or, with
/// `lossy`, replaced with U+FFFD (the count is returned).
func readStandardInput(lossy: Bool = false) throws -> TextFile.Contents {
    let data = FileHandle.standardInput.readDataToEndOfFile()
    return try TextFile.decode(data, path: "stdin", lossy: lossy)
}

extension URL {
    /// A file URL for a path typed on the command line.
    init(commandLinePath path: String) {
        self.init(fileURLWithPath: (path as NSString).expandingTildeInPath)
    }
}

/// Ends a training command that a signal stopped: says where the model is and exits 128 + signal.
func exitInterrupted(by signal: Int32, step: Int, savedTo folder: URL?) throws -> Never {
    if let folder {
        print("interrupted at step \(step); model saved to \(folder.path)")
    } else {
        print("interrupted at step \(step); nothing had been saved yet")
    }
    throw ExitCode(Interruption.exitStatus(for: signal))
}
