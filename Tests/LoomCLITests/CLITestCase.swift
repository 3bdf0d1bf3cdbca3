import Foundation
import XCTest

/// Runs the built `loom` binary the way a person would, capturing its output and exit status.
class CLITestCase: XCTestCase {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A fresh scratch folder per test, removed afterwards.
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("loom-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// The `loom` executable built beside the test bundle (SwiftPM puts products in the bundle's folder;
    /// on Linux `bundleURL` may already be that folder).
    var loomURL: URL {
        let bundle = Bundle(for: CLITestCase.self).bundleURL
        let candidates = [bundle.appendingPathComponent("loom"), bundle.deletingLastPathComponent().appendingPathComponent("loom")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[1]
    }

    /// The repository root (for `corpora/`).
    var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @discardableResult
    func loom(_ arguments: [String], stdin: String? = nil, stdinData: Data? = nil,
              environment: [String: String] = [:]) throws -> Result {
        let running = try start(arguments, environment: environment)
        if let data = stdinData ?? stdin.map({ Data($0.utf8) }) { running.input.fileHandleForWriting.write(data) }
        return running.finish()
    }

    /// A `loom` process started in the scratch folder, with pipes for its streams.
    struct Running {
        var process: Process
        var input: Pipe
        var output: Pipe
        var error: Pipe

        /// Closes stdin, reads both outputs to their end and waits for the exit status (a signal's death
        /// reads as 128 + the signal number, as a shell reports it).
        func finish() -> Result {
            try? input.fileHandleForWriting.close()
            var outData = Data(), errData = Data()
            let reader = Thread { errData = error.fileHandleForReading.readDataToEndOfFile() }
            reader.start()
            outData = output.fileHandleForReading.readDataToEndOfFile()
            while !reader.isFinished { usleep(1000) }
            process.waitUntilExit()
            let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            return Result(status: status, stdout: String(decoding: outData, as: UTF8.self),
                          stderr: String(decoding: errData, as: UTF8.self))
        }
    }

    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = loomURL
        process.arguments = arguments
        process.currentDirectoryURL = scratch
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        return Running(process: process, input: input, output: out, error: err)
    }

    /// The path of `name` in the scratch folder.
    func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    /// Writes `text` to a file in the scratch folder and returns its path.
    func write(_ text: String, to name: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// 240 rated reviews, `rating<TAB>text`, whose rating is 5 + (number of "great") − (number of "awful"),
    /// 2…8: data a rating model (`--task regression`) learns within seconds. Returns the file's path.
    func writeRatings(to name: String = "ratings.tsv") throws -> String {
        var lines: [String] = []
        for i in 0..<240 {
            let good = i % 4, bad = (i / 4) % 4
            let words = Array(repeating: "great", count: good) + Array(repeating: "awful", count: bad) + ["movie", "here"]
            lines.append("\(5 + good - bad)\t\(words.joined(separator: " "))")
        }
        return try write(lines.joined(separator: "\n") + "\n", to: name)
    }

    /// The `loom sentiment train` arguments that fit a small rating model to `writeRatings`' data.
    func smallRatingModelArguments(data: String, out: String) -> [String] {
        ["sentiment", "train", "--data", data, "--task", "regression", "--epochs", "6", "--embedding", "8",
         "--hidden", "8", "--quiet", "--out", out]
    }
}
