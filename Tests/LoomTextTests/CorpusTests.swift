import Foundation
import LoomText
import XCTest

final class CorpusTests: XCTestCase {
    func testLabelRule() {
        XCTAssertEqual(["pos", " Positive ", "1", "NEG", "negative", "0", "Sports"].map(Labels.canonical),
                       ["pos", "pos", "pos", "neg", "neg", "neg", "sports"])
    }

    func testTSVLabelFirst() throws {
        let folder = try makeTemporaryFolder(self)
        let url = try writeFile(folder, "r.tsv", "pos\tGreat film.\tTabs stay.\n\nneg\tBad.<br />Really\r\n")
        let items = try LabelledCorpus.read(url)
        XCTAssertEqual(items, [
            LabelledText(text: "Great film.\tTabs stay.", label: "pos", source: "\(url.path):1", line: 1),
            LabelledText(text: "Bad.<br />Really", label: "neg", source: "\(url.path):3", line: 3),
        ])
    }

    func testTSVTextFirstUCI() throws {
        let folder = try makeTemporaryFolder(self)
        let url = try writeFile(folder, "uci.txt", "So there is no way for me to plug it in.\t0\nGood case, Excellent value.  \t1\n")
        let items = try LabelledCorpus.read(url)
        XCTAssertEqual(items.map(\.label), ["neg", "pos"])
        XCTAssertEqual(items.map(\.text), ["So there is no way for me to plug it in.", "Good case, Excellent value."])
    }

    func testTSVMultiClass() throws {
        let folder = try makeTemporaryFolder(self)
        let url = try writeFile(folder, "topics.tsv", "Sports\tA goal!\nnews\tElection day\n")
        XCTAssertEqual(try LabelledCorpus.read(url).map(\.label), ["sports", "news"])
        assertThrows(.unknownLabel(path: url.path, line: 1, label: "sports")) {
            try LabelledCorpus.read(url, options: CorpusOptions(labels: .binary))
        }
    }

    func testTSVErrors() throws {
        let folder = try makeTemporaryFolder(self)
        let noTab = try writeFile(folder, "notab.tsv", "pos\tfine\nthis line has no tab\n")
        assertThrows(.missingTab(path: noTab.path, line: 2)) { try LabelledCorpus.read(noTab) }
        let emptyLabel = try writeFile(folder, "nolabel.tsv", "pos\tfine\n \tno label\n")
        assertThrows(.emptyLabel(path: emptyLabel.path, line: 2)) { try LabelledCorpus.read(emptyLabel) }
        let unknown = try writeFile(folder, "unknown.tsv", "pos\tfine\nneg\tbad\nmeh\tso-so\n")
        assertThrows(.unknownLabel(path: unknown.path, line: 3, label: "meh")) { try LabelledCorpus.read(unknown) }
        let empty = try writeFile(folder, "empty.tsv", "\n\n")
        assertThrows(.emptyCorpus(path: empty.path)) { try LabelledCorpus.read(empty) }
        let emptyText = try writeFile(folder, "emptytext.tsv", "pos\t  \n")
        assertThrows(.emptyText(path: emptyText.path, line: 1)) { try LabelledCorpus.read(emptyText) }
        let missing = folder.appendingPathComponent("missing.tsv")
        assertThrows(.fileNotFound(path: missing.path)) { try LabelledCorpus.read(missing) }
        let plain = try writeFile(folder, "plain.txt", "no tabs here\n")
        assertThrows(.unsupportedFormat(path: plain.path)) { try LabelledCorpus.read(plain) }
    }

    func testCSVQuoting() throws {
        let folder = try makeTemporaryFolder(self)
        let csv = "review,sentiment\r\n\"Loved it, really.\",positive\r\n\"He said \"\"no\"\"\nand left\",negative\r\nPlain text,positive\r\n"
        let url = try writeFile(folder, "kaggle.csv", csv)
        let items = try LabelledCorpus.read(url)
        XCTAssertEqual(items.map(\.text), ["Loved it, really.", "He said \"no\"\nand left", "Plain text"])
        XCTAssertEqual(items.map(\.label), ["pos", "neg", "pos"])
        XCTAssertEqual(items.map(\.line), [2, 3, 5])
    }

    func testCSVErrors() throws {
        let folder = try makeTemporaryFolder(self)
        let open = try writeFile(folder, "open.csv", "review,sentiment\ngood,positive\n\"never closed,negative\nmore,positive\n")
        assertThrows(.unterminatedQuote(path: open.path, line: 3)) { try LabelledCorpus.read(open) }
        let fields = try writeFile(folder, "fields.csv", "review,sentiment\ngood,positive,extra\n")
        assertThrows(.fieldCount(path: fields.path, line: 2, expected: 2, found: 3)) { try LabelledCorpus.read(fields) }
        let header = try writeFile(folder, "header.csv", "words,mood\ngood,positive\n")
        XCTAssertThrowsError(try LabelledCorpus.read(header)) { error in
            guard case TextError.missingColumn = error else { return XCTFail("\(error)") }
        }
    }

    func testAclImdbFolder() throws {
        let root = try makeTemporaryFolder(self)
        try writeFile(root, "train/pos/0_9.txt", "Great!<br />")
        try writeFile(root, "train/pos/1_8.txt", "Fine film.")
        try writeFile(root, "train/neg/0_2.txt", "Awful.")
        try writeFile(root, "train/unsup/0_0.txt", "unlabelled")
        try writeFile(root, "test/pos/0_10.txt", "Test review.")
        let train = try LabelledCorpus.read(root)
        XCTAssertEqual(train.map(\.label), ["neg", "pos", "pos"])
        XCTAssertEqual(train.map(\.text), ["Awful.", "Great!<br />", "Fine film."])
        let test = try LabelledCorpus.read(root, options: CorpusOptions(split: .test))
        XCTAssertEqual(test.map(\.text), ["Test review."])
        XCTAssertEqual(try LabelledCorpus.read(root.appendingPathComponent("train")), train)  // a split folder
    }

    func testFolderErrors() throws {
        let root = try makeTemporaryFolder(self)
        try writeFile(root, "flat/a.txt", "no class folders")
        assertThrows(.noClassFolders(path: root.appendingPathComponent("flat").path)) { try LabelledCorpus.read(root.appendingPathComponent("flat")) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty/pos"), withIntermediateDirectories: true)
        assertThrows(.emptyCorpus(path: root.appendingPathComponent("empty").path)) { try LabelledCorpus.read(root.appendingPathComponent("empty")) }
        try writeFile(root, "both/train/pos/a.txt", "only train")
        assertThrows(.fileNotFound(path: root.appendingPathComponent("both/test").path)) {
            try LabelledCorpus.read(root.appendingPathComponent("both"), options: CorpusOptions(split: .test))
        }
    }

    func testUnreadableFolder() throws {
        let root = try makeTemporaryFolder(self)
        let locked = root.appendingPathComponent("locked")
        try writeFile(root, "locked/pos/a.txt", "x")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked.appendingPathComponent("pos").path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.appendingPathComponent("pos").path) }
        if getuid() == 0 { throw XCTSkip("running as root: permissions do not stop reading") }
        XCTAssertThrowsError(try LabelledCorpus.read(locked)) { error in
            guard case TextError.unreadable = error else { return XCTFail("\(error)") }
        }
    }

    func testPlainTextCorpus() throws {
        let folder = try makeTemporaryFolder(self)
        let url = try writeFile(folder, "plain.txt", "First line.\n\n  \nSecond line.\n")
        XCTAssertEqual(try TextCorpus.read(url), ["First line.", "Second line."])
        let tsv = try writeFile(folder, "r.tsv", "pos\tA\nneg\tB\n")
        XCTAssertEqual(try TextCorpus.read(tsv), ["A", "B"])
    }
}
