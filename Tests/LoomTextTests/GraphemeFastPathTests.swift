@testable import LoomText
import XCTest

/// `CharacterTokenizer`'s grapheme clusters: the ASCII shortcut must cut exactly as ICU
/// does, and long texts must cut the same in chunks as whole.
final class GraphemeFastPathTests: XCTestCase {
    static let pieces = ["a", "Z", "9", " ", "\r", "\n", "\r\n", "\t", "\u{1}", "é", "e\u{301}", "\u{301}", "\u{308}", "👍", "🏽",
                         "\u{200D}", "👩", "💻", "🇫", "🇷", "\u{FE0F}", "ᄀ", "ᅡ", "ᆨ", "각", "क", "\u{94D}", "\u{903}",
                         "\u{600}", "✁", "\u{AD}", "我", "!", "<br />"]

    func testRandomStringsMatchICU() {
        var generator = SplitMix(seed: 11)
        var fast = CharacterTokenizer(unit: .graphemes)
        var icu = fast
        fast.asciiFastPath = true
        icu.asciiFastPath = false
        var nonTrivial = 0
        for _ in 0..<5000 {
            let length = Int(generator.next() % 10)
            let text = (0..<length).map { _ in Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))] }.joined()
            let (a, b) = (fast.tokenize(text), icu.tokenize(text))
            XCTAssertEqual(a.map { Array($0.unicodeScalars) }, b.map { Array($0.unicodeScalars) }, "text: \(text.debugDescription)")
            XCTAssertEqual(a.joined(), text)
            if b.count < text.unicodeScalars.count { nonTrivial += 1 }
        }
        XCTAssertGreaterThan(nonTrivial, 1000, "the random texts should contain multi-scalar clusters")
    }

    func testChunksCutBetweenASCIICharactersOnly() {
        let text = Array("ab\r\ncé\u{301}👩\u{200D}💻 x\r\ny".utf8)
        text.withUnsafeBufferPointer { utf8 in
            for limit in 1...text.count {
                let chunks = GraphemeBreaker.chunks(utf8, limit: limit)
                XCTAssertEqual(chunks.flatMap { Array($0) }, text, "limit \(limit)")
                for chunk in chunks.dropFirst() {
                    let start = chunk.baseAddress! - utf8.baseAddress!
                    XCTAssertNotEqual(utf8[start] & 0xC0, 0x80, "limit \(limit): cut inside a character at \(start)")
                }
            }
            // With room to find a safe cut (the longest stretch without one is 4..<21), clusters
            // are the same as for the whole text.
            let breaker = GraphemeBreaker(asciiFastPath: true)
            var whole: [[UInt8]] = []
            breaker.forEachCluster(utf8: utf8) { whole.append(Array($0)) }
            for limit in 17...text.count {
                var pieces: [[UInt8]] = []
                for chunk in GraphemeBreaker.chunks(utf8, limit: limit) {
                    breaker.forEachCluster(utf8: chunk) { pieces.append(Array($0)) }
                }
                XCTAssertEqual(pieces, whole, "limit \(limit)")
            }
        }
    }
}
