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
/// - Web text (`TokenizerOptions.webText`, on by default): HTML entities are decoded with the markup
///   (`don&#39;t` → "don't"), emoticons (`:)`, `:-(`, `<3`, `^_^`) and URLs (`https://…`, `www.…`) are
///   one token each, also without `keepPunctuation`. Both paths (ASCII and ICU) recognise them the same
///   way, and only where the plain segmentation has a boundary at both ends (`:Design` is no emoticon).
///
/// Which segments become tokens: words, numbers, kana and ideographs (ICU's rule
/// statuses) always; any other segment when it contains an emoji (Extended_Pictographic or
/// a regional indicator, also after a leading ZWJ: "\u{200D}⌚" is kept), or, with
/// `keepPunctuation`, when its base (first character that is not Extend, Format or ZWJ
/// in Word_Break terms) is not whitespace, a control, format or unassigned character, or
/// a mark. So whitespace is always dropped, and so are segments made only of combining
/// marks, format characters and joiners (possible at the start of a text or after a line
/// break), such as a lone U+0308 or U+00AD.
///
/// Segmentation is UAX #29 (Unicode 15.0 for ICU 72) with ICU's root tailoring: U+003A
/// COLON is not MidLetter, so "k:a" is "k", ":", "a" (UAX #29 keeps it whole for Swedish).
/// The tests run Unicode's `WordBreakTest.txt` with that one tailoring
/// (`UnicodeConformanceTests`).
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
