@testable import LoomText
import XCTest

/// The ASCII fast path must segment exactly as ICU's break iterator does.
final class ASCIIFastPathTests: XCTestCase {
    func pair(keepPunctuation: Bool, caseFold: Bool = true) throws -> (fast: Tokenizer, icu: Tokenizer) {
        var options = TokenizerOptions(caseFold: caseFold, keepPunctuation: keepPunctuation)
        let fast = try Tokenizer(options: options)
        options.asciiFastPath = false
        return (fast, try Tokenizer(options: options))
    }

    func testRandomASCIIStringsMatchICU() throws {
        var generator = SplitMix(seed: 42)
        let alphabet = Array("aZq@09_.',;:-!?/ \t\n\r<>\"$#&()*+=[]\\^`{|}~\u{7F}\u{1}3DPohtpw".unicodeScalars)
        for (keep, fold) in [(false, true), (true, true), (true, false)] {
            let (fast, icu) = try pair(keepPunctuation: keep, caseFold: fold)
            for _ in 0..<3000 {
                let length = Int(generator.next() % 14)
                var text = ""
                for _ in 0..<length { text.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
                XCTAssertEqual(fast.tokenize(text), icu.tokenize(text), "text: \(text.debugDescription), keepPunctuation: \(keep)")
            }
        }
    }

    /// Mixed texts: ASCII pieces take the fast path, the rest ICU; results must not change.
    func testRandomMixedStringsMatchICU() throws {
        var generator = SplitMix(seed: 7)
        let pieces = ["a", "Z", "9", "_", ".", "'", ",", "@", " ", " ", " ", "\n", "\t", "é", "e\u{301}", "\u{301}", "’",
                      "\u{A0}", "ﬁ", "①", "我喜欢", "电影", "👍", "🏽", "\u{200D}", "👩", "💻", "🇫", "🇷", "ǅ", "ß", "ＡＢ", "\u{FE0F}",
                      "<br />", "10/10", "don't", "カタカナ", "ไทย", "\u{AD}", "\u{2019}",
                      // web text: entities (ASCII and not), emoticons, URLs
                      "&amp;", "&#39;", "&#8217;", "&eacute;", "&nbsp;", "&#x1F600;", "&", ":)", ":-(", ";D", "<3", "^_^",
                      ")", ":", "http://", "https://a.b/", "www.", "x", "/", "?q=1"]
        for (keep, fold) in [(false, true), (true, true), (true, false)] {
            let (fast, icu) = try pair(keepPunctuation: keep, caseFold: fold)
            for _ in 0..<3000 {
                let length = Int(generator.next() % 12)
                let text = (0..<length).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
                XCTAssertEqual(fast.tokenize(text), icu.tokenize(text), "text: \(text.debugDescription), keepPunctuation: \(keep)")
            }
        }
    }

    func testSamplesMatchICU() throws {
        let samples = ["I didn't like it... 10/10, 3.5 stars; 1,000,000 U.S.A. e-mail a@b.com x_y __ _ 'quoted' it's",
                       "a.b.c 1.2.3 a.1 1.a a'b' 1'2 a,b 1,a a;b 1;2 a__b 12ab ab12 @@ :: a:b"]
        for keep in [false, true] {
            let (fast, icu) = try pair(keepPunctuation: keep)
            for text in samples { XCTAssertEqual(fast.tokenize(text), icu.tokenize(text)) }
        }
    }

    func testIMDBReviewsMatchICU() throws {
        let url = try sharedDatasets().appendingPathComponent("imdb/test.tsv")
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let data = handle.readData(ofLength: 2_000_000)
        let text = String(decoding: data, as: UTF8.self)
        var checked = 0
        for keep in [false, true] {
            let (fast, icu) = try pair(keepPunctuation: keep)
            for line in text.split(separator: "\n").dropLast() {
                let review = String(line)
                let (a, b) = (fast.tokenize(review), icu.tokenize(review))
                guard a == b else {
                    let index = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
                    return XCTFail("fast path differs at token \(index): \(a[index...].prefix(5)) vs ICU \(b[index...].prefix(5))")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 2000)
    }
}

/// Small deterministic generator for the fuzz test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
