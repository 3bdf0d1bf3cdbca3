import LoomNN
import LoomTensor

/// `Embedding → recurrent layers → pooling over time → head` (`ClassifierHead`: dropout and a linear layer
/// producing one logit, sigmoid, for two classes or one per class, softmax). Parameters carry PyTorch's names
/// (`embedding.weight`, `lstm.weight_ih_l0`, `fc.weight`, …) so weights move freely between the two.
///
/// With `configuration.ngrams` set, a second branch beside the recurrent one: a linear bag of the review's
/// n-grams (`NGramBag` over `NGramFeatures`, `ngram.weight`/`ngram.bias`/`ngram.scale`). The model's logits
/// are the branches' logits mixed, (1 − w)·recurrent + w·bag with w = `configuration.bagWeight` (the mean
/// until the trainer chooses w on validation), and each branch is trained on its own loss (`trainingLoss`):
/// a two-model ensemble in one file, where a joint loss would let the fast-fitting bag starve the recurrent
/// branch of gradient once the training reviews are fitted.
public final class SentimentModel {
    /// Fixed at creation but for the n-gram bag's weight (`setBagWeight`).
    public private(set) var configuration: SentimentConfiguration
    let embedding: Embedding
    let recurrent: RecurrentNetwork
    /// The pooling over time: a fixed rule, or learned attention (exactly one is set).
    var pooling: TemporalPooling?
    let attention: AttentionPooling?
    var embeddingDropout: Dropout
    let head: ClassifierHead
    /// The n-gram branch and its features (both nil without one).
    let ngram: NGramBag?
    let ngramFeatures: NGramFeatures?
    /// Every saved tensor, named as in PyTorch's `state_dict` (the n-gram scales included).
    public let parameters: [Parameter]
    /// What the optimizer updates: `parameters` without the n-gram branch's fixed scales.
    public let trainableParameters: [Parameter]

    // Cached by `forward` for `backward`.
    private var lastShape: (steps: Int, batch: Int) = (0, 0)
    /// The branches' logits of the last training `forward` (n-gram models only).
    var lastBranchLogits: (recurrent: Tensor, ngram: Tensor)?

    /// - Parameter randomize: false skips the random draw of the embedding table (for loading weights).
    public init(_ configuration: SentimentConfiguration, randomize: Bool = true, rng: inout SeededGenerator) throws {
        try configuration.validate()
        self.configuration = configuration
        embedding = Embedding(vocabularySize: configuration.vocabularySize, dimension: configuration.embeddingSize,
                              paddingIndex: 0, name: "embedding", randomize: randomize, rng: &rng)
        recurrent = RecurrentNetwork(configuration.recurrent, initialization: configuration.initialization,
                                     name: configuration.cell.rawValue, rng: &rng)
        let directions = configuration.bidirectional ? 2 : 1
        if configuration.pooling == .attention {
            pooling = nil
            attention = AttentionPooling(featureSize: configuration.pooledSize, attentionSize: configuration.attentionSize,
                                         rng: &rng)
        } else {
            pooling = TemporalPooling(configuration.pooling, directions: directions)
            attention = nil
        }
        embeddingDropout = Dropout(rate: configuration.embeddingDropout)
        head = ClassifierHead(featureSize: configuration.pooledSize, classes: configuration.classes.count,
                              ratingScale: configuration.isRegression ? configuration.ratingScale : nil,
                              dropout: configuration.dropout, rng: &rng)
        if let settings = configuration.ngrams {
            let features = NGramFeatures(vocabularySize: configuration.vocabularySize, settings: settings)
            ngramFeatures = features
            ngram = NGramBag(rows: features.rows, outputSize: configuration.outputSize, l2: settings.l2,
                             learningRateScale: settings.learningRateScale, name: "ngram")
        } else {
            ngramFeatures = nil
            ngram = nil
        }
        let common = embedding.parameters + recurrent.parameters + (attention?.parameters ?? []) + head.parameters
        parameters = common + (ngram?.parameters ?? [])
        trainableParameters = common + (ngram?.trainableParameters ?? [])
    }

    /// The loss weight of each class in training (`ClassWeights`), nil for none.
    public var classWeights: [Float]? {
        get { head.classWeights }
        set { head.classWeights = newValue }
    }

    /// Sets the n-gram branch's fixed feature scales (`NGramFeatures.naiveBayesRatios`), before training.
    public func setNGramScale(_ scale: [Float]) {
        guard let ngram else { return }
        precondition(scale.count == ngram.rows, "n-gram scale of \(scale.count) rows for a bag of \(ngram.rows)")
        ngram.scale.value = Tensor(shape: [ngram.rows], data: scale)
    }

    /// The distinct n-gram feature rows the bag reads in one review: those of its last `bagLength` ids.
    /// Empty without an n-gram branch.
    func bagFeatureRows(_ ids: [Int32]) -> [Int32] {
        guard let ngramFeatures else { return [] }
        let window = configuration.bagLength
        return ngramFeatures.features(ids.count > window ? Array(ids.suffix(window)) : ids)
    }

    /// The n-gram feature rows of each sequence of `batch` (`bagFeatureRows`).
    func ngramFeatureLists(_ batch: PaddedBatch) -> [[Int32]] {
        ngramFeatures == nil ? [] : batch.sequences.map(bagFeatureRows)
    }

    /// Sets the n-gram bag's weight in the logits (`NGramSettings.bagWeight`); no effect without a bag.
    public func setBagWeight(_ weight: Float) {
        precondition(weight >= 0 && weight <= 1, "bag weight \(weight) outside [0, 1]")
        configuration.ngrams?.bagWeight = weight
    }

    /// The model's logits from its branches': (1 − w)·recurrent + w·bag, element-wise.
    static func mix(_ recurrent: Tensor, _ bag: Tensor, bagWeight w: Float) -> Tensor {
        Tensor(shape: recurrent.shape, data: zip(recurrent.data, bag.data).map { (1 - w) * $0 + w * $1 })
    }

    /// Logits for a batch of padded id sequences.
    /// - Parameters:
    ///   - batch: time-major ids and mask from `PaddedBatch`.
    ///   - training: enables dropout and caches what `backward` needs.
    /// - Returns: [batch, outputSize] logits.
    public func forward(_ batch: PaddedBatch, training: Bool, rng: inout SeededGenerator) -> Tensor {
        let embedded = embeddingDropout.forward(embedding.forward(batch.timeMajorIDs), training: training, rng: &rng)
            .reshaped([batch.steps, batch.batchSize, configuration.embeddingSize])
        let recurrentLogits = forward(embedded: embedded, mask: batch.mask, training: training, rng: &rng)
        guard let ngram else { return recurrentLogits }
        let ngramLogits = ngram.forward(ngramFeatureLists(batch))
        lastBranchLogits = (recurrentLogits, ngramLogits)
        return Self.mix(recurrentLogits, ngramLogits, bagWeight: configuration.bagWeight)
    }

    /// The loss to train on and its gradient, for the last `forward(batch:…)`, whose logits were `logits`:
    /// the head's loss of `logits` and its gradient; with an n-gram branch, the loss reported is still that
    /// of the mixed `logits`, but the gradient is each branch's own loss gradient (plus the bag's L2
    /// penalty, in `backward`), laid out [batch, 2 × outputSize]: the recurrent branch's, then the bag's.
    public func trainingLoss(logits: Tensor, targets: [Int32]) -> (loss: Float, gradient: Tensor) {
        trainingLoss(logits: logits, targets: .classes(targets))
    }

    /// `trainingLoss` for class indices or ratings.
    public func trainingLoss(logits: Tensor, targets: SentimentTargets) -> (loss: Float, gradient: Tensor) {
        guard let (recurrentLogits, ngramLogits) = lastBranchLogits else { return loss(logits: logits, targets: targets) }
        let reported = loss(logits: logits, targets: targets).loss
        let recurrentGradient = loss(logits: recurrentLogits, targets: targets).gradient
        let ngramGradient = loss(logits: ngramLogits, targets: targets).gradient
        let batch = logits.shape[0], outputs = configuration.outputSize
        var gradient = [Float](repeating: 0, count: batch * 2 * outputs)
        for b in 0..<batch {
            for j in 0..<outputs {
                gradient[b * 2 * outputs + j] = recurrentGradient.data[b * outputs + j]
                gradient[b * 2 * outputs + outputs + j] = ngramGradient.data[b * outputs + j]
            }
        }
        return (reported + (ngram?.penalty ?? 0), Tensor(shape: [batch, 2 * outputs], data: gradient))
    }

    /// The embedding rows of `ids`, [ids.count, embeddingSize] (no dropout, nothing cached).
    public func embed(_ ids: [Int32]) -> Tensor { embedding.apply(ids) }

    /// Logits for already-embedded input, time-major [T, B, embeddingSize] with mask [T, B]: everything
    /// after the embedding lookup, so integrated gradients can feed points between a baseline and the
    /// review's embeddings. Caches what `backwardToEmbedded` needs.
    public func forward(embedded: Tensor, mask: Tensor, training: Bool, rng: inout SeededGenerator) -> Tensor {
        lastShape = (embedded.shape[0], embedded.shape[1])
        let (outputs, _) = recurrent.forward(embedded, mask: mask, initialState: nil, training: training, rng: &rng)
        let pooled = attention?.forward(outputs, mask: mask).pooled ?? pooling!.forward(outputs, mask: mask)
        return head.forward(pooled, training: training, rng: &rng)
    }

    /// Logits for inference only (no dropout, no backward caches), the recurrent part run by `inference`,
    /// which must wrap this model's `recurrent` network.
    public func inferLogits(_ batch: PaddedBatch, using inference: RecurrentInference) -> Tensor {
        infer(batch, using: inference).logits
    }

    /// Logits and, for attention pooling, the attention weights [steps, batch] (nil otherwise); see `inferLogits`.
    public func infer(_ batch: PaddedBatch, using inference: RecurrentInference) -> (logits: Tensor, attention: Tensor?) {
        let branches = inferBranches(batch, using: inference)
        guard let bag = branches.bag else { return (branches.recurrent, branches.attention) }
        return (Self.mix(branches.recurrent, bag, bagWeight: configuration.bagWeight), branches.attention)
    }

    /// Each branch's logits apart — the recurrent one's and the n-gram bag's (nil without one), which
    /// `infer` mixes — and the attention weights as in `infer`.
    public func inferBranches(_ batch: PaddedBatch, using inference: RecurrentInference)
        -> (recurrent: Tensor, bag: Tensor?, attention: Tensor?) {
        precondition(inference.network === recurrent, "inference engine of another model")
        let outputs = inference.outputs(tokens: batch.timeMajorIDs, steps: batch.steps, batch: batch.batchSize,
                                        mask: batch.mask, embedding: embedding.weight.value)
        let logits: Tensor, weights: Tensor?
        if let attention {
            let (pooled, attentionWeights) = attention.apply(outputs, mask: batch.mask)
            (logits, weights) = (head.apply(pooled), attentionWeights)
        } else {
            var pooling = self.pooling!
            (logits, weights) = (head.apply(pooling.forward(outputs, mask: batch.mask)), nil)
        }
        return (logits, ngram?.apply(ngramFeatureLists(batch)), weights)
    }

    /// The n-gram branch's share of the model's logits for one review, per token: each feature's
    /// contribution scale·weight (times the bag's weight w in the mix) split evenly over its occurrences
    /// and, within one, over its tokens. [ids.count × outputSize]; they sum to the branch's w-share of the
    /// logits minus its bias. Ids before the bag's window (the last `bagLength`) get 0. Nil without an
    /// n-gram branch.
    public func ngramTokenContributions(_ ids: [Int32]) -> [Float]? {
        guard let ngram, let ngramFeatures else { return nil }
        let outputs = configuration.outputSize
        let skipped = max(0, ids.count - configuration.bagLength)
        let occurrences = ngramFeatures.occurrences(Array(ids.dropFirst(skipped))).map {
            (row: $0.row, start: $0.start + skipped, length: $0.length)
        }
        var count: [Int32: Int] = [:]
        for occurrence in occurrences { count[occurrence.row, default: 0] += 1 }
        var result = [Float](repeating: 0, count: ids.count * outputs)
        for occurrence in occurrences {
            let share = ngram.contributions([occurrence.row])
            let weight = configuration.bagWeight / Float(count[occurrence.row]!) / Float(occurrence.length)
            for t in occurrence.start..<(occurrence.start + occurrence.length) {
                for j in 0..<outputs { result[t * outputs + j] += weight * share[j] }
            }
        }
        return result
    }

    /// A forward-only engine for this model's recurrent layers; see `RecurrentInference`.
    public func makeInference(precomputeInputProjections: Bool) -> RecurrentInference {
        let inference = RecurrentInference(network: recurrent)
        if precomputeInputProjections { inference.precomputeInputProjections(embedding: embedding.weight.value) }
        return inference
    }

    /// Back-propagates the loss gradient with respect to the last `forward`'s logits, accumulating
    /// into every parameter's `grad`.
    /// With an n-gram branch, `gradLogits` is `trainingLoss`'s [batch, 2 × outputSize] gradient.
    public func backward(_ gradLogits: Tensor) {
        var recurrentGradient = gradLogits
        if let ngram, lastBranchLogits != nil {
            let outputs = configuration.outputSize, batch = gradLogits.shape[0]
            precondition(gradLogits.shape == [batch, 2 * outputs], "an n-gram model's backward takes trainingLoss's gradient")
            var first = [Float](repeating: 0, count: batch * outputs), second = first
            for b in 0..<batch {
                for j in 0..<outputs {
                    first[b * outputs + j] = gradLogits.data[b * 2 * outputs + j]
                    second[b * outputs + j] = gradLogits.data[b * 2 * outputs + outputs + j]
                }
            }
            recurrentGradient = Tensor(shape: [batch, outputs], data: first)
            ngram.backward(Tensor(shape: [batch, outputs], data: second))
        }
        let gradEmbedded = backwardToEmbedded(recurrentGradient)
        embedding.backward(embeddingDropout.backward(
            gradEmbedded.reshaped([lastShape.steps * lastShape.batch, configuration.embeddingSize])))
    }

    /// Back-propagates from the logits to the embedded input of the last `forward`: returns dL/d(embedded),
    /// [T, B, embeddingSize] (before embedding dropout). Parameter gradients below the embedding are
    /// accumulated as in `backward`, or skipped with `parameterGradients: false` (attributions need only the
    /// input gradient).
    public func backwardToEmbedded(_ gradLogits: Tensor, parameterGradients: Bool = true) -> Tensor {
        let gradPooled = head.backward(gradLogits, parameterGradients: parameterGradients)
        let gradOutputs = attention?.backward(gradPooled, parameterGradients: parameterGradients)
            ?? pooling!.backward(gradPooled)
        return recurrent.backward(gradOutput: gradOutputs, gradFinal: nil, parameterGradients: parameterGradients)
    }

    /// Class probabilities, [batch][classes], for logits from `forward` (see `ClassifierHead`).
    public func probabilities(logits: Tensor) -> [[Float]] { head.probabilities(logits: logits) }

    /// Mean loss and its gradient with respect to the logits, for class indices `targets` (see `ClassifierHead`).
    public func loss(logits: Tensor, targets: [Int32]) -> (loss: Float, gradient: Tensor) {
        head.loss(logits: logits, targets: targets)
    }

    /// Mean loss and its gradient for class indices or ratings (see `ClassifierHead`).
    public func loss(logits: Tensor, targets: SentimentTargets) -> (loss: Float, gradient: Tensor) {
        head.loss(logits: logits, targets: targets)
    }

    /// A regression model's ratings for outputs from `forward` (nil for a classifier).
    public func ratings(logits: Tensor) -> [Float]? { head.ratings(logits: logits) }
}
