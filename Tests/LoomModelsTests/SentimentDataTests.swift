import XCTest
import LoomTensor
import LoomText
@testable import LoomModels

final class SentimentDataTests: XCTestCase {
    /// Numeric classes (star ratings) come out in numeric order, so class i is the i-th rating.
    func testNumericClassesAreOrderedAsNumbers() throws {
        let examples = ["10", "2", "1", "7", "2"].enumerated().map { LabelledText(text: "review \($0.offset)", label: $0.element, source: "r") }
        XCTAssertEqual(try SentimentData.classes(of: examples, source: "r"), ["1", "2", "7", "10"])
    }

    func testBinaryClassesPutPositiveSecondAndRejectOneClass() throws {
        let examples = [LabelledText(text: "a", label: "pos", source: "f:1"), LabelledText(text: "b", label: "neg", source: "f:2")]
        XCTAssertEqual(try SentimentData.classes(of: examples, source: "f"), ["neg", "pos"])
        XCTAssertThrowsError(try SentimentData.classes(of: [examples[0]], source: "f")) { error in
            XCTAssertTrue("\(error)".contains("at least two classes"), "\(error)")
        }
        XCTAssertThrowsError(try SentimentData.labelIndices([LabelledText(text: "c", label: "meh", source: "f:9")],
                                                            classes: ["neg", "pos"])) { error in
            XCTAssertTrue("\(error)".contains("f:9"), "\(error)")
        }
    }

    func testStratifiedSplitKeepsClassProportionsAndCoversEverything() {
        let labels: [Int32] = Array(repeating: 0, count: 70) + Array(repeating: 1, count: 30)
        var rng = SeededGenerator(seed: 1)
        let split = SentimentData.stratifiedSplit(labels: labels, fraction: 0.1, rng: &rng)
        XCTAssertEqual(split.validation.filter { labels[$0] == 0 }.count, 7)
        XCTAssertEqual(split.validation.filter { labels[$0] == 1 }.count, 3)
        XCTAssertEqual(Set(split.train + split.validation), Set(0..<100))
        XCTAssertTrue(Set(split.train).isDisjoint(with: split.validation))
        var again = SeededGenerator(seed: 1)
        XCTAssertEqual(SentimentData.stratifiedSplit(labels: labels, fraction: 0.1, rng: &again).validation, split.validation)
    }

    func testBucketedBatchesCoverEveryIndexOnceWithSimilarLengths() {
        var rng = SeededGenerator(seed: 3)
        let lengths = (0..<1000).map { _ in Int(rng.next() % 500) }
        let batches = SentimentData.bucketedBatches(lengths: lengths, batchSize: 32, rng: &rng)
        XCTAssertEqual(batches.flatMap { $0 }.sorted(), Array(0..<1000))
        // Sorting within windows makes padding small: the mean spread inside a batch is far below
        // the ~500 a random batch of 32 would have.
        let spread = batches.map { batch in Double(batch.map { lengths[$0] }.max()! - batch.map { lengths[$0] }.min()!) }
        XCTAssertLessThan(spread.reduce(0, +) / Double(spread.count), 60)
    }

    func testPaddedBatchIsTimeMajorAndPrePadded() {
        let batch = PaddedBatch(sequences: [[5, 6, 7], [8]], maxLength: 10)
        XCTAssertEqual(batch.steps, 3)
        // t=0: 5, pad | t=1: 6, pad | t=2: 7, 8
        XCTAssertEqual(batch.timeMajorIDs, [5, 0, 6, 0, 7, 8])
        XCTAssertEqual(batch.mask.data, [1, 0, 1, 0, 1, 1])
        XCTAssertEqual(batch.tokenCount, 4)
        let truncated = PaddedBatch(sequences: [[1, 2, 3, 4]], maxLength: 2)
        XCTAssertEqual(truncated.timeMajorIDs, [3, 4], "keeps the end, as Keras' truncating: pre")
    }
}
