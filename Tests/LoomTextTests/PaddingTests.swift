import LoomText
import XCTest

final class PaddingTests: XCTestCase {
    let sequences: [[Int32]] = [[1, 2, 3], [], [4, 5, 6, 7, 8], [9, 10, 11, 12]]

    func testDefaultsArePreAndLongest() {
        let padded = padSequences(sequences)
        XCTAssertEqual(padded.maxLength, 5)
        XCTAssertEqual(padded.count, 4)
        XCTAssertEqual(padded.lengths, [3, 0, 5, 4])
        XCTAssertEqual(padded.ids, [0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 4, 5, 6, 7, 8, 0, 9, 10, 11, 12])
    }

    func testPostPaddingAndTruncating() {
        let padded = padSequences(sequences, maxLength: 4, padding: .post, truncating: .post, value: -1)
        XCTAssertEqual(padded.ids, [1, 2, 3, -1, -1, -1, -1, -1, 4, 5, 6, 7, 9, 10, 11, 12])
        XCTAssertEqual(padded.lengths, [3, 0, 4, 4])
    }

    func testPreTruncatingKeepsTheEnd() {
        let padded = padSequences(sequences, maxLength: 4)
        XCTAssertEqual(Array(padded.row(2)), [5, 6, 7, 8])
        XCTAssertEqual(Array(padded.row(3)), [9, 10, 11, 12])  // exactly maxLength: unchanged
    }

    func testEdgeCases() {
        let zero = padSequences(sequences, maxLength: 0)
        XCTAssertEqual(zero.ids, [])
        XCTAssertEqual(zero.lengths, [0, 0, 0, 0])
        XCTAssertEqual(zero.maxLength, 0)
        let none = padSequences([])
        XCTAssertEqual(none.count, 0)
        XCTAssertEqual(none.maxLength, 0)
        XCTAssertEqual(none.ids, [])
        let empties = padSequences([[], []], maxLength: 2, padding: .post)
        XCTAssertEqual(empties.ids, [0, 0, 0, 0])
        XCTAssertEqual(empties.lengths, [0, 0])
        XCTAssertEqual(padSequences([[1]], maxLength: -3).maxLength, 0)
    }
}
