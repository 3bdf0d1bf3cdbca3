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
    func loom(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = loomURL
        process.arguments = arguments
        process.currentDirectoryURL = scratch
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Writes `text` to a file in the scratch folder and returns its path.
    func write(_ text: String, to name: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }
}
