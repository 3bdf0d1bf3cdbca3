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

    /// --delimiter and named columns read any table with a header; a missing column names the columns there are.
    func testDelimitedTablesWithNamedColumns() throws {
        let folder = try makeTemporaryFolder(self)
        let semicolons = try writeFile(folder, "reviews.txt", "id;verdict;words\n1;pos;\"Good; very good\"\n2;neg;Bad\n")
        let options = CorpusOptions(delimiter: 0x3B, textColumn: "words", labelColumn: "Verdict")
        let items = try LabelledCorpus.read(semicolons, options: options)
        XCTAssertEqual(items.map(\.text), ["Good; very good", "Bad"])
        XCTAssertEqual(items.map(\.label), ["pos", "neg"])
        let tabs = try writeFile(folder, "table.tsv", "text\tstars\nfine film\t1\nawful\t0\n")
        XCTAssertEqual(try LabelledCorpus.read(tabs, options: CorpusOptions(labelColumn: "stars")).map(\.label), ["pos", "neg"])
        XCTAssertThrowsError(try LabelledCorpus.read(semicolons, options: CorpusOptions(delimiter: 0x3B, textColumn: "body"))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("id, verdict, words") && message.contains(":1:"), message)
        }
    }

    /// JSON Lines: {"text", "label"} per line (string or number labels, other keys by name); a bad line is an
    /// error naming the file and line.
    func testJSONLines() throws {
        let folder = try makeTemporaryFolder(self)
        let good = try writeFile(folder, "data.jsonl", "{\"text\": \"Loved it\", \"label\": 1}\n\n{\"text\": \"Hated it\", \"label\": \"neg\"}\n")
        let items = try LabelledCorpus.read(good)
        XCTAssertEqual(items.map(\.text), ["Loved it", "Hated it"])
        XCTAssertEqual(items.map(\.label), ["pos", "neg"])
        XCTAssertEqual(items.map(\.line), [1, 3])
        let keys = try writeFile(folder, "keys.jsonl", "{\"review\": \"ok\", \"y\": 0}\n")
        XCTAssertEqual(try LabelledCorpus.read(keys, options: CorpusOptions(textColumn: "review", labelColumn: "y")).map(\.label), ["neg"])
        let broken = try writeFile(folder, "broken.jsonl", "{\"text\": \"fine\", \"label\": 1}\n{\"text\": \"cut off\n")
        assertThrows(.badRecord(path: broken.path, line: 2, reason: "not a JSON object")) { try LabelledCorpus.read(broken) }
        let noLabel = try writeFile(folder, "nolabel.jsonl", "{\"text\": \"fine\"}\n")
        XCTAssertThrowsError(try LabelledCorpus.read(noLabel)) { error in
            XCTAssertTrue("\(error)".contains("nolabel.jsonl:1") && "\(error)".contains("label"), "\(error)")
        }
    }

    /// Star ratings are classes (not "pos" and unknown labels), ordered as numbers; binary corpora still give
    /// pos/neg; numbers mixed with words are an error naming the line.
    func testNumericLabelsAreClassesInNumericOrder() throws {
        let folder = try makeTemporaryFolder(self)
        let ratings = try writeFile(folder, "ratings.tsv", "10\tSuperb\n1\tAwful\n7\tGood\n2\tBad\n")
        let items = try LabelledCorpus.read(ratings)
        XCTAssertEqual(items.map(\.label), ["10", "1", "7", "2"])
        XCTAssertEqual(Labels.ordered(Set(items.map(\.label))), ["1", "2", "7", "10"])
        XCTAssertEqual(Labels.ordered(["r10", "r2", "r1", "b"]), ["b", "r1", "r2", "r10"])
        let binary = try writeFile(folder, "binary.tsv", "1\tGood\n0\tBad\n")
        XCTAssertEqual(try LabelledCorpus.read(binary).map(\.label), ["pos", "neg"])
        let mixed = try writeFile(folder, "mixed.tsv", "great\tGood\nawful\tBad\n7\tFine\n")
        assertThrows(.mixedLabels(path: mixed.path, line: 3, label: "7", first: "great")) { try LabelledCorpus.read(mixed) }
        let nan = try writeFile(folder, "nan.tsv", "8\tGood\nnan\tBad\n")
        XCTAssertThrowsError(try LabelledCorpus.read(nan)) { error in
            XCTAssertTrue("\(error)".contains("nan.tsv:2"), "\(error)")
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
