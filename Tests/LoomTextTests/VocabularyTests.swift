import Foundation
import LoomText
import XCTest

final class VocabularyTests: XCTestCase {
    let counts = ["b": 3, "a": 3, "é": 3, "z": 5, "rare": 1, "c": 2, "<unk>": 9]

    func testOrderIsFrequencyThenCodePoints() {
        let vocabulary = Vocabulary.build(counts: counts, maxSize: nil, minCount: 1)
        XCTAssertEqual(vocabulary.tokens, ["<pad>", "<unk>", "z", "a", "b", "é", "c", "rare"])
        XCTAssertEqual(vocabulary.count, 8)
    }

    func testMaxSizeIncludesSpecialsAndMinCount() {
        XCTAssertEqual(Vocabulary.build(counts: counts, maxSize: 4, minCount: 1).tokens, ["<pad>", "<unk>", "z", "a"])
        XCTAssertEqual(Vocabulary.build(counts: counts, maxSize: nil, minCount: 3).tokens, ["<pad>", "<unk>", "z", "a", "b", "é"])
        XCTAssertEqual(Vocabulary.build(counts: counts, maxSize: 2, minCount: 1).tokens, ["<pad>", "<unk>"])
        XCTAssertEqual(Vocabulary.build(counts: [:], maxSize: 10, minCount: 1).tokens, ["<pad>", "<unk>"])
    }

    func testEncodeDecode() {
        let vocabulary = Vocabulary.build(counts: counts, maxSize: nil, minCount: 1)
        XCTAssertEqual(vocabulary.encode(["z", "never", "c"]), [2, 1, 6])
        XCTAssertEqual(vocabulary.decode([2, 1, 6, 99, -1]), ["z", "<unk>", "c", "<unk>", "<unk>"])
        XCTAssertEqual(vocabulary.id(for: "<pad>"), Vocabulary.padID)
        XCTAssertEqual(vocabulary.token(for: 0), "<pad>")
    }

    func testEncodeText() throws {
        let tokenizer = try Tokenizer()
        var counter = TokenCounter()
        counter.add(text: "the film, the actors", tokenizer: tokenizer)
        let vocabulary = Vocabulary.build(counts: counter.counts, maxSize: nil, minCount: 1)
        XCTAssertEqual(vocabulary.tokens, ["<pad>", "<unk>", "the", "actors", "film"])
        XCTAssertEqual(vocabulary.encode(text: "The FILM was bad", tokenizer: tokenizer), [2, 4, 1, 1])
    }

    func testDeterministicBytes() throws {
        let folder = try makeTemporaryFolder(self)
        let tokenizer = try Tokenizer()
        let texts = (0..<300).map { "text \($0 % 17) word\($0 % 5) 😀 café \($0)" }
        let first = Vocabulary.build(counts: TokenCounter.count(texts, tokenizer: tokenizer, threads: 1).counts, maxSize: 50, minCount: 1)
        let second = Vocabulary.build(counts: TokenCounter.count(texts.reversed(), tokenizer: tokenizer, threads: 3).counts, maxSize: 50, minCount: 1)
        try first.write(to: folder.appendingPathComponent("a.txt"))
        try second.write(to: folder.appendingPathComponent("b.txt"))
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("a.txt")), try Data(contentsOf: folder.appendingPathComponent("b.txt")))
    }

    func testFileRoundTrip() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("sub/vocab.txt")
        let vocabulary = Vocabulary.build(counts: counts, maxSize: nil, minCount: 1)
        try vocabulary.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "<pad>\n<unk>\nz\na\nb\né\nc\nrare\n")
        XCTAssertEqual(try Vocabulary(contentsOf: url), vocabulary)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["vocab.txt"])
        let crlf = try writeFile(folder, "crlf.txt", "<pad>\r\n<unk>\r\nx\r\n")
        XCTAssertEqual(try Vocabulary(contentsOf: crlf).tokens, ["<pad>", "<unk>", "x"])
    }

    func testBadVocabularyFiles() throws {
        let folder = try makeTemporaryFolder(self)
        let duplicate = try writeFile(folder, "dup.txt", "<pad>\n<unk>\nthe\nfilm\nthe\n")
        assertThrows(.duplicateToken(path: duplicate.path, line: 5, token: "the", firstLine: 3)) { try Vocabulary(contentsOf: duplicate) }
        let noPad = try writeFile(folder, "nopad.txt", "<unk>\nthe\n")
        assertThrows(.missingSpecialToken(path: noPad.path, line: 1, expected: "<pad>", found: "<unk>")) { try Vocabulary(contentsOf: noPad) }
        let noUnk = try writeFile(folder, "nounk.txt", "<pad>\n")
        assertThrows(.missingSpecialToken(path: noUnk.path, line: 2, expected: "<unk>", found: nil)) { try Vocabulary(contentsOf: noUnk) }
        let blank = try writeFile(folder, "blank.txt", "<pad>\n<unk>\nthe\n\nfilm\n")
        assertThrows(.invalidToken(path: blank.path, line: 4, reason: "empty line")) { try Vocabulary(contentsOf: blank) }
        let missing = folder.appendingPathComponent("missing.txt")
        assertThrows(.fileNotFound(path: missing.path)) { try Vocabulary(contentsOf: missing) }
        assertThrows(.duplicateToken(path: nil, line: 4, token: "a", firstLine: 3)) { try Vocabulary(tokens: ["<pad>", "<unk>", "a", "a"]) }
    }

    func testWriteFailureLeavesNothing() throws {
        let folder = try makeTemporaryFolder(self)
        let blocker = try writeFile(folder, "file", "x")
        let url = blocker.appendingPathComponent("vocab.txt")  // parent is a file
        XCTAssertThrowsError(try Vocabulary.build(counts: counts).write(to: url)) { error in
            guard case TextError.writeFailed = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["file"])
    }
}

final class VocabularyEncodeTextsTests: XCTestCase {
    func testParallelEncodeMatchesSerial() throws {
        let tokenizer = try Tokenizer()
        let texts = (0..<100).map { "review \($0): the film was \($0 % 2 == 0 ? "great" : "dull") 😀" }
        let vocabulary = Vocabulary.build(counts: TokenCounter.count(texts, tokenizer: tokenizer).counts, maxSize: 10)
        let serial = texts.map { vocabulary.encode(text: $0, tokenizer: tokenizer) }
        XCTAssertEqual(vocabulary.encode(texts: texts, tokenizer: tokenizer, threads: 3), serial)
        XCTAssertEqual(serial[0], vocabulary.encode(tokenizer.tokenize(texts[0])))
        XCTAssertEqual(vocabulary.encode(texts: [], tokenizer: tokenizer), [])
    }
}
