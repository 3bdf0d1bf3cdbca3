import LoomNN
import LoomTensor
import LoomText

/// How `SentimentExplainer` scores each token's part in a prediction.
public enum AttributionMethod: String, CaseIterable, Codable, Sendable {
    /// Integrated gradients on the embedded tokens (Sundararajan, Taly & Yan 2017, "Axiomatic Attribution
    /// for Deep Networks"): in the class's logit units, summing to logit(review) − logit(baseline).
    case integratedGradients = "ig"
    /// Leave one token out (its id replaced by padding): the drop in the class probability.
    case occlusion
    /// The attention weights of a model trained with attention pooling (they sum to 1).
    case attention
}

/// Settings of an explanation.
public struct ExplanationOptions: Sendable, Equatable {
    public var method: AttributionMethod = .integratedGradients
    /// The class to explain; nil for the predicted one.
    public var target: String?
    /// Integration steps (Gauss–Legendre nodes) for integrated gradients.
    public var steps = 32
    /// Whether integrated gradients may double `steps` (up to `maxSteps`) until the completeness gap is
    /// below `tolerance` × |logit difference|.
    public var adaptiveSteps = true
    public var maxSteps = 512
    public var tolerance: Float = 0.01

    /// The range `steps` must lie in.
    public static let stepsRange = 1...4096

    public init(method: AttributionMethod = .integratedGradients, target: String? = nil, steps: Int = 32,
                adaptiveSteps: Bool = true) {
        self.method = method
        self.target = target
        self.steps = steps
        self.adaptiveSteps = adaptiveSteps
    }
}

/// One token of an explained review.
public struct AttributedToken: Codable, Equatable, Sendable {
    /// The token as the model saw it (normalized).
    public var token: String
    /// Its vocabulary id (`Vocabulary.unknownID` for an unknown word).
    public var id: Int32
    /// Where it is in the original text, in Unicode scalars (Python `str` indices): `text[start..<end]`;
    /// nil when it could not be traced.
    public var start: Int?
    public var end: Int?
    /// Its attribution (see `AttributionMethod` for the unit): positive speaks for the target class.
    public var attribution: Float
}

/// Which tokens made a model give a review its class.
public struct Explanation: Codable, Equatable, Sendable {
    public var method: AttributionMethod
    /// The model's verdict on the review.
    public var prediction: SentimentPrediction
    /// The class explained, and its probability.
    public var target: String
    public var targetProbability: Float
    /// The tokens the model read, in order, with their attributions.
    public var tokens: [AttributedToken]
    /// How many tokens at the start of the text were cut because the model reads at most its last `encodedLength`.
    public var truncatedTokens: Int
    /// Integrated gradients only: the steps used, the target logit's difference between the review and the
    /// baseline, and |Σ attributions − that difference| (the completeness gap, 0 for exact integration).
    public var steps: Int?
    public var logitDifference: Float?
    public var completenessGap: Float?
}

/// Explains a `SentimentClassifier`'s predictions token by token: integrated gradients, occlusion or
/// attention weights.
///
/// One call at a time (it runs the model's training forward and backward passes, whose caches it shares).
public final class SentimentExplainer {
    public let classifier: SentimentClassifier
    /// Most integration points per forward/backward batch (bounds memory for long reviews and many steps).
    public var pointsPerBatch = 64

    public init(classifier: SentimentClassifier) {
        self.classifier = classifier
    }

    private var model: SentimentModel { classifier.model }

    /// Explains `text`'s prediction.
    /// - Throws: `ModelError.invalidOption` for an unknown target class, out-of-range steps or attention on a
    ///   model without it; `ModelError.invalidData` when the text has no tokens.
    public func explain(_ text: String, options: ExplanationOptions = .init()) throws -> Explanation {
        let configuration = classifier.configuration
        guard !configuration.isRegression else { throw ModelError.predictsRatings(what: "explaining a prediction") }
        guard ExplanationOptions.stepsRange.contains(options.steps) else {
            throw ModelError.invalidOption("--steps must be between \(ExplanationOptions.stepsRange.lowerBound) and \(ExplanationOptions.stepsRange.upperBound), got \(options.steps)")
        }
        if options.method == .attention && configuration.pooling != .attention {
            throw ModelError.invalidOption("this model pools with \(configuration.pooling.rawValue), not attention, so it has no attention weights; use --explain ig or occlusion, or train with --pooling attention")
        }
        let spans = classifier.tokenizer.tokenSpans(in: text)
        guard !spans.isEmpty else {
            throw ModelError.invalidData("nothing to explain: the text has no tokens the model reads")
        }
        let seen = Array(spans.suffix(configuration.encodedLength))
        let ids = classifier.vocabulary.encode(seen.map(\.token))
        let prediction = classifier.classify(encoded: [ids])[0]
        let targetIndex: Int
        if let target = options.target {
            guard let index = configuration.classes.firstIndex(of: target) else {
                throw ModelError.invalidOption("--target \(target): the model's classes are \(configuration.classes.joined(separator: ", "))")
            }
            targetIndex = index
        } else {
            targetIndex = configuration.classes.firstIndex(of: prediction.label) ?? 0
        }

        var attributions: [Float]
        var steps: Int?, difference: Float?, gap: Float?
        switch options.method {
        case .integratedGradients:
            var count = options.steps
            while true {
                let result = integratedGradients(ids: ids, targetIndex: targetIndex, steps: count)
                attributions = result.attributions
                difference = result.logitDifference
                gap = abs(attributions.reduce(0, +) - result.logitDifference)
                steps = count
                let allowed = max(options.tolerance * abs(result.logitDifference), 1e-4)
                if !options.adaptiveSteps || gap! <= allowed || count * 2 > options.maxSteps { break }
                count *= 2
            }
        case .occlusion:
            attributions = occlusion(ids: ids, targetIndex: targetIndex)
        case .attention:
            // The weights αₜ of the model's pooling (they sum to 1 over the review).
            attributions = classifier.attentionWeights(encoded: ids) ?? []
        }
        let tokens = zip(seen, zip(ids, attributions)).map { span, pair in
            AttributedToken(token: span.token, id: pair.0, start: span.scalarOffsets?.lowerBound,
                            end: span.scalarOffsets?.upperBound, attribution: pair.1)
        }
        return Explanation(method: options.method, prediction: prediction, target: configuration.classes[targetIndex],
                           targetProbability: prediction.probabilities[targetIndex], tokens: tokens,
                           truncatedTokens: spans.count - seen.count, steps: steps, logitDifference: difference,
                           completenessGap: gap)
    }

    // MARK: Integrated gradients

    /// Integrated gradients of the target's score F (the logit for a softmax model; for a one-logit model z
    /// for the positive class and −z for the negative one) along the straight path from the baseline x′ = 0
    /// (the padding row's embedding at every position, still read as real steps) to the review's embeddings x:
    ///
    ///     aₜ = Σₑ xₜₑ · Σₖ wₖ ∂F/∂xₜₑ (αₖ x),   αₖ, wₖ the Gauss–Legendre rule on [0, 1]
    ///
    /// so Σₜ aₜ ≈ F(x) − F(0). All points run as one batch (in chunks of `pointsPerBatch`), each row's
    /// logit gradient set to its weight, so one backward pass sums the weighted gradients; F(x) and F(0) ride
    /// along as two rows of weight 0.
    ///
    /// The recurrent branch reads the last `maxLength` ids; earlier ones (read by the n-gram bag alone,
    /// whose window may be longer) get only their bag share.
    func integratedGradients(ids: [Int32], targetIndex: Int, steps: Int) -> (attributions: [Float], logitDifference: Float) {
        let recurrentIDs = Array(ids.suffix(model.configuration.maxLength))
        let T = recurrentIDs.count, E = model.configuration.embeddingSize, outputs = model.configuration.outputSize
        let x = model.embed(recurrentIDs).data  // [T, E]
        let rule = GaussLegendre(count: steps)
        // Points: the rule's nodes, then α = 1 (the review) and α = 0 (the baseline).
        let alphas = rule.nodes.map(Float.init) + [1, 0]
        let weights = rule.weights.map(Float.init) + [0, 0]
        let sign: Float = outputs == 1 && targetIndex == 0 ? -1 : 1
        let column = outputs == 1 ? 0 : targetIndex
        var summedGradient = [Float](repeating: 0, count: T * E)
        var scores = [Float](repeating: 0, count: alphas.count)
        var rng = SeededGenerator(seed: 0)  // unused: no dropout outside training
        var first = 0
        while first < alphas.count {
            let rows = Array(first..<min(first + pointsPerBatch, alphas.count))
            let B = rows.count
            // Time-major [T, B, E]: row b at step t is α_b · x_t.
            var embedded = [Float](repeating: 0, count: T * B * E)
            for t in 0..<T {
                for (b, row) in rows.enumerated() {
                    let alpha = alphas[row], target = (t * B + b) * E, source = t * E
                    for e in 0..<E { embedded[target + e] = alpha * x[source + e] }
                }
            }
            let mask = Tensor(shape: [T, B], data: [Float](repeating: 1, count: T * B))
            let logits = model.forward(embedded: Tensor(shape: [T, B, E], data: embedded), mask: mask,
                                       training: false, rng: &rng)
            var gradLogits = [Float](repeating: 0, count: B * outputs)
            for (b, row) in rows.enumerated() {
                scores[row] = sign * logits.data[b * outputs + column]
                gradLogits[b * outputs + column] = sign * weights[row]
            }
            let gradEmbedded = model.backwardToEmbedded(Tensor(shape: [B, outputs], data: gradLogits),
                                                        parameterGradients: false).data
            for t in 0..<T {
                for b in 0..<B {
                    let source = (t * B + b) * E, target = t * E
                    for e in 0..<E { summedGradient[target + e] += gradEmbedded[source + e] }
                }
            }
            first += B
        }
        let attributions = [Float](repeating: 0, count: ids.count - T) + (0..<T).map { t in
            var sum: Float = 0
            for e in 0..<E { sum += x[t * E + e] * summedGradient[t * E + e] }
            return sum
        }
        let difference = scores[steps] - scores[steps + 1]
        // An n-gram model's logits mix the recurrent branch's (integrated above, weight 1 − w) and the bag's
        // (weight w), which is linear in its features: with the baseline "no feature", each token's exact share of it
        // is `ngramTokenContributions`, and completeness still holds.
        guard let bag = model.ngramTokenContributions(ids) else { return (attributions, difference) }
        let shares = ids.indices.map { sign * bag[$0 * outputs + column] }
        let recurrentWeight = 1 - model.configuration.bagWeight
        return (zip(attributions, shares).map { recurrentWeight * $0 + $1 }, recurrentWeight * difference + shares.reduce(0, +))
    }

    // MARK: Occlusion

    /// For each position, p(target | review) − p(target | review with that token's id replaced by the padding
    /// id, still read as a real step), in inference batches of `pointsPerBatch` occluded reviews (a long
    /// review's T copies are never all held at once).
    func occlusion(ids: [Int32], targetIndex: Int) -> [Float] {
        let full = classifier.probabilities(encoded: [ids], batchSize: 1)[0][targetIndex]
        var result: [Float] = []
        result.reserveCapacity(ids.count)
        for first in stride(from: 0, to: ids.count, by: pointsPerBatch) {
            let sequences = (first..<min(first + pointsPerBatch, ids.count)).map { t -> [Int32] in
                var occluded = ids
                occluded[t] = Vocabulary.padID
                return occluded
            }
            let probabilities = classifier.probabilities(encoded: sequences, batchSize: sequences.count)
            result += probabilities.map { full - $0[targetIndex] }
        }
        return result
    }
}
