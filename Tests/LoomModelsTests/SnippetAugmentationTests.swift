import Foundation
import XCTest
@testable import LoomModels

/// `--snippets`: windows of consecutive tokens cut from training reviews, with their labels.
final class SnippetAugmentationTests: XCTestCase {
    func examples() -> EncodedExamples {
        // Review r holds ids 1000·r + 1 … 1000·r + length, so a window's ids say where they came from.
        let lengths = [3, 5, 6, 40, 41, 120, 400]
        return EncodedExamples(sequences: lengths.enumerated().map { r, n in (1...n).map { Int32(1000 * r + $0) } },
                               labels: lengths.indices.map { Int32($0 % 2) }, ratings: lengths.indices.map { Float($0) + 0.5 })
    }

    func testWindowsAreConsecutiveRunsOfTheirReviewWithItsLabelAndRating() {
        var train = examples()
        let originals = train
        let added = SnippetAugmentation(perReview: 3, seed: 7).append(to: &train)
        XCTAssertEqual(train.count, originals.count + added)
        XCTAssertEqual(Array(train.sequences.prefix(originals.count)), originals.sequences, "the reviews themselves are kept, first")
        XCTAssertGreaterThan(added, 0)
        for index in originals.count..<train.count {
            let window = train.sequences[index]
            let review = Int(window[0]) / 1000
            XCTAssertTrue(SnippetAugmentation.lengths.contains(window.count), "\(window.count) tokens")
            XCTAssertLessThan(window.count, originals.sequences[review].count, "a window is shorter than its review")
            XCTAssertEqual(window, Array(window[0]...window[0] + Int32(window.count - 1)), "consecutive ids of one review")
            XCTAssertEqual(train.labels[index], originals.labels[review])
            XCTAssertEqual(train.ratings?[index], originals.ratings?[review])
        }
        // Reviews of at most 5 tokens are already as short as the shortest window: none cut from them.
        let cut = Set(train.sequences[originals.count...].map { Int($0[0]) / 1000 })
        XCTAssertTrue(cut.isDisjoint(with: [0, 1]), "\(cut)")
        XCTAssertTrue(cut.isSuperset(of: [4, 5, 6]), "\(cut): every long review gives windows")
        // At most perReview per review, exactly perReview from a review longer than any window.
        let fromLongest = train.sequences[originals.count...].filter { Int($0[0]) / 1000 == 6 }.count
        XCTAssertEqual(fromLongest, 3)
    }

    func testTheSameSeedCutsTheSameWindowsAndAnotherSeedOthers() {
        var a = examples(), b = examples(), c = examples()
        SnippetAugmentation(perReview: 2, seed: 42).append(to: &a)
        SnippetAugmentation(perReview: 2, seed: 42).append(to: &b)
        SnippetAugmentation(perReview: 2, seed: 43).append(to: &c)
        XCTAssertEqual(a.sequences, b.sequences)
        XCTAssertNotEqual(a.sequences, c.sequences)
    }

    func testTheOptionIsBoundedAndOldOptionsDecodeWithout() throws {
        var options = SentimentTrainingOptions()
        for bad in [-1, SnippetAugmentation.maximumPerReview + 1] {
            options.snippets = bad
            XCTAssertThrowsError(try options.validate(), "\(bad)")
        }
        options.snippets = 2
        XCTAssertNoThrow(try options.validate())
        // Options saved before --snippets existed (resume state, training.json) have no such key.
        var saved = try JSONSerialization.jsonObject(with: JSONEncoder().encode(SentimentTrainingOptions())) as! [String: Any]
        saved.removeValue(forKey: "snippets")
        let decoded = try JSONDecoder().decode(SentimentTrainingOptions.self, from: JSONSerialization.data(withJSONObject: saved))
        XCTAssertNil(decoded.snippets)
    }
}
