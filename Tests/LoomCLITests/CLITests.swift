import Foundation
import XCTest

/// End-to-end tests of `loom tokenize` and `loom vocab`, running the built binary.
final class TextCLITests: XCTestCase {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct MissingBinary: Error, CustomStringConvertible {
        var searched: [String]
        var description: String { "loom binary not found; looked at \(searched.joined(separator: ", "))" }
    }

    /// The `loom` executable built beside the test bundle (on Linux the bundle URL is the
    /// build folder itself, on macOS the .xctest bundle inside it).
    func binary() throws -> URL {
        let bundle = Bundle(for: TextCLITests.self).bundleURL
        let candidates = [bundle.appendingPathComponent("loom"), bundle.deletingLastPathComponent().appendingPathComponent("loom")]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw MissingBinary(searched: candidates.map(\.path))
        }
        return found
    }

    func loom(_ arguments: [String], stdin: String? = nil, in folder: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loom-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTokenizeText() throws {
        let result = try loom(["tokenize", "I didn't like it.<br />10/10 👍"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "i\ndidn't\nlike\nit\n10\n10\n👍\n")
    }

    func testTokenizeStdinJSON() throws {
        let result = try loom(["tokenize", "--json", "--keep-punctuation"], stdin: "Hi, you!\nCafé\n")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "{\"tokens\":[\"hi\",\",\",\"you\",\"!\"]}\n{\"tokens\":[\"café\"]}\n")
    }

    func testTokenizeWithVocabulary() throws {
        let folder = try temporaryFolder()
        try "<pad>\n<unk>\nthe\nfilm\n".write(to: folder.appendingPathComponent("v.txt"), atomically: true, encoding: .utf8)
        let plain = try loom(["tokenize", "--vocab", "v.txt", "The film, the end"], in: folder)
        XCTAssertEqual(plain.stdout, "the\t2\nfilm\t3\nthe\t2\nend\t1\n", plain.stderr)
        let json = try loom(["tokenize", "--vocab", "v.txt", "--json", "film"], in: folder)
        XCTAssertEqual(json.stdout, "{\"ids\":[3],\"tokens\":[\"film\"]}\n", json.stderr)
    }

    func testTokenizeCharacters() throws {
        XCTAssertEqual(try loom(["tokenize", "--chars", "e\u{301}🇫🇷"]).stdout, "e\u{301}\n🇫🇷\n")
        XCTAssertEqual(try loom(["tokenize", "--chars", "--scalars", "🇫🇷"]).stdout, "🇫\n🇷\n")
        let bad = try loom(["tokenize", "--scalars", "x"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.hasPrefix("error: --scalars needs --chars"), bad.stderr)
    }

    func testHelpHasExamples() throws {
        let tokenize = try loom(["tokenize", "--help"])
        XCTAssertEqual(tokenize.status, 0)
        XCTAssertTrue(tokenize.stdout.contains("Examples:"))
        XCTAssertTrue(try loom(["vocab", "build", "--help"]).stdout.contains("--max-size"))
    }

    func testVocabBuildIsDeterministicAndStats() throws {
        let folder = try temporaryFolder()
        try "pos\tThe film was great, great fun.\nneg\tThe film was dull.\n".write(to: folder.appendingPathComponent("r.tsv"), atomically: true, encoding: .utf8)
        let first = try loom(["vocab", "build", "r.tsv", "--max-size", "6", "--out", "vocab/a.txt"], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.hasPrefix("wrote vocab/a.txt: 6 entries"), first.stdout)
        _ = try loom(["vocab", "build", "r.tsv", "--max-size", "6", "--out", "vocab/b.txt"], in: folder)
        let a = try String(contentsOf: folder.appendingPathComponent("vocab/a.txt"), encoding: .utf8)
        XCTAssertEqual(a, "<pad>\n<unk>\nfilm\ngreat\nthe\nwas\n")
        XCTAssertEqual(a, try String(contentsOf: folder.appendingPathComponent("vocab/b.txt"), encoding: .utf8))
        let stats = try loom(["vocab", "stats", "--vocab", "vocab/a.txt", "r.tsv", "--json"], in: folder)
        XCTAssertEqual(stats.status, 0, stats.stderr)
        XCTAssertTrue(stats.stdout.contains("\"size\":6"), stats.stdout)
        XCTAssertTrue(stats.stdout.contains("\"known\":8"), stats.stdout)  // 8 of 10 tokens known
    }

    /// vocab/demo.txt is committed; rebuilding it from corpora/demo-text.txt must give the
    /// same bytes (if the tokenizer changes on purpose, rebuild it with the command below).
    func testCommittedDemoVocabularyIsUpToDate() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = try temporaryFolder()
        let result = try loom(["vocab", "build", root.appendingPathComponent("corpora/demo-text.txt").path,
                               "--max-size", "2000", "--out", folder.appendingPathComponent("demo.txt").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("demo.txt")),
                       try Data(contentsOf: root.appendingPathComponent("vocab/demo.txt")),
                       "rebuild with: loom vocab build corpora/demo-text.txt --max-size 2000 --out vocab/demo.txt")
    }

    func testVocabBuildErrors() throws {
        let folder = try temporaryFolder()
        var bad = Data("pos\tok\nneg\tbad ".utf8)
        bad.append(0xFF)
        try bad.write(to: folder.appendingPathComponent("bad.tsv"))
        let strict = try loom(["vocab", "build", "bad.tsv", "--out", "v.txt"], in: folder)
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("bad.tsv:2: invalid UTF-8 at byte offset 15"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("v.txt").path))
        let lossy = try loom(["vocab", "build", "bad.tsv", "--lossy", "--out", "v.txt"], in: folder)
        XCTAssertEqual(lossy.status, 0, lossy.stderr)
        XCTAssertTrue(lossy.stderr.contains("replaced 1 invalid UTF-8 sequence"), lossy.stderr)

        let missing = try loom(["vocab", "build", "nope.tsv", "--out", "v2.txt"], in: folder)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("error: "), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("nope.tsv: no such file"), missing.stderr)

        XCTAssertNotEqual(try loom(["vocab", "build", "bad.tsv", "--max-size", "1", "--out", "v3.txt"], in: folder).status, 0)

        try "<pad>\n<unk>\nthe\nthe\n".write(to: folder.appendingPathComponent("dup.txt"), atomically: true, encoding: .utf8)
        let duplicate = try loom(["vocab", "stats", "--vocab", "dup.txt"], in: folder)
        XCTAssertEqual(duplicate.status, 1)
        XCTAssertTrue(duplicate.stderr.contains("dup.txt:4: duplicate token \"the\" (first on line 3)"), duplicate.stderr)
    }
}
