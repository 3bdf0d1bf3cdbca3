import ArgumentParser
import Foundation

/// Writes a line to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs `body`, turning any thrown error into `error: …` on stderr and exit status 1, so every
/// command reports failures the same way without a Swift backtrace.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CleanExit {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}

/// One JSON object per line on stdout, keys sorted so output is stable.
func printJSONLine<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
}

/// Reads all of stdin as UTF-8, failing clearly on invalid bytes.
func readStandardInput() throws -> String {
    let data = FileHandle.standardInput.readDataToEndOfFile()
    guard let text = String(data: data, encoding: .utf8) else {
        throw ValidationError("standard input is not valid UTF-8")
    }
    return text
}

extension URL {
    /// A file URL for a path typed on the command line.
    init(commandLinePath path: String) {
        self.init(fileURLWithPath: (path as NSString).expandingTildeInPath)
    }
}
