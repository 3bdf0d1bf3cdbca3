import Foundation
import LoomText
import XCTest

final class CharVocabularyTests: XCTestCase {
    func testBuildIsSortedByCodePoints() {
        let vocabulary = CharVocabulary.build(from: "ba\nc🇫🇷a é")
        XCTAssertEqual(vocabulary.symbols, ["\n", " ", "a", "b", "c", "é", "🇫🇷"])
        XCTAssertEqual(CharVocabulary.build(from: "ba🇫🇷", unit: .scalars).symbols, ["a", "b", "🇫", "🇷"])
    }

    func testEncodeDecodeAndUnknown() throws {
        let vocabulary = CharVocabulary.build(from: "hello world")
        let ids = try vocabulary.encode("hello")
        XCTAssertEqual(vocabulary.decode(ids), "hello")
        XCTAssertEqual(vocabulary.index(of: " "), 0)
        XCTAssertNil(vocabulary.index(of: "z"))
        assertThrows(.unknownCharacters(["x", "y"])) { try vocabulary.encode("hexyx") }
        XCTAssertEqual(try vocabulary.encode("hex", unknown: .skip), try vocabulary.encode("he"))
        XCTAssertEqual(try vocabulary.encode("x", unknown: .replace(with: 0)), [0])
    }

    func testFileRoundTripWithEscapes() throws {
        let folder = try makeTemporaryFolder(self)
        let url = folder.appendingPathComponent("chars.txt")
        let vocabulary = CharVocabulary.build(from: "a\\b\tc\r\nd\n\u{7}e\u{2028}")
        try vocabulary.write(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text, "#loom-chars unit=graphemes\n\\u{7}\n\\t\n\\n\n\\r\\n\n\\\\\na\nb\nc\nd\ne\n\\u{2028}\n")
        XCTAssertEqual(try CharVocabulary(contentsOf: url), vocabulary)
        let scalars = CharVocabulary.build(from: "\r\n", unit: .scalars)
        try scalars.write(to: url)
        XCTAssertEqual(try CharVocabulary(contentsOf: url), scalars)
    }

    func testBadFiles() throws {
        let folder = try makeTemporaryFolder(self)
        let duplicate = try writeFile(folder, "dup.txt", "#loom-chars unit=graphemes\na\nb\na\n")
        assertThrows(.duplicateToken(path: duplicate.path, line: 4, token: "a", firstLine: 2)) { try CharVocabulary(contentsOf: duplicate) }
        let escape = try writeFile(folder, "esc.txt", "a\n\\q\n")
        assertThrows(.invalidEscape(path: escape.path, line: 2, text: "\\q")) { try CharVocabulary(contentsOf: escape) }
    }
}
