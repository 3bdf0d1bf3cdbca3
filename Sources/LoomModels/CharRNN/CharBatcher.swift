import LoomTensor

/// How one epoch cuts the training text into batches for truncated back-propagation through time,
/// as char-rnn does: the text (after a random offset) is split into `batchSize` contiguous lanes; batch
/// `w` holds window `w` of every lane (`sequenceLength` characters, targets shifted by one), so the
/// hidden state at the end of one window is the right start for the next window of the same lane.
/// Each epoch draws a new offset (moving the window boundaries) and a new order of the lanes.
public struct CharEpochLayout: Codable, Equatable, Sendable {
    /// Characters skipped at the start of the training text this epoch, in `0..<sequenceLength`.
    public var offset: Int
    /// `lanes[j]` is the lane that batch column `j` reads.
    public var lanes: [Int]
    public var laneLength: Int
    public var sequenceLength: Int

    /// The smallest training text that gives every lane one full window (plus its shifted target).
    public static func minimumCharacters(batchSize: Int, sequenceLength: Int) -> Int {
        batchSize * (sequenceLength + 1)
    }

    /// Draws this epoch's offset and lane order from `rng`. `trainCount` must be at least `minimumCharacters`.
    public init(trainCount: Int, batchSize: Int, sequenceLength: Int, rng: inout SeededGenerator) {
        let minimum = Self.minimumCharacters(batchSize: batchSize, sequenceLength: sequenceLength)
        precondition(trainCount >= minimum, "training text shorter than one window per lane")
        let maxOffset = min(sequenceLength - 1, trainCount - minimum)
        offset = maxOffset > 0 ? Int(rng.next() % UInt64(maxOffset + 1)) : 0
        var order = Array(0..<batchSize)
        // Fisher–Yates with the seeded generator (the standard library's shuffle may change between releases).
        if batchSize > 1 {
            for i in stride(from: batchSize - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        lanes = order
        laneLength = (trainCount - offset) / batchSize
        self.sequenceLength = sequenceLength
    }

    public var batchSize: Int { lanes.count }

    /// Number of full windows in each lane (every input needs the next character as its target).
    public var windowsPerEpoch: Int { (laneLength - 1) / sequenceLength }

    /// Inputs and targets of window `index`, time-major `[sequenceLength, batchSize]`.
    public func window(_ index: Int, of text: ArraySlice<Int32>) -> (inputs: [Int32], targets: [Int32]) {
        precondition(index >= 0 && index < windowsPerEpoch, "window \(index) outside 0..<\(windowsPerEpoch)")
        let steps = sequenceLength, batch = lanes.count
        var inputs = [Int32](repeating: 0, count: steps * batch)
        var targets = inputs
        let base = text.startIndex + offset + index * steps
        for (column, lane) in lanes.enumerated() {
            let start = base + lane * laneLength
            for t in 0..<steps {
                inputs[t * batch + column] = text[start + t]
                targets[t * batch + column] = text[start + t + 1]
            }
        }
        return (inputs, targets)
    }
}
