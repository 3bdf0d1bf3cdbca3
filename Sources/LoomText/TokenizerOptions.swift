/// How `Tokenizer` turns text into word tokens.
public struct TokenizerOptions: Equatable, Hashable, Sendable {
    /// Apply Unicode NFKC case folding ("Café" → "café", "ＦＵＬＬ" → "full", "Straße" → "strasse").
    /// When false, text is only NFKC-normalized, so case is kept.
    public var caseFold: Bool
    /// Keep punctuation and symbols ("!", ",", "/") as tokens. Whitespace is always dropped.
    public var keepPunctuation: Bool
    /// Replace markup tags such as IMDB's `<br />` with a space before segmenting.
    /// A tag is `<` followed by a letter, `/`, `!` or `?`, up to the next `>`; "a < b" is left alone.
    public var stripMarkup: Bool
    /// ICU locale for word breaking; "" is ICU's root locale (dictionaries for Chinese,
    /// Japanese, Thai, Khmer, Lao and Burmese are used in every locale).
    public var locale: String
    /// Segment all-ASCII texts with Loom's own implementation of ICU's rules (identical
    /// results, checked against ICU in the tests). Off only to test that equivalence.
    var asciiFastPath = true

    public init(caseFold: Bool = true, keepPunctuation: Bool = false, stripMarkup: Bool = true, locale: String = "") {
        self.caseFold = caseFold
        self.keepPunctuation = keepPunctuation
        self.stripMarkup = stripMarkup
        self.locale = locale
    }
}
