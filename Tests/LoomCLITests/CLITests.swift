import Foundation
import XCTest

/// End-to-end tests of `loom tokenize` and `loom vocab`, running the built binary.
final class TextCLITests: CLITestCase {
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
        let folder: URL = scratch
        try "<pad>\n<unk>\nthe\nfilm\n".write(to: folder.appendingPathComponent("v.txt"), atomically: true, encoding: .utf8)
        let plain = try loom(["tokenize", "--vocab", "v.txt", "The film, the end"])
        XCTAssertEqual(plain.stdout, "the\t2\nfilm\t3\nthe\t2\nend\t1\n", plain.stderr)
        let json = try loom(["tokenize", "--vocab", "v.txt", "--json", "film"])
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
        let folder: URL = scratch
        try "pos\tThe film was great, great fun.\nneg\tThe film was dull.\n".write(to: folder.appendingPathComponent("r.tsv"), atomically: true, encoding: .utf8)
        let first = try loom(["vocab", "build", "r.tsv", "--max-size", "6", "--no-keep-punctuation", "--out", "vocab/a.txt"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.hasPrefix("wrote vocab/a.txt: 6 entries"), first.stdout)
        _ = try loom(["vocab", "build", "r.tsv", "--max-size", "6", "--no-keep-punctuation", "--out", "vocab/b.txt"])
        let a = try String(contentsOf: folder.appendingPathComponent("vocab/a.txt"), encoding: .utf8)
        XCTAssertEqual(a, "<pad>\n<unk>\nfilm\ngreat\nthe\nwas\n")
        XCTAssertEqual(a, try String(contentsOf: folder.appendingPathComponent("vocab/b.txt"), encoding: .utf8))
        let stats = try loom(["vocab", "stats", "--vocab", "vocab/a.txt", "r.tsv", "--no-keep-punctuation", "--json"])
        XCTAssertEqual(stats.status, 0, stats.stderr)
        XCTAssertTrue(stats.stdout.contains("\"size\":6"), stats.stdout)
        XCTAssertTrue(stats.stdout.contains("\"known\":8"), stats.stdout)  // 8 of 10 tokens known
    }

    /// vocab/demo.txt is committed; rebuilding it from corpora/demo-text.txt must give the
    /// same bytes (if the tokenizer changes on purpose, rebuild it with the command below).
    func testCommittedDemoVocabularyIsUpToDate() throws {
        let root = repositoryRoot, folder: URL = scratch
        let result = try loom(["vocab", "build", root.appendingPathComponent("corpora/demo-text.txt").path,
                               "--max-size", "2000", "--no-keep-punctuation", "--out", folder.appendingPathComponent("demo.txt").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("demo.txt")),
                       try Data(contentsOf: root.appendingPathComponent("vocab/demo.txt")),
                       "rebuild with: loom vocab build corpora/demo-text.txt --max-size 2000 --no-keep-punctuation --out vocab/demo.txt")
    }

    func testVocabBuildErrors() throws {
        let folder: URL = scratch
        var bad = Data("pos\tok\nneg\tbad ".utf8)
        bad.append(0xFF)
        try bad.write(to: folder.appendingPathComponent("bad.tsv"))
        let strict = try loom(["vocab", "build", "bad.tsv", "--out", "v.txt"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("bad.tsv:2: invalid UTF-8 at byte offset 15"), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("v.txt").path))
        let lossy = try loom(["vocab", "build", "bad.tsv", "--lossy", "--out", "v.txt"])
        XCTAssertEqual(lossy.status, 0, lossy.stderr)
        XCTAssertTrue(lossy.stderr.contains("replaced 1 invalid UTF-8 sequence"), lossy.stderr)

        let missing = try loom(["vocab", "build", "nope.tsv", "--out", "v2.txt"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("error: "), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("nope.tsv: no such file"), missing.stderr)

        XCTAssertNotEqual(try loom(["vocab", "build", "bad.tsv", "--max-size", "1", "--out", "v3.txt"]).status, 0)

        try "<pad>\n<unk>\nthe\nthe\n".write(to: folder.appendingPathComponent("dup.txt"), atomically: true, encoding: .utf8)
        let duplicate = try loom(["vocab", "stats", "--vocab", "dup.txt"])
        XCTAssertEqual(duplicate.status, 1)
        XCTAssertTrue(duplicate.stderr.contains("dup.txt:4: duplicate token \"the\" (first on line 3)"), duplicate.stderr)
    }
}
