/// Where `padSequences` adds padding: before (`pre`, Keras' default) or after the ids.
public enum Padding: String, Sendable, Codable { case pre, post }
/// Which end `padSequences` cuts from sequences longer than `maxLength`: the start
/// (`pre`, Keras' default, keeps the last ids) or the end (`post`).
public enum Truncating: String, Sendable, Codable { case pre, post }

/// A batch of sequences padded to one length: a row-major `count × maxLength` matrix.
public struct PaddedSequences: Equatable, Sendable {
    /// Row-major ids, `count × maxLength`.
    public let ids: [Int32]
    /// Number of rows (sequences).
    public let count: Int
    /// Length of every row.
    public let maxLength: Int
    /// The true length of each row after truncation (the number of non-padding positions).
    public let lengths: [Int]

    public init(ids: [Int32], count: Int, maxLength: Int, lengths: [Int]) {
        self.ids = ids
        self.count = count
        self.maxLength = maxLength
        self.lengths = lengths
    }

    /// Row `index` as an array.
    public func row(_ index: Int) -> ArraySlice<Int32> {
        ids[index * maxLength ..< (index + 1) * maxLength]
    }
}

/// Pads and truncates sequences to one length with Keras `pad_sequences` semantics.
///
/// - Parameters:
///   - maxLength: row length; `nil` = the longest sequence (0 for no sequences).
///     Negative values are treated as 0.
///   - padding: `.pre` puts `value` before the ids, `.post` after.
///   - truncating: `.pre` drops ids from the start of long sequences, `.post` from the end.
///   - value: the padding id (0 = `Vocabulary.padID`).
public func padSequences(_ sequences: [[Int32]], maxLength: Int? = nil, padding: Padding = .pre,
                         truncating: Truncating = .pre, value: Int32 = 0) -> PaddedSequences {
    let length = max(0, maxLength ?? sequences.map(\.count).max() ?? 0)
    var ids = [Int32](repeating: value, count: sequences.count * length)
    var lengths: [Int] = []
    lengths.reserveCapacity(sequences.count)
    for (row, sequence) in sequences.enumerated() {
        let kept = min(sequence.count, length)
        let source = truncating == .pre ? sequence.suffix(kept) : sequence.prefix(kept)
        let start = row * length + (padding == .pre ? length - kept : 0)
        ids.replaceSubrange(start ..< start + kept, with: source)
        lengths.append(kept)
    }
    return PaddedSequences(ids: ids, count: sequences.count, maxLength: length, lengths: lengths)
}
