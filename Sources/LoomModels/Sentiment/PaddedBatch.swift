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
    /// Each sequence's ids as the batch keeps them (the last `maxLength`), unpadded, in batch order.
    public let kept: [[Int32]]

    /// Pads `sequences` to the longest one (at least 1 step, at most `maxLength`).
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
        kept = sequences.map { $0.count > longest ? Array($0.suffix(longest)) : $0 }
    }
}
