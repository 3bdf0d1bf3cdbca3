import Foundation
import LoomText
import XCTest

final class TextFileTests: XCTestCase {
    func testInvalidUTF8NamesOffsetAndLine() throws {
        let folder = try makeTemporaryFolder(self)
        let url = try writeFile(folder, "bad.tsv", Array("pos\tok\nneg\tcaf".utf8) + [0xE9] + Array(" x\n".utf8))
        assertThrows(.invalidUTF8(path: url.path, byteOffset: 14, line: 2)) { try TextFile.readUTF8(url) }
        assertThrows(.invalidUTF8(path: url.path, byteOffset: 14, line: 2)) { try LabelledCorpus.read(url) }
        XCTAssertTrue(TextError.invalidUTF8(path: "f", byteOffset: 14, line: 2).description.contains("byte offset 14"))
    }

    func testLossyCountsReplacements() throws {
        let folder = try makeTemporaryFolder(self)
        // Bad: lone 0xFF, truncated E2 82, stray continuation 0x80; a real U+FFFD is not counted.
        let url = try writeFile(folder, "bad.txt", Array("a".utf8) + [0xFF] + Array("b".utf8) + [0xE2, 0x82] + Array("c�".utf8) + [0x80])
        let contents = try TextFile.read(url, lossy: true)
        XCTAssertEqual(contents.text, "a\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}")
        XCTAssertEqual(contents.replacements, 3)
        let corpus = try LabelledCorpus.load(try writeFile(folder, "bad.tsv", Array("pos\tfine ".utf8) + [0xC3]), options: CorpusOptions(lossy: true))
        XCTAssertEqual(corpus.replacements, 1)
        XCTAssertEqual(corpus.items.first?.text, "fine \u{FFFD}")
    }

    func testBOMAndMissingFile() throws {
        let folder = try makeTemporaryFolder(self)
        let url = try writeFile(folder, "bom.txt", [0xEF, 0xBB, 0xBF] + Array("hi".utf8))
        XCTAssertEqual(try TextFile.readUTF8(url), "hi")
        let missing = folder.appendingPathComponent("nope.txt")
        assertThrows(.fileNotFound(path: missing.path)) { try TextFile.readUTF8(missing) }
        XCTAssertThrowsError(try TextFile.readUTF8(folder)) { error in
            guard case TextError.unreadable = error else { return XCTFail("\(error)") }
        }
    }
}
