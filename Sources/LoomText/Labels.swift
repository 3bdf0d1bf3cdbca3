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

    /// A label as written, trimmed and lower-cased (what readers store before `normalize`).
    public static func cleaned(_ raw: String) -> String { raw.trimmingWhitespace().lowercased() }

    /// The labels of a whole corpus, decided together: when every label is a binary one (pos/positive/1,
    /// neg/negative/0) they become `pos`/`neg`; otherwise each keeps its written form, so star ratings 1…10
    /// are ten classes rather than "pos" and nine unknown labels. Numbers mixed with words (with no binary
    /// word among them) are an error naming the first line that differs: "7" beside "great" is a typo or a
    /// wrong column, not a class.
    public static func normalize(_ items: inout [LabelledText], path: String) throws {
        let binaryForms: Set<String> = ["pos", "positive", "1", "neg", "negative", "0"]
        if items.allSatisfy({ binaryForms.contains($0.label) }) {
            for index in items.indices { items[index].label = canonical(items[index].label) }
            return
        }
        if items.contains(where: { isBinary(canonical($0.label)) && !isNumber($0.label) }) {
            // Binary words beside other labels: canonical forms, and the label rule names the first other one.
            for index in items.indices { items[index].label = canonical(items[index].label) }
            return
        }
        guard let first = items.first else { return }
        let firstIsNumber = isNumber(first.label)
        if let other = items.first(where: { isNumber($0.label) != firstIsNumber }) {
            throw TextError.mixedLabels(path: other.line == nil ? other.source : path, line: other.line ?? 1, label: other.label,
                                        first: first.label)
        }
    }

    /// Whether a label is a finite number ("7", "3.5"; not "nan").
    static func isNumber(_ label: String) -> Bool { Double(label).map { $0.isFinite } ?? false }

    /// Class order: numerically when every label is a number (1, 2, 10), else by text with digit runs compared
    /// as numbers (r1, r2, r10).
    public static func ordered(_ labels: Set<String>) -> [String] {
        if labels.allSatisfy(isNumber) {
            return labels.sorted { (Double($0)!, $0) < (Double($1)!, $1) }
        }
        return labels.sorted { naturalPrecedes($0, $1) }
    }

    /// `a` before `b` with runs of ASCII digits compared by value, the rest by Unicode scalars.
    static func naturalPrecedes(_ a: String, _ b: String) -> Bool {
        func chunks(_ text: String) -> [(digits: Bool, text: String)] {
            var out: [(Bool, String)] = []
            for scalar in text.unicodeScalars {
                let digit = scalar.value >= 48 && scalar.value <= 57
                if let last = out.last, last.0 == digit { out[out.count - 1].1.unicodeScalars.append(scalar) } else { out.append((digit, String(scalar))) }
            }
            return out
        }
        let x = chunks(a), y = chunks(b)
        for (p, q) in zip(x, y) where p.text != q.text {
            if p.digits && q.digits {
                let (u, v) = (p.text.drop { $0 == "0" }, q.text.drop { $0 == "0" })
                if u.count != v.count { return u.count < v.count }
                if u != v { return u < v }
                return p.text.count < q.text.count
            }
            return p.text.unicodeScalars.lexicographicallyPrecedes(q.text.unicodeScalars)
        }
        return x.count < y.count
    }
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
