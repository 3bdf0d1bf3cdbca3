import LoomNN
import LoomTensor

/// Runs a `CharLanguageModel` one character at a time (batch 1) for sampling: an embedding row copy,
/// one `RecurrentNetwork.step`, and the output layer as a single matrix-vector product. Buffers are
/// allocated once, so generating a character costs no more than the recurrent step itself needs.
public final class CharStepper {
    public let model: CharLanguageModel
    /// The recurrent state after the characters fed so far; assign a saved copy to rewind.
    public var state: RecurrentState
    /// Logits for the next character after the last `feed`, `[vocabularySize]` (zeros before the first).
    public private(set) var logits: [Float]
    private var input: Tensor

    init(model: CharLanguageModel) {
        self.model = model
        state = model.zeroState(batch: 1)
        logits = [Float](repeating: 0, count: model.configuration.vocabularySize)
        input = Tensor.zeros([1, model.configuration.embeddingSize])
    }

    /// Feeds character `id` (must be below `vocabularySize`) and updates `state` and `logits`.
    public func feed(_ id: Int32) throws {
        let configuration = model.configuration
        let e = configuration.embeddingSize, h = configuration.hiddenSize, v = configuration.vocabularySize
        precondition(id >= 0 && Int(id) < v, "character id \(id) outside 0..<\(v)")
        model.embeddingWeight.value.data.withUnsafeBufferPointer { table in
            input.data.withUnsafeMutableBufferPointer { row in
                row.baseAddress!.update(from: table.baseAddress! + Int(id) * e, count: e)
            }
        }
        let top = try model.recurrent.step(input, state: &state)
        model.outputBias.value.data.withUnsafeBufferPointer { bias in
        model.outputWeight.value.data.withUnsafeBufferPointer { weight in
        top.data.withUnsafeBufferPointer { hidden in
        logits.withUnsafeMutableBufferPointer { out in
            out.baseAddress!.update(from: bias.baseAddress!, count: v)
            BLAS.sgemv(transposeA: false, m: v, n: h, a: weight.baseAddress!, lda: h, x: hidden.baseAddress!,
                       beta: 1, y: out.baseAddress!)
        }}}}
    }

    /// Returns to the zero state.
    public func reset() {
        state = model.zeroState(batch: 1)
        for i in logits.indices { logits[i] = 0 }
    }
}
