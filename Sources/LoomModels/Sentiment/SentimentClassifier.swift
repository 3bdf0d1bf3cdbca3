import Foundation
import LoomNN
import LoomTensor
import LoomText

/// One input's verdict.
public struct SentimentPrediction: Codable, Equatable, Sendable {
    /// The most probable class (a regression model: the rating rounded to one decimal).
    public var label: String
    /// Its probability (a regression model: 0).
    public var probability: Float
    /// Probability of every class, in the model's class order (a regression model: none).
    public var probabilities: [Float]
    /// A regression model's predicted rating; nil for a classifier.
    public var rating: Float?

    public init(label: String, probability: Float, probabilities: [Float], rating: Float? = nil) {
        self.label = label
        self.probability = probability
        self.probabilities = probabilities
        self.rating = rating
    }
}

/// A loaded sentiment model ready to classify raw text: tokenizer, vocabulary and network together.
///
/// One call at a time: the classifier reuses its buffers and (for a single review) a helper thread between
/// calls, so threads that classify concurrently each need their own classifier.
public final class SentimentClassifier {
    public let model: SentimentModel
    public let vocabulary: Vocabulary
    public let tokenizer: Tokenizer
    private var inference: RecurrentInference
    /// Once this many tokens have been classified (in one call or over many), the first layer's input
    /// projections are precomputed per vocabulary entry (milliseconds once, and vocabulary × 4·hidden floats
    /// per direction), after which each token costs a row copy: a one-off call stays cheap, a file or a
    /// long-running process gets the fast path.
    public var projectionTableThreshold = 50_000
    private var tokensClassified = 0

    public var configuration: SentimentConfiguration { model.configuration }

    public init(model: SentimentModel, vocabulary: Vocabulary) throws {
        self.model = model
        self.vocabulary = vocabulary
        tokenizer = try Tokenizer(options: model.configuration.tokenizerOptions)
        inference = model.makeInference(precomputeInputProjections: false)
    }

    /// Whether the per-token input projection tables are built (see `projectionTableThreshold`).
    public var hasProjectionTables: Bool { inference.hasInputProjections }

    /// Precomputes the per-token input projections now (see `RecurrentInference`), so that later calls,
    /// even for a single review, skip the first layer's input product.
    public func prepareForThroughput() {
        if !inference.hasInputProjections { inference = model.makeInference(precomputeInputProjections: true) }
    }

    private init(sibling other: SentimentClassifier) throws {
        model = other.model
        vocabulary = other.vocabulary
        tokenizer = try Tokenizer(options: other.model.configuration.tokenizerOptions)
        inference = other.inference.makeSibling()
        projectionTableThreshold = other.projectionTableThreshold
    }

    /// A classifier for another thread: the same model, vocabulary and (if built) projection tables, read
    /// only and not copied, with its own tokenizer and scratch. Call `prepareForThroughput()` first for the
    /// siblings to share the tables rather than each building its own.
    public func makeSibling() throws -> SentimentClassifier {
        try SentimentClassifier(sibling: self)
    }

    /// Loads a model folder written by `loom sentiment train`.
    /// - Parameter parallelism: how the recurrent layers use threads (default: split across the cores);
    ///   a server whose workers are the parallelism passes one slice.
    public convenience init(directory: URL, parallelism: RecurrentParallelism? = nil) throws {
        let (model, vocabulary) = try SentimentModelFiles.load(from: ModelDirectory(directory))
        if let parallelism { model.recurrent.parallelism = parallelism }
        try self.init(model: model, vocabulary: vocabulary)
    }

    /// Token ids for `text` as the model sees them: the last `encodedLength` tokens (the n-gram bag's window
    /// when it is longer than the recurrent branch's `maxLength`).
    public func encode(_ text: String) -> [Int32] {
        SentimentData.encode([text], tokenizer: tokenizer, vocabulary: vocabulary, maxLength: configuration.encodedLength)[0]
    }

    /// Classifies texts, batching by length internally; results keep the input order.
    public func classify(_ texts: [String], batchSize: Int = 256) -> [SentimentPrediction] {
        let sequences = SentimentData.encode(texts, tokenizer: tokenizer, vocabulary: vocabulary,
                                             maxLength: configuration.encodedLength)
        return classify(encoded: sequences, batchSize: batchSize)
    }

    /// Classifies already-encoded sequences (a regression model: rates them, see `SentimentPrediction`).
    public func classify(encoded sequences: [[Int32]], batchSize: Int = 256) -> [SentimentPrediction] {
        if configuration.isRegression {
            return ratings(encoded: sequences, batchSize: batchSize).map { rating in
                SentimentPrediction(label: String(format: "%.1f", Double(rating)), probability: 0, probabilities: [], rating: rating)
            }
        }
        let probabilities = self.probabilities(encoded: sequences, batchSize: batchSize)
        return probabilities.map { row in
            var best = 0
            for c in row.indices where row[c] > row[best] { best = c }
            return SentimentPrediction(label: configuration.classes[best], probability: row[best], probabilities: row)
        }
    }

    /// Class probabilities of encoded sequences, [count][classes] (a regression model: empty rows).
    public func probabilities(encoded sequences: [[Int32]], batchSize: Int = 256) -> [[Float]] {
        if configuration.isRegression { return Array(repeating: [], count: sequences.count) }
        return outputs(encoded: sequences, batchSize: batchSize) { self.model.probabilities(logits: $0) }
    }

    /// A regression model's ratings for encoded sequences (a classifier: empty).
    public func ratings(encoded sequences: [[Int32]], batchSize: Int = 256) -> [Float] {
        guard configuration.isRegression else { return [] }
        return outputs(encoded: sequences, batchSize: batchSize) { self.model.ratings(logits: $0) ?? [] }
    }

    /// A regression model's ratings for texts (a classifier: empty).
    public func ratings(_ texts: [String], batchSize: Int = 256) -> [Float] {
        ratings(encoded: SentimentData.encode(texts, tokenizer: tokenizer, vocabulary: vocabulary,
                                              maxLength: configuration.encodedLength), batchSize: batchSize)
    }

    /// Each branch's logits per sequence: the recurrent branch's and the n-gram bag's (nil without one), whose
    /// mean is the model's. To see which branch carries a prediction (`loom-bench branches`).
    public func branchLogits(encoded sequences: [[Int32]], batchSize: Int = 256) -> [(recurrent: [Float], bag: [Float]?)] {
        let outputs = configuration.outputSize
        return self.outputs(encoded: sequences, batchSize: batchSize, infer: { self.model.inferBranches($0, using: self.inference) }) { branches in
            (0..<branches.recurrent.shape[0]).map { b in
                (Array(branches.recurrent.data[b * outputs ..< (b + 1) * outputs]),
                 branches.bag.map { Array($0.data[b * outputs ..< (b + 1) * outputs]) })
            }
        }
    }

    /// `readout` of the model's outputs for every sequence, batched by length; results keep the input order.
    private func outputs<Row>(encoded sequences: [[Int32]], batchSize: Int, readout: (Tensor) -> [Row]) -> [Row] {
        outputs(encoded: sequences, batchSize: batchSize, infer: { self.model.inferLogits($0, using: self.inference) }, readout: readout)
    }

    /// `readout` of `infer`'s result for every batch of sequences, batched by length; results keep the input order.
    private func outputs<Inferred, Row>(encoded sequences: [[Int32]], batchSize: Int, infer: (PaddedBatch) -> Inferred,
                                        readout: (Inferred) -> [Row]) -> [Row] {
        let batchSize = max(batchSize, 1)
        var results = [Row?](repeating: nil, count: sequences.count)
        tokensClassified += sequences.reduce(0, { $0 + $1.count })
        if tokensClassified >= projectionTableThreshold { prepareForThroughput() }
        // Longest first, so scratch buffers reach their final size at once.
        for indices in SentimentData.lengthOrderedBatches(lengths: sequences.map(\.count), batchSize: batchSize).reversed() {
            let batch = PaddedBatch(sequences: indices.map { sequences[$0] }, maxLength: configuration.maxLength)
            for (row, value) in zip(indices, readout(infer(batch))) { results[row] = value }
        }
        return results.map { $0! }
    }

    /// The attention weights of one encoded sequence, one per id, summing to 1; nil when the model does not
    /// pool with attention. Ids before the recurrent branch's last `maxLength` (read by the bag alone) get 0.
    public func attentionWeights(encoded ids: [Int32]) -> [Float]? {
        guard !ids.isEmpty else { return [] }
        let batch = PaddedBatch(sequences: [ids], maxLength: configuration.maxLength)
        guard let weights = model.infer(batch, using: inference).attention?.data else { return nil }
        return [Float](repeating: 0, count: ids.count - weights.count) + weights
    }

    /// Quality of a regression model on examples labelled with numbers (ratings); a label that is not a
    /// number is an error naming its file and line.
    public func evaluateRatings(_ examples: [LabelledText], batchSize: Int = 256) throws -> RatingMetrics {
        guard configuration.isRegression else {
            throw ModelError.invalidOption("this model predicts classes (\(configuration.classes.joined(separator: ", "))), not ratings")
        }
        let truth = try SentimentData.ratings(of: examples, source: examples.first?.source ?? "data")
        return RatingMetrics(truth: truth, predicted: ratings(examples.map(\.text), batchSize: batchSize))
    }

    /// Quality of the model on labelled examples.
    public func evaluate(_ examples: [LabelledText], batchSize: Int = 256) throws -> ClassificationMetrics {
        guard !configuration.isRegression else { throw ModelError.predictsRatings(what: "class accuracy") }
        let truth = try SentimentData.labelIndices(examples, classes: configuration.classes)
        let sequences = SentimentData.encode(examples.map(\.text), tokenizer: tokenizer, vocabulary: vocabulary,
                                             maxLength: configuration.encodedLength)
        let probabilities = self.probabilities(encoded: sequences, batchSize: batchSize)
        let predicted = probabilities.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
        return ClassificationMetrics(classes: configuration.classes, truth: truth.map { Int($0) }, predicted: predicted,
                                     positiveScores: configuration.classes.count == 2 ? probabilities.map { $0[1] } : nil)
    }
}
