import LoomTensor

/// A batch of id sequences padded to one length and laid out time-major, as the recurrent layers want:
/// element `[t, b]` is at `t * batchSize + b`. Padding follows Keras' default (`pre`: zeros first), and
/// the mask marks real tokens with 1 so padded steps carry state through unchanged.
public struct PaddedBatch {
    public let steps: Int
    public let batchSize: Int
    /// [steps × batchSize] ids, time-major.
    public let timeMajorIDs: [Int32]
    /// [steps, batchSize]: 1 for a real token, 0 for padding.
    public let mask: Tensor
    /// Number of real tokens in the batch.
    public let tokenCount: Int

    /// Pads `sequences` (each already truncated to at most `maxLength`) at the front to the longest one.
    public init(sequences: [[Int32]], maxLength: Int) {
        let longest = min(max(sequences.map(\.count).max() ?? 1, 1), maxLength)
        steps = longest
        batchSize = sequences.count
        var ids = [Int32](repeating: 0, count: longest * sequences.count)
        var mask = [Float](repeating: 0, count: longest * sequences.count)
        var tokens = 0
        for (b, sequence) in sequences.enumerated() {
            let kept = sequence.suffix(longest)
            let offset = longest - kept.count
            for (i, id) in kept.enumerated() {
                ids[(offset + i) * sequences.count + b] = id
                mask[(offset + i) * sequences.count + b] = 1
            }
            tokens += kept.count
        }
        timeMajorIDs = ids
        self.mask = Tensor(shape: [longest, sequences.count], data: mask)
        tokenCount = tokens
    }
}
