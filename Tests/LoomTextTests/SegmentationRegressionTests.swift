import LoomText
import XCTest

/// The cases of Unicode's conformance tests that Loom once got wrong, kept here so that
/// they run also where `unicode-data` is not installed (`UnicodeConformanceTests` skips).
final class SegmentationRegressionTests: XCTestCase {
    /// GraphemeBreakTest.txt: ÷ 2701 × 200D × 2701 ÷ (GB11); Swift's `Character` splits it.
    func testEmojiZWJSequenceOfDingbatsIsOneGrapheme() throws {
        let text = "\u{2701}\u{200D}\u{2701}"
        XCTAssertEqual(CharacterTokenizer().tokenize(text + "a").map { Array($0.unicodeScalars) },
                       [Array(text.unicodeScalars), ["a"]])
        let vocabulary = CharVocabulary.build(from: text + "a" + text)
        XCTAssertEqual(vocabulary.symbols.map { Array($0.unicodeScalars) }, [["a"], Array(text.unicodeScalars)])
        XCTAssertEqual(try vocabulary.encode(text + "a" + text), [1, 0, 1])
    }

    /// WordBreakTest.txt: ÷ 200D × 231A ÷ (WB3c): the segment starts with a ZWJ, its emoji is kept.
    func testEmojiAfterALeadingZWJIsKept() throws {
        for keepPunctuation in [false, true] {
            let keepCase = try Tokenizer(options: TokenizerOptions(caseFold: false, keepPunctuation: keepPunctuation))
            XCTAssertEqual(keepCase.tokenize("\u{200D}\u{231A} ok"), ["\u{200D}\u{231A}", "ok"])
            XCTAssertEqual(keepCase.tokenize("\u{200D}\u{1F6D1}\u{1F3FF}"), ["\u{200D}\u{1F6D1}\u{1F3FF}"])
            // NFKC case folding deletes the ZWJ first (it is default ignorable): the emoji remains.
            let folding = try Tokenizer(options: TokenizerOptions(caseFold: true, keepPunctuation: keepPunctuation))
            XCTAssertEqual(folding.tokenize("\u{200D}\u{231A} ok"), ["\u{231A}", "ok"])
        }
    }

    /// Segments made only of marks, format characters and joiners have no base and are dropped,
    /// also with keepPunctuation; punctuation with marks attached is kept.
    func testSegmentsWithoutABaseAreDropped() throws {
        let tokenizer = try Tokenizer(options: TokenizerOptions(caseFold: false, keepPunctuation: true))
        XCTAssertEqual(tokenizer.tokenize("\u{308}\u{200D}"), [])
        XCTAssertEqual(tokenizer.tokenize("\u{AD}"), [])
        XCTAssertEqual(tokenizer.tokenize("\u{308}a"), ["a"])
        XCTAssertEqual(tokenizer.tokenize("!\u{308} \u{308}"), ["!\u{308}"])
    }
}
