import LoomNN
import LoomTensor

/// `Embedding → recurrent layers → pooling over time → head` (`ClassifierHead`: dropout and a linear layer
/// producing one logit, sigmoid, for two classes or one per class, softmax). Parameters carry PyTorch's names
/// (`embedding.weight`, `lstm.weight_ih_l0`, `fc.weight`, …) so weights move freely between the two.
public final class SentimentModel {
    public let configuration: SentimentConfiguration
    let embedding: Embedding
    let recurrent: RecurrentNetwork
    /// The pooling over time: a fixed rule, or learned attention (exactly one is set).
    var pooling: TemporalPooling?
    let attention: AttentionPooling?
    var embeddingDropout: Dropout
    let head: ClassifierHead
    /// Every trainable parameter, named as in PyTorch's `state_dict`.
    public let parameters: [Parameter]

    // Cached by `forward` for `backward`.
    private var lastShape: (steps: Int, batch: Int) = (0, 0)

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
                              dropout: configuration.dropout, rng: &rng)
        parameters = embedding.parameters + recurrent.parameters + (attention?.parameters ?? []) + head.parameters
    }

    /// Logits for a batch of padded id sequences.
    /// - Parameters:
    ///   - batch: time-major ids and mask from `PaddedBatch`.
    ///   - training: enables dropout and caches what `backward` needs.
    /// - Returns: [batch, outputSize] logits.
    public func forward(_ batch: PaddedBatch, training: Bool, rng: inout SeededGenerator) -> Tensor {
        let embedded = embeddingDropout.forward(embedding.forward(batch.timeMajorIDs), training: training, rng: &rng)
            .reshaped([batch.steps, batch.batchSize, configuration.embeddingSize])
        return forward(embedded: embedded, mask: batch.mask, training: training, rng: &rng)
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
        precondition(inference.network === recurrent, "inference engine of another model")
        let outputs = inference.outputs(tokens: batch.timeMajorIDs, steps: batch.steps, batch: batch.batchSize,
                                        mask: batch.mask, embedding: embedding.weight.value)
        if let attention {
            let (pooled, weights) = attention.apply(outputs, mask: batch.mask)
            return (head.apply(pooled), weights)
        }
        var pooling = self.pooling!
        return (head.apply(pooling.forward(outputs, mask: batch.mask)), nil)
    }

    /// A forward-only engine for this model's recurrent layers; see `RecurrentInference`.
    public func makeInference(precomputeInputProjections: Bool) -> RecurrentInference {
        let inference = RecurrentInference(network: recurrent)
        if precomputeInputProjections { inference.precomputeInputProjections(embedding: embedding.weight.value) }
        return inference
    }

    /// Back-propagates the loss gradient with respect to the last `forward`'s logits, accumulating
    /// into every parameter's `grad`.
    public func backward(_ gradLogits: Tensor) {
        let gradEmbedded = backwardToEmbedded(gradLogits)
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
}
