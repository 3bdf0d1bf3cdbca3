import Foundation
import LoomText
import XCTest

/// Checks on the real IMDB and UCI data in ../shared/datasets (skipped when absent).
final class RealDataTests: XCTestCase {
    func testIMDBSample() throws {
        let url = try sharedDatasets().appendingPathComponent("imdb/train.tsv")
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let head = handle.readData(ofLength: 400_000)
        // Keep whole lines only.
        let cut = head.lastIndex(of: 0x0A).map { head[..<($0 + 1)] } ?? head
        let folder = try makeTemporaryFolder(self)
        let sample = folder.appendingPathComponent("sample.tsv")
        try Data(cut).write(to: sample)
        let items = try LabelledCorpus.read(sample)
        XCTAssertGreaterThan(items.count, 200)
        XCTAssertEqual(Set(items.map(\.label)), ["pos", "neg"])
        let tokenizer = try Tokenizer()
        let counter = TokenCounter.count(items.map(\.text), tokenizer: tokenizer)
        XCTAssertNil(counter.counts["br"], "markup <br /> must be stripped")
        XCTAssertGreaterThan(counter.counts["the"] ?? 0, 1000)
        let vocabulary = Vocabulary.build(counts: counter.counts, maxSize: 1000, minCount: 2)
        XCTAssertEqual(vocabulary.count, 1000)
        XCTAssertEqual(vocabulary.tokens[2], "the")
        let ids = items.prefix(50).map { vocabulary.encode(text: $0.text, tokenizer: tokenizer) }
        let padded = padSequences(ids, maxLength: 200)
        XCTAssertEqual(padded.ids.count, 50 * 200)
    }

    func testUCISentences() throws {
        let url = try sharedDatasets().appendingPathComponent("uci-sentences/imdb_labelled.txt")
        let items = try LabelledCorpus.read(url)
        XCTAssertEqual(items.count, 1000)
        XCTAssertEqual(Set(items.map(\.label)), ["pos", "neg"])
    }
}
