import LoomNN
import LoomTensor

/// Runs a `CharLanguageModel` one character at a time for sampling, in one lane or several side by side
/// (`lanes`: one text each, sharing every weight product): the network's
/// `RecurrentStepper` over the embedding table (so a character costs one table row plus the recurrent
/// products), then the output layer. All buffers are allocated once: generating a character allocates nothing.
///
/// The stepper works on a snapshot of the weights taken when it is made; make a new one after training further.
/// One `feed` at a time: concurrent samplers each need their own stepper (`makeSibling`).
public final class CharStepper {
    public let model: CharLanguageModel
    /// Logits for the next character after the last `feed`, `[lanes, vocabularySize]` (zeros before the first).
    public private(set) var logits: [Float]
    /// Texts stepped side by side.
    public var lanes: Int { recurrent.lanes }
    private let recurrent: RecurrentStepper
    private let outputWeight: [Float], outputBias: [Float]
    private let vocabularySize: Int

    convenience init(model: CharLanguageModel) {
        // A char model's network is unidirectional and its embedding [V, E] matches the network's input.
        self.init(model: model, recurrent: try! RecurrentStepper(network: model.recurrent, inputTable: model.embeddingWeight.value))
    }

    private init(model: CharLanguageModel, recurrent: RecurrentStepper) {
        self.model = model
        self.recurrent = recurrent
        vocabularySize = model.configuration.vocabularySize
        // Copy-on-write arrays: siblings share them.
        outputWeight = model.outputWeight.value.data
        outputBias = model.outputBias.value.data
        logits = [Float](repeating: 0, count: recurrent.lanes * vocabularySize)
    }

    /// A stepper at the zero state that shares this one's weights and table (read only, not copied).
    /// - Parameter splitting: whether it may run each character on two threads (see `allowsSplitSteps`).
    ///   Without, every step runs on the calling thread alone: for servers that run many generations side by side.
    /// - Parameter lanes: texts it steps side by side (one `feed(_ ids:)` takes a character for each).
    public func makeSibling(splitting: Bool, lanes: Int = 1) -> CharStepper {
        CharStepper(model: model, recurrent: recurrent.makeSibling(splitting: splitting, lanes: lanes))
    }

    /// Whether `feed` may use the two-thread path (when the stepper has one): a server turns it off while
    /// other generations compete for the cores, and on when this one runs alone. Both paths compute the
    /// same step on the same state.
    public var allowsSplitSteps: Bool {
        get { recurrent.allowsSplitSteps }
        set { recurrent.allowsSplitSteps = newValue }
    }

    /// Whether each character can run on two threads (see `RecurrentStepper`).
    public var splitsSteps: Bool { recurrent.splitsSteps }

    /// The recurrent state after the characters fed so far (`RecurrentNetwork`'s layout, one row per lane);
    /// assign a saved copy to rewind.
    public var state: RecurrentState {
        get { recurrent.state }
        set { recurrent.state = newValue }
    }

    /// Puts row `source` of `state` and its next-character `logits` [vocabularySize] into lane `lane`: a prompt
    /// fed on a one-lane stepper continues there.
    public func setLane(_ lane: Int, state: RecurrentState, source: Int = 0, logits laneLogits: ArraySlice<Float>) {
        precondition(laneLogits.count == vocabularySize, "logits must hold \(vocabularySize) values")
        recurrent.setState(state, lane: lane, from: source)
        logits.replaceSubrange((lane * vocabularySize)..<((lane + 1) * vocabularySize), with: laneLogits)
    }

    /// Feeds character `id` (must be below `vocabularySize`) and updates the state and `logits`; one lane only.
    public func feed(_ id: Int32) {
        precondition(id >= 0 && Int(id) < vocabularySize, "character id \(id) outside 0..<\(vocabularySize)")
        recurrent.feed(row: Int(id))
        updateLogits()
    }

    /// Feeds one character per lane (each below `vocabularySize`) and updates the state and `logits`.
    public func feed(_ ids: [Int32]) {
        precondition(ids.allSatisfy { $0 >= 0 && Int($0) < vocabularySize }, "character ids outside 0..<\(vocabularySize)")
        recurrent.feed(rows: ids.map { Int($0) })
        updateLogits()
    }

    /// logits = h_top · W_fcᵀ + b_fc, every lane.
    private func updateLogits() {
        let H = recurrent.hidden, V = vocabularySize, B = recurrent.lanes
        recurrent.withTopHidden { top, stride in
        outputBias.withUnsafeBufferPointer { bias in
        outputWeight.withUnsafeBufferPointer { weight in
        logits.withUnsafeMutableBufferPointer { out in
            for lane in 0..<B { (out.baseAddress! + lane * V).update(from: bias.baseAddress!, count: V) }
            RecurrentStepper.addProducts(lanes: B, outputs: V, inputs: H, weights: weight.baseAddress!, x: top,
                                         xStride: stride, y: out.baseAddress!)
        }}}}
    }

    /// Returns to the zero state.
    public func reset() {
        recurrent.reset()
        for i in logits.indices { logits[i] = 0 }
    }
}
