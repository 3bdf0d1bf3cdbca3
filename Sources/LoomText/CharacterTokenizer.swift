/// What counts as one character for character-level models.
public enum CharacterUnit: String, Sendable, CaseIterable, Codable {
    /// User-perceived characters (extended grapheme clusters): "é" written as e + U+0301,
    /// a flag 🇫🇷 or a family 👨‍👩‍👧 is one character.
    case graphemes
    /// Unicode scalars (code points): e + U+0301 is two characters, 🇫🇷 is two.
    case scalars
}

/// Splits text into characters (graphemes or scalars) without normalizing it, so
/// that joining the pieces gives back exactly the input.
public struct CharacterTokenizer: Sendable {
    public var unit: CharacterUnit

    public init(unit: CharacterUnit = .graphemes) {
        self.unit = unit
    }

    /// The characters of `text`, in order, each as a `String`.
    public func tokenize(_ text: String) -> [String] {
        switch unit {
        case .graphemes: return text.map { String($0) }
        case .scalars: return text.unicodeScalars.map { String($0) }
        }
    }
}
