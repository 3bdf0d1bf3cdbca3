import LoomTensor
import LoomText

/// A batch of id sequences padded to one length and laid out time-major, as the recurrent layers want:
/// element `[t, b]` is at `t * batchSize + b`. Padding and truncation are Keras' defaults through
/// `padSequences` (`pre`: zeros first, the last ids kept), and the mask marks real tokens with 1 so
/// padded steps carry state through unchanged.
public struct PaddedBatch {
    public let steps: Int
    public let batchSize: Int
    /// [steps × batchSize] ids, time-major.
    public let timeMajorIDs: [Int32]
    /// [steps, batchSize]: 1 for a real token, 0 for padding.
    public let mask: Tensor
    /// Number of real tokens in the batch.
    public let tokenCount: Int
    /// Each sequence's ids as given (before truncation to `maxLength`), in batch order: what the n-gram
    /// bag reads, through its own window.
    public let sequences: [[Int32]]

    /// Pads `sequences` to the longest one (at least 1 step, at most `maxLength`); longer ones keep their
    /// last `maxLength` ids in `timeMajorIDs`.
    public init(sequences: [[Int32]], maxLength: Int) {
        let longest = min(max(sequences.map(\.count).max() ?? 1, 1), maxLength)
        let padded = padSequences(sequences, maxLength: longest, padding: .pre, truncating: .pre,
                                  value: Vocabulary.padID)
        let B = sequences.count
        var ids = [Int32](repeating: 0, count: longest * B)
        var mask = [Float](repeating: 0, count: longest * B)
        for b in 0..<B {
            for t in 0..<longest {
                ids[t * B + b] = padded.ids[b * longest + t]
                mask[t * B + b] = t >= longest - padded.lengths[b] ? 1 : 0
            }
        }
        steps = longest
        batchSize = B
        timeMajorIDs = ids
        self.mask = Tensor(shape: [longest, B], data: mask)
        tokenCount = padded.lengths.reduce(0, +)
        self.sequences = sequences
    }
}
