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
    /// Web review text: with `stripMarkup`, HTML character references are decoded (`&amp;` → "&",
    /// `&#39;` → "'", `&eacute;` → "é"; HTML5's numeric rules, a table of the common names); emoticons
    /// (`:)`, `:-(`, `;D`, `<3`, `^_^`) and URLs (`http://…`, `https://…`, `www.…`, without trailing
    /// punctuation) are single tokens, kept also without `keepPunctuation` since they carry sentiment.
    /// Like every token they are case-folded (`:D` → ":d"). Off gives the tokenization of models made
    /// before it existed.
    public var webText: Bool
    /// ICU locale for word breaking; "" is ICU's root locale (dictionaries for Chinese,
    /// Japanese, Thai, Khmer, Lao and Burmese are used in every locale).
    public var locale: String
    /// Segment all-ASCII texts with Loom's own implementation of ICU's rules (identical
    /// results, checked against ICU in the tests). Off only to test that equivalence.
    var asciiFastPath = true

    public init(caseFold: Bool = true, keepPunctuation: Bool = false, stripMarkup: Bool = true, webText: Bool = true,
                locale: String = "") {
        self.caseFold = caseFold
        self.keepPunctuation = keepPunctuation
        self.stripMarkup = stripMarkup
        self.webText = webText
        self.locale = locale
    }
}

/// Codable so that a model's config.json can record how its vocabulary was tokenized.
/// Missing keys take their defaults, except `webText`: absent means false, the tokenization of
/// everything recorded before it existed.
extension TokenizerOptions: Codable {
    private enum CodingKeys: String, CodingKey { case caseFold, keepPunctuation, stripMarkup, webText, locale }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(caseFold: try container.decodeIfPresent(Bool.self, forKey: .caseFold) ?? true,
                  keepPunctuation: try container.decodeIfPresent(Bool.self, forKey: .keepPunctuation) ?? false,
                  stripMarkup: try container.decodeIfPresent(Bool.self, forKey: .stripMarkup) ?? true,
                  webText: try container.decodeIfPresent(Bool.self, forKey: .webText) ?? false,
                  locale: try container.decodeIfPresent(String.self, forKey: .locale) ?? "")
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(caseFold, forKey: .caseFold)
        try container.encode(keepPunctuation, forKey: .keepPunctuation)
        try container.encode(stripMarkup, forKey: .stripMarkup)
        try container.encode(webText, forKey: .webText)
        try container.encode(locale, forKey: .locale)
    }
}
