/// The label rule shared by every corpus reader.
///
/// A label is trimmed and lower-cased; then "pos", "positive" and "1" become "pos",
/// "neg", "negative" and "0" become "neg"; any other label is kept (trimmed and
/// lower-cased) as a class of its own, for multi-class corpora.
public enum Labels {
    public static let positive = "pos"
    public static let negative = "neg"

    /// The canonical form of a raw label.
    public static func canonical(_ raw: String) -> String {
        let label = raw.trimmingWhitespace().lowercased()
        switch label {
        case "pos", "positive", "1": return positive
        case "neg", "negative", "0": return negative
        default: return label
        }
    }

    /// Whether a canonical label is one of the binary sentiment labels.
    public static func isBinary(_ label: String) -> Bool { label == positive || label == negative }
}

/// Which labels a corpus may hold.
public enum LabelRule: String, Sendable {
    /// Binary labels only, unless no label at all is binary (then any labels, multi-class).
    /// A corpus mixing binary labels with others reports the first other one as unknown.
    case automatic
    /// Only the binary labels (pos/neg, positive/negative, 1/0).
    case binary
    /// Any non-empty label.
    case any

    /// Checks `labels` (canonical, with their sources) against the rule.
    func check(_ items: [LabelledText], path: String) throws {
        let strict: Bool
        switch self {
        case .any: return
        case .binary: strict = true
        case .automatic: strict = items.contains { Labels.isBinary($0.label) }
        }
        guard strict, let bad = items.first(where: { !Labels.isBinary($0.label) }) else { return }
        throw TextError.unknownLabel(path: bad.line == nil ? bad.source : path, line: bad.line ?? 1, label: bad.label)
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
