import LoomNN
import LoomTensor

/// A character-level language model: `Embedding → RecurrentNetwork → Dropout → Dense`, giving one logit per
/// character of the vocabulary (softmax over them is the next-character distribution).
///
/// Parameters carry PyTorch's names (`embedding.weight`, `lstm.weight_ih_l0`, …, `fc.weight`, `fc.bias`), so
/// a checkpoint loads into `nn.Embedding` + `nn.LSTM` + `nn.Linear` unchanged. Input ids are time-major
/// `[T, B]` (row t holds step t of every lane), as the recurrent layers expect.
public final class CharLanguageModel {
    public let configuration: CharModelConfiguration
    let embedding: Embedding
    let recurrent: RecurrentNetwork
    let classifier: Dense
    var outputDropout: Dropout
    /// Every trainable parameter, named as in PyTorch's `state_dict`.
    public let parameters: [Parameter]
    let embeddingWeight: Parameter
    let outputWeight: Parameter
    let outputBias: Parameter

    private var lastShape: (steps: Int, batch: Int) = (0, 0)

    /// A freshly initialised model (PyTorch's default initialisation, drawn from `rng`).
    public init(_ configuration: CharModelConfiguration, rng: inout SeededGenerator) throws {
        try configuration.validate()
        self.configuration = configuration
        embedding = Embedding(vocabularySize: configuration.vocabularySize, dimension: configuration.embeddingSize,
                              paddingIndex: nil, name: "embedding", rng: &rng)
        recurrent = RecurrentNetwork(configuration.recurrent, initialization: .pytorch, name: configuration.cell.rawValue,
                                     rng: &rng)
        classifier = Dense(inputSize: configuration.hiddenSize, outputSize: configuration.vocabularySize, name: "fc",
                           rng: &rng)
        outputDropout = Dropout(rate: configuration.outputDropout)
        parameters = embedding.parameters + recurrent.parameters + classifier.parameters
        embeddingWeight = embedding.parameters[0]
        outputWeight = classifier.parameters[0]
        outputBias = classifier.parameters[1]
    }

    /// The all-zero state for `batch` lanes (the start of a text).
    public func zeroState(batch: Int) -> RecurrentState { recurrent.zeroState(batch: batch) }

    /// Next-character logits for every position of a time-major window.
    /// - Parameters:
    ///   - ids: `steps × batch` ids, time-major (index `t * batch + b`); each must be below `vocabularySize`.
    ///   - initialState: the state carried from the previous window of the same lanes; nil for zeros.
    ///     No gradient flows back into it (truncated back-propagation through time).
    ///   - training: enables dropout and keeps what `backward` needs.
    /// - Returns: logits `[steps * batch, vocabularySize]` in the same order as `ids`, and the final state.
    public func forward(_ ids: [Int32], steps: Int, batch: Int, initialState: RecurrentState?, training: Bool,
                        rng: inout SeededGenerator) -> (logits: Tensor, final: RecurrentState) {
        precondition(ids.count == steps * batch, "forward: \(ids.count) ids for \(steps) steps × \(batch) lanes")
        lastShape = (steps, batch)
        let embedded = embedding.forward(ids).reshaped([steps, batch, configuration.embeddingSize])
        let (outputs, final) = recurrent.forward(embedded, mask: nil, initialState: initialState, training: training,
                                                 rng: &rng)
        let dropped = outputDropout.forward(outputs, training: training, rng: &rng)
        let logits = classifier.forward(dropped.reshaped([steps * batch, configuration.hiddenSize]))
        return (logits, final)
    }

    /// Back-propagates the gradient of the loss with respect to the last `forward`'s logits, adding into
    /// every parameter's `grad`. The gradient with respect to the initial state is dropped.
    public func backward(_ gradLogits: Tensor) {
        let (steps, batch) = lastShape
        let gradOutputs = outputDropout.backward(classifier.backward(gradLogits).reshaped([steps, batch, configuration.hiddenSize]))
        let gradEmbedded = recurrent.backward(gradOutput: gradOutputs, gradFinal: nil)
        embedding.backward(gradEmbedded.reshaped([steps * batch, configuration.embeddingSize]))
    }

    /// A batch-1 inference session starting from the zero state, for sampling one character at a time.
    /// It works on a snapshot of the current weights (see `CharStepper`).
    public func makeStepper() -> CharStepper { CharStepper(model: self) }
}
