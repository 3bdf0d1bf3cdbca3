import LoomTensor

/// Short training examples cut from long ones: for each training review, `perReview` windows of 5–40
/// consecutive token ids, each with the review's label (or rating).
///
///     var train = encoded.subset(split.train)
///     SnippetAugmentation(perReview: 1, seed: 42).append(to: &train)   // train.count doubles (long reviews)
///
/// Why: a model trained on whole reviews (IMDB's average 270 tokens) meets one-sentence texts out of its
/// training distribution — its GRU never read so few steps, its bag never summed so few features — and
/// leans on its prior. Windows of a review usually carry its sentiment, so they teach the model to read short
/// texts, at the price of some label noise (a positive review's grumbling sentence). Validation reviews stay
/// whole, so early stopping still scores the task. Windows are drawn from a generator of their own, seeded
/// from the run's seed, so the main generator's draws (split, initialisation, batches) do not move and a
/// resumed run rebuilds the same examples.
public struct SnippetAugmentation: Sendable {
    /// Window lengths in tokens, drawn uniformly.
    public static let lengths = 5...40
    /// The most windows per review `--snippets` takes.
    public static let maximumPerReview = 16

    public var perReview: Int
    public var seed: UInt64

    public init(perReview: Int, seed: UInt64) {
        self.perReview = perReview
        self.seed = seed
    }

    /// Appends the windows of every example in `examples` (as it was before the call) to it; returns how many.
    /// A review no longer than a drawn length gives no window for that draw: it is already that short.
    @discardableResult
    public func append(to examples: inout EncodedExamples) -> Int {
        var rng = SeededGenerator(seed: seed ^ 0x5A1C_E0F5_A1C0_0001)
        let originals = examples.count
        var added = 0
        for index in 0..<originals {
            let ids = examples.sequences[index]
            for _ in 0..<perReview {
                let length = Int.random(in: Self.lengths, using: &rng)
                guard ids.count > length else { continue }
                let start = Int.random(in: 0...(ids.count - length), using: &rng)
                examples.sequences.append(Array(ids[start..<(start + length)]))
                examples.labels.append(examples.labels[index])
                if examples.ratings != nil { examples.ratings!.append(examples.ratings![index]) }
                added += 1
            }
        }
        return added
    }
}
