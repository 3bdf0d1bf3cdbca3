@testable import LoomText
import XCTest

final class TokenizerTests: XCTestCase {
    func testMixedStringExactTokens() throws {
        let tokenizer = try Tokenizer()
        let text = "I didn't like it.<br /><br />Le café était TRÈS bon! 10/10 👍🏽 我喜欢这部电影。"
        XCTAssertEqual(tokenizer.tokenize(text), [
            "i", "didn't", "like", "it", "le", "café", "était", "très", "bon", "10", "10", "👍🏽",
            "我", "喜欢", "这", "部", "电影",
        ])
    }

    func testEmojiSequencesStayWhole() throws {
        let tokenizer = try Tokenizer()
        XCTAssertEqual(tokenizer.tokenize("great 👩‍💻 🇫🇷 👨‍👩‍👧 ❤️!"), ["great", "👩‍💻", "🇫🇷", "👨‍👩‍👧", "❤"])
    }

    func testCaseFoldingIsNFKC() throws {
        let folded = try Tokenizer()
        XCTAssertEqual(folded.tokenize("Straße ＦＵＬＬ ǅ Ω"), ["strasse", "full", "dž", "ω"])
        let kept = try Tokenizer(options: TokenizerOptions(caseFold: false))
        XCTAssertEqual(kept.tokenize("Straße ＦＵＬＬ Hello"), ["Straße", "FULL", "Hello"])
    }

    func testDecomposedAccentsAreComposed() throws {
        let tokenizer = try Tokenizer()
        let decomposed = "cafe\u{301}"
        XCTAssertEqual(tokenizer.tokenize(decomposed).map { Array($0.unicodeScalars) }, [Array("café".unicodeScalars)])
    }

    func testTypographicApostrophe() throws {
        XCTAssertEqual(try Tokenizer().tokenize("didn’t don't"), ["didn't", "don't"])
    }

    func testKeepPunctuation() throws {
        let tokenizer = try Tokenizer(options: TokenizerOptions(keepPunctuation: true))
        XCTAssertEqual(tokenizer.tokenize("Wow, 10/10... $5!"), ["wow", ",", "10", "/", "10", ".", ".", ".", "$", "5", "!"])
        XCTAssertEqual(try Tokenizer().tokenize("Wow, 10/10... $5!"), ["wow", "10", "10", "5"])
    }

    func testMarkup() throws {
        let strip = try Tokenizer()
        XCTAssertEqual(strip.tokenize("one<br />two<i>three</i> a < b <3"), ["one", "two", "three", "a", "b", "<3"])
        let keep = try Tokenizer(options: TokenizerOptions(keepPunctuation: true, stripMarkup: false))
        XCTAssertEqual(keep.tokenize("a<br />b"), ["a", "<", "br", "/", ">", "b"])
    }

    func testNumbersAndAbbreviations() throws {
        XCTAssertEqual(try Tokenizer().tokenize("3.5 stars, 1,000 times, U.S.A. e-mail"),
                       ["3.5", "stars", "1,000", "times", "u.s.a", "e", "mail"])
    }

    func testJapaneseAndThai() throws {
        XCTAssertEqual(try Tokenizer().tokenize("日本語のテキストです。ภาษาไทยง่าย"),
                       ["日本語", "の", "テキスト", "です", "ภาษา", "ไทย", "ง่าย"])
    }

    func testEmptyAndWhitespace() throws {
        let tokenizer = try Tokenizer()
        XCTAssertEqual(tokenizer.tokenize(""), [])
        XCTAssertEqual(tokenizer.tokenize(" \n\t  "), [])
        XCTAssertEqual(tokenizer.tokenize("<br /><br />"), [])
    }

    func testConcurrentUseGivesSameTokens() throws {
        let tokenizer = try Tokenizer()
        let texts = (0..<200).map { "Review \($0): I didn't like it, 😀 très bien 我喜欢这部电影" }
        let expected = texts.map { tokenizer.tokenize($0) }
        let serial = TokenCounter.count(texts, tokenizer: tokenizer, threads: 1)
        let parallel = TokenCounter.count(texts, tokenizer: tokenizer, threads: 4)
        XCTAssertEqual(serial, parallel)
        XCTAssertEqual(serial.total, expected.reduce(0) { $0 + $1.count })
        XCTAssertEqual(serial.counts["didn't"], 200)
    }

    func testCharacterTokenizer() {
        let text = "e\u{301}🇫🇷a"
        XCTAssertEqual(CharacterTokenizer().tokenize(text), ["e\u{301}", "🇫🇷", "a"])
        XCTAssertEqual(CharacterTokenizer(unit: .scalars).tokenize(text), ["e", "\u{301}", "🇫", "🇷", "a"])
        XCTAssertEqual(CharacterTokenizer().tokenize(""), [])
        XCTAssertEqual(CharacterTokenizer().tokenize("a\r\nb"), ["a", "\r\n", "b"])
    }
}

final class LongTextTests: XCTestCase {
    func testChunksCutAtSafePlaces() {
        let text = Array("ab cd\nef gh é ij".utf8)
        text.withUnsafeBufferPointer { buffer in
            let pieces = ICUWordTokenizer.chunks(buffer, limit: 4).map { String(decoding: $0, as: UTF8.self) }
            XCTAssertEqual(pieces.joined(), "ab cd\nef gh é ij")
            XCTAssertEqual(pieces, ["ab ", "cd\n", "ef ", "gh ", "é ", "ij"])  // "gh é" has no safe cut: fallback at a character boundary
        }
        let unbroken = Array("ééééé".utf8)
        unbroken.withUnsafeBufferPointer { buffer in
            let pieces = ICUWordTokenizer.chunks(buffer, limit: 3).map { String(decoding: $0, as: UTF8.self) }
            XCTAssertEqual(pieces, ["é", "é", "é", "é", "é"])
        }
    }

    func testLongTextTokenizesLikeItsParts() throws {
        let tokenizer = try Tokenizer()
        let sentence = "The film didn't work, but the café scenes did 😀. "
        let repeats = ICUWordTokenizer.chunkLimit / sentence.utf8.count + 3
        let text = String(repeating: sentence, count: repeats)
        XCTAssertGreaterThan(text.utf8.count, ICUWordTokenizer.chunkLimit)
        var counter = TokenCounter()
        counter.add(text: text, tokenizer: tokenizer)
        XCTAssertEqual(counter.total, repeats * tokenizer.tokenize(sentence).count)
        XCTAssertEqual(counter.counts["café"], repeats)
    }
}

final class TokenizerOptionsCodingTests: XCTestCase {
    func testRoundTripAndDefaults() throws {
        let options = TokenizerOptions(caseFold: false, keepPunctuation: true, stripMarkup: false, locale: "th")
        let data = try JSONEncoder().encode(options)
        XCTAssertEqual(try JSONDecoder().decode(TokenizerOptions.self, from: data), options)
        // Missing keys: the defaults, except the web-text rules, which records made before them did not use.
        XCTAssertEqual(try JSONDecoder().decode(TokenizerOptions.self, from: Data("{}".utf8)), TokenizerOptions(webText: false))
        XCTAssertTrue(try JSONDecoder().decode(TokenizerOptions.self, from: JSONEncoder().encode(TokenizerOptions())).webText)
    }
}

/// `Tokenizer.tokenSpans`: every token is traced back to the characters it came from.
final class TokenSpanTests: XCTestCase {
    func testSpansCoverTheCharactersEachTokenCameFrom() throws {
        for keepPunctuation in [false, true] {
            let tokenizer = try Tokenizer(options: TokenizerOptions(keepPunctuation: keepPunctuation))
            for text in ["Not BAD at all, I loved it!", "I didn’t like it.<br /><br />The END 10/10",
                         "ﬁne Straße İstanbul ＡＢＣ café", "👩‍💻 coding 👍🏽 🇫🇷 fun", "東京で映画を見ました。 great",
                         "a<b>bold</b> move", "e\u{301}te\u{301} déjà vu", "", "   ", "x",
                         "Loved it :) &amp; more &quot;FUN&quot; at https://x.org/a?b=1.", "don&#39;t &eacute;t&eacute; <3 &#x1F600;"] {
                let spans = tokenizer.tokenSpans(in: text)
                XCTAssertEqual(spans.map(\.token), tokenizer.tokenize(text), text)
                let scalars = Array(text.unicodeScalars)
                var previousEnd = 0
                for span in spans {
                    guard let range = span.range, let offsets = span.scalarOffsets else {
                        XCTFail("\(text): \(span.token) not traced")
                        continue
                    }
                    // The original characters tokenize to exactly this token.
                    XCTAssertEqual(tokenizer.tokenize(String(text[range])), [span.token], "\(text): \(span.token)")
                    var view = String.UnicodeScalarView()
                    view.append(contentsOf: scalars[offsets])
                    XCTAssertEqual(String(view), String(text[range]))
                    XCTAssertGreaterThanOrEqual(offsets.lowerBound, previousEnd)
                    previousEnd = offsets.upperBound
                }
            }
        }
    }
}
