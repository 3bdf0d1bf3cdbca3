import CICU

/// Word-level tokenizer built on ICU's Unicode word-break rules (UAX #29 plus ICU's
/// dictionaries for Chinese, Japanese, Thai, Khmer, Lao and Burmese).
///
/// Pipeline per text, all in C (`CICU`): strip markup tags → NFKC case-fold (or NFKC)
/// → word-break → keep words, numbers, kana, ideographs and emoji; drop whitespace and,
/// unless `keepPunctuation`, punctuation and symbols. Stretches of plain ASCII text skip
/// ICU and go through an exact re-implementation of ICU's rules for ASCII, several times
/// faster (the tests check it against ICU).
///
/// - Contractions stay whole as ICU segments them: "didn't" is one token. The typographic
///   apostrophe (U+2019) is read as "'", so "didn’t" gives the same token.
/// - "10/10" becomes "10", "10" ("/" too with `keepPunctuation`).
/// - Emoji are kept; ZWJ sequences (👩‍💻), flags (🇫🇷) and skin tones (👍🏽) stay one token.
///
/// `Tokenizer` is a value type and `Sendable`: one instance may be used from many threads
/// at once (each call borrows its own ICU break iterator from a shared pool).
public struct Tokenizer: Sendable {
    /// The options this tokenizer was made with.
    public let options: TokenizerOptions
    let pool: WordTokenizerPool

    /// Opens ICU's word-break iterator; throws `TextError.icu` if ICU's data is missing.
    public init(options: TokenizerOptions = .init()) throws {
        self.options = options
        self.pool = try WordTokenizerPool(options: options)
    }

    /// The tokens of `text`, in order.
    public func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        forEachToken(in: text) { tokens.append(String(decoding: $0, as: UTF8.self)) }
        return tokens
    }

    /// Calls `body` with the UTF-8 bytes of every token of `text`, without creating
    /// strings; the buffer is valid only during the call. (`TokenCounter.count` and
    /// `Vocabulary.encode(text:tokenizer:)` go faster still: they stay in C.)
    public func forEachToken(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var text = text
        text.withUTF8 { utf8 in
            pool.withTokenizer { $0.forEachToken(utf8: utf8, body) }
        }
    }
}

extension Tokenizer {
    /// Tokenizes `text` and counts its tokens in `table` (C fast path); returns the token count.
    func count(_ text: String, into table: TokenTable) -> Int {
        var text = text
        return text.withUTF8 { utf8 in pool.withTokenizer { $0.count(utf8: utf8, into: table) } }
    }

    /// Tokenizes `text` and returns the tokens' ids in `table` (C fast path).
    func lookup(_ text: String, in table: TokenTable, unknown: Int32) -> [Int32] {
        var text = text
        return text.withUTF8 { utf8 in pool.withTokenizer { $0.lookup(utf8: utf8, in: table, unknown: unknown) } }
    }

    /// The version of the ICU library in use, e.g. "72.1".
    public static var icuVersion: String { String(cString: loom_icu_version()) }
}
