import CRecurrentKernels
import LoomNN
import LoomTensor

/// Runs a `CharLanguageModel` one character at a time (batch 1) for sampling, as fast as the memory
/// holding the weights can be read.
///
/// Batch-1 products are matrix–vector products, so this path calls `BLAS.sgemv` (OpenBLAS's `sgemm` with
/// m = 1 re-packs the whole weight matrix on every call and runs several times slower). The first layer's
/// input projection of every character, `embedding · W_ih_l0ᵀ + b_ih_l0`, is a small table computed once, so
/// a character costs one table row plus `W_hh·h` for layer 0, and `W_ih·x + W_hh·h` for the layers above,
/// then the gate arithmetic (the same `FastMath` kernels and formulas as `RecurrentNetwork`) and the output
/// layer. All buffers are allocated once: generating a character allocates nothing.
///
/// Each character reads every recurrent weight once (about 3 MB for 2 LSTM layers of 256), more than one core's
/// cache holds or delivers quickly. LSTM/GRU models whose W_hh reaches the network's
/// `parallelism.singleSequenceSplitThreshold` therefore run each step on two threads, each owning half of
/// every layer's units and weights (`loom_split.h`), with one barrier per layer.
///
/// The stepper works on a snapshot of the weights taken when it is made; make a new one after training further.
/// One `feed` at a time: concurrent samplers each need their own stepper.
public final class CharStepper {
    public let model: CharLanguageModel
    /// Logits for the next character after the last `feed`, `[vocabularySize]` (zeros before the first).
    public private(set) var logits: [Float]

    private let cell: CellKind
    private let layers: Int, hidden: Int, gateCount: Int, vocabularySize: Int
    /// Layer 0: per character, `W_ih·embedding + b_ih` (plus `b_hh` except for GRU), [V, G·H].
    private let inputTable: [Float]
    /// Per layer: W_ih [G·H, H] (layers ≥ 1; empty for layer 0) and W_hh [G·H, H]; for LSTM and RNN layers ≥ 1
    /// the two are stacked side by side in `inputWeights` ([G·H, 2H]) and `hiddenWeights` is empty.
    private let inputWeights: [[Float]]
    private let hiddenWeights: [[Float]]
    /// Per layer: the bias added before the input product: b_ih (+ b_hh for LSTM and RNN).
    private let inputBias: [[Float]]
    /// Per layer, GRU only: b_hh, kept apart because r multiplies `W_hn·h + b_hn`.
    private let hiddenBias: [[Float]]
    private let outputWeight: [Float], outputBias: [Float]
    /// State: h and (LSTM) c per layer, contiguous [layers, H].
    private var h: [Float], c: [Float]
    /// Scratch: gate pre-activations from the input side and (GRU) from the hidden side.
    private var gates: [Float], recurrentGates: [Float]
    /// Scratch: one layer's new c (LSTM) or h (GRU), since the C cell rows never write in place.
    private var nextState: [Float]
    /// The two-thread path: per-half weights (nil when the model is too small, or not LSTM/GRU) and the helper
    /// thread (started on the first character).
    private let splitModel: OpaquePointer?
    private var pair: OpaquePointer?

    init(model: CharLanguageModel) {
        self.model = model
        let configuration = model.configuration
        cell = configuration.cell
        layers = configuration.layers
        hidden = configuration.hiddenSize
        gateCount = configuration.cell.gateCount
        vocabularySize = configuration.vocabularySize
        let gh = gateCount * hidden
        var byName: [String: [Float]] = [:]
        for parameter in model.parameters { byName[parameter.name] = parameter.value.data }
        let prefix = configuration.cell.rawValue + "."
        func weight(_ name: String) -> [Float] { byName[prefix + name]! }
        var inputWeights: [[Float]] = [], hiddenWeights: [[Float]] = []
        var inputBias: [[Float]] = [], hiddenBias: [[Float]] = []
        for layer in 0..<configuration.layers {
            let bih = weight("bias_ih_l\(layer)"), bhh = weight("bias_hh_l\(layer)")
            let wih = layer == 0 ? [] : weight("weight_ih_l\(layer)"), whh = weight("weight_hh_l\(layer)")
            if layer > 0 && configuration.cell.foldsRecurrentBias {
                // [W_ih | W_hh] row by row, [G·H, 2H]: the input x = h_{l−1} and h_l lie side by side in `h`,
                // so one product covers both.
                var stacked = [Float](repeating: 0, count: gh * 2 * hidden)
                for row in 0..<gh {
                    for k in 0..<hidden {
                        stacked[row * 2 * hidden + k] = wih[row * hidden + k]
                        stacked[row * 2 * hidden + hidden + k] = whh[row * hidden + k]
                    }
                }
                inputWeights.append(stacked)
                hiddenWeights.append([])
            } else {
                inputWeights.append(wih)
                hiddenWeights.append(whh)
            }
            inputBias.append(cell.foldsRecurrentBias ? zip(bih, bhh).map { $0 + $1 } : bih)
            hiddenBias.append(cell.foldsRecurrentBias ? [] : bhh)
        }
        // Table = embedding [V, E] · W_ih_l0ᵀ [E, G·H] + bias row.
        let e = configuration.embeddingSize, v = configuration.vocabularySize
        var table = [Float](repeating: 0, count: v * gh)
        for row in 0..<v { for k in 0..<gh { table[row * gh + k] = inputBias[0][k] } }
        let embedding = model.embeddingWeight.value.data, wih0 = weight("weight_ih_l0")
        embedding.withUnsafeBufferPointer { a in
        wih0.withUnsafeBufferPointer { b in
        table.withUnsafeMutableBufferPointer { t in
            BLAS.sgemm(transposeA: false, transposeB: true, m: v, n: gh, k: e, a: a.baseAddress!, lda: e,
                       b: b.baseAddress!, ldb: e, beta: 1, c: t.baseAddress!, ldc: gh)
        }}}
        inputTable = table
        self.inputWeights = inputWeights
        self.hiddenWeights = hiddenWeights
        self.inputBias = inputBias
        self.hiddenBias = hiddenBias
        outputWeight = model.outputWeight.value.data
        outputBias = model.outputBias.value.data
        logits = [Float](repeating: 0, count: v)
        h = [Float](repeating: 0, count: configuration.layers * hidden)
        c = [Float](repeating: 0, count: cell.hasCellState ? configuration.layers * hidden : 0)
        gates = [Float](repeating: 0, count: gh)
        recurrentGates = [Float](repeating: 0, count: cell.foldsRecurrentBias ? 0 : gh)
        nextState = [Float](repeating: 0, count: hidden)
        splitModel = Self.makeSplitModel(model: model, weights: byName)
    }

    private init(sibling other: CharStepper, splitting: Bool) {
        model = other.model
        cell = other.cell
        (layers, hidden, gateCount, vocabularySize) = (other.layers, other.hidden, other.gateCount, other.vocabularySize)
        // Arrays are copy-on-write and never written after init: these share the other stepper's storage.
        inputTable = other.inputTable
        inputWeights = other.inputWeights
        hiddenWeights = other.hiddenWeights
        inputBias = other.inputBias
        hiddenBias = other.hiddenBias
        outputWeight = other.outputWeight
        outputBias = other.outputBias
        logits = [Float](repeating: 0, count: other.vocabularySize)
        h = [Float](repeating: 0, count: other.h.count)
        c = [Float](repeating: 0, count: other.c.count)
        gates = [Float](repeating: 0, count: other.gates.count)
        recurrentGates = [Float](repeating: 0, count: other.recurrentGates.count)
        nextState = [Float](repeating: 0, count: other.hidden)
        if splitting {
            var byName: [String: [Float]] = [:]
            for parameter in other.model.parameters { byName[parameter.name] = parameter.value.data }
            splitModel = Self.makeSplitModel(model: other.model, weights: byName)
        } else {
            splitModel = nil
        }
    }

    /// A stepper at the zero state that shares this one's weights and table (read only, not copied).
    /// - Parameter splitting: whether it may run each character on two threads (its own copy of the split
    ///   weights and its own helper thread; see `allowsSplitSteps`). Without, every step runs on the calling
    ///   thread alone: for servers that run many generations side by side.
    public func makeSibling(splitting: Bool) -> CharStepper {
        CharStepper(sibling: self, splitting: splitting)
    }

    /// Whether `feed` may use the two-thread path (when the stepper has one): a server turns it off while
    /// other generations compete for the cores, and on when this one runs alone. Both paths compute the
    /// same step on the same state.
    public var allowsSplitSteps = true

    deinit {
        loom_pair_destroy(pair)
        loom_split_model_destroy(splitModel)
    }

    /// Whether each character runs on two threads (see the type's notes).
    public var splitsSteps: Bool { splitModel != nil }

    private static func makeSplitModel(model: CharLanguageModel, weights byName: [String: [Float]]) -> OpaquePointer? {
        let configuration = model.configuration, parallelism = model.recurrent.parallelism
        let H = configuration.hiddenSize, G = configuration.cell.gateCount
        guard let cell = configuration.cell.splitKind else { return nil }
        guard parallelism.maximumSlices >= 2, H >= 2, G * H * H >= parallelism.singleSequenceSplitThreshold else { return nil }
        let prefix = configuration.cell.rawValue + "."
        let layers = 0..<configuration.layers
        // Layer 0's input weights are folded into the stepper's table; the C side does not read them.
        let inputWeights = layers.map { $0 == 0 ? [Float](repeating: 0, count: 1) : byName[prefix + "weight_ih_l\($0)"]! }
        let hiddenWeights = layers.map { byName[prefix + "weight_hh_l\($0)"]! }
        let inputBiases = layers.map { byName[prefix + "bias_ih_l\($0)"]! }
        let hiddenBiases = layers.map { byName[prefix + "bias_hh_l\($0)"]! }
        return withPointers(inputWeights) { wih in
            withPointers(hiddenWeights) { whh in
                withPointers(inputBiases) { bih in
                    withPointers(hiddenBiases) { bhh in
                        loom_split_model_create(cell, Int32(configuration.layers), Int32(H), wih, whh, bih, bhh)
                    }
                }
            }
        }
    }

    /// The recurrent state after the characters fed so far (batch 1, `RecurrentNetwork`'s layout);
    /// assign a saved copy to rewind.
    public var state: RecurrentState {
        get {
            let hs = (0..<layers).map { Tensor(shape: [1, hidden], data: Array(h[($0 * hidden)..<(($0 + 1) * hidden)])) }
            let cs = cell.hasCellState
                ? (0..<layers).map { Tensor(shape: [1, hidden], data: Array(c[($0 * hidden)..<(($0 + 1) * hidden)])) } : nil
            return RecurrentState(hidden: hs, cell: cs)
        }
        set {
            precondition(newValue.hidden.count == layers && newValue.hidden.allSatisfy { $0.count == hidden },
                         "state must hold \(layers) tensors of [1, \(hidden)]")
            for (layer, tensor) in newValue.hidden.enumerated() {
                h.replaceSubrange((layer * hidden)..<((layer + 1) * hidden), with: tensor.data)
            }
            if cell.hasCellState {
                let cells = newValue.cell ?? []
                precondition(cells.count == layers && cells.allSatisfy { $0.count == hidden }, "an LSTM state needs cell tensors")
                for (layer, tensor) in cells.enumerated() {
                    c.replaceSubrange((layer * hidden)..<((layer + 1) * hidden), with: tensor.data)
                }
            }
        }
    }

    /// Feeds character `id` (must be below `vocabularySize`) and updates the state and `logits`.
    public func feed(_ id: Int32) {
        precondition(id >= 0 && Int(id) < vocabularySize, "character id \(id) outside 0..<\(vocabularySize)")
        let H = hidden, GH = gateCount * hidden
        if let splitModel, allowsSplitSteps {
            if pair == nil { pair = loom_pair_create() }
            if let pair {
                inputTable.withUnsafeBufferPointer { table in
                h.withUnsafeMutableBufferPointer { hBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    loom_pair_step(pair, splitModel, table.baseAddress! + Int(id) * GH, hBuffer.baseAddress!,
                                   cell.hasCellState ? cBuffer.baseAddress : nil)
                }}}
                updateLogits()
                return
            }
        }
        h.withUnsafeMutableBufferPointer { hBuffer in
        c.withUnsafeMutableBufferPointer { cBuffer in
        gates.withUnsafeMutableBufferPointer { gBuffer in
        recurrentGates.withUnsafeMutableBufferPointer { rBuffer in
        nextState.withUnsafeMutableBufferPointer { next in
            let g = gBuffer.baseAddress!
            for layer in 0..<layers {
                let hl = hBuffer.baseAddress! + layer * H
                // Input side (with its bias) into g.
                if layer == 0 {
                    inputTable.withUnsafeBufferPointer { g.update(from: $0.baseAddress! + Int(id) * GH, count: GH) }
                } else {
                    let fused = cell.foldsRecurrentBias
                    inputBias[layer].withUnsafeBufferPointer { g.update(from: $0.baseAddress!, count: GH) }
                    inputWeights[layer].withUnsafeBufferPointer { w in
                        BLAS.sgemv(transposeA: false, m: GH, n: fused ? 2 * H : H, a: w.baseAddress!, lda: fused ? 2 * H : H,
                                   x: hl - H, beta: 1, y: g)
                    }
                }
                // Hidden side (unless fused above): added into g, or (GRU) kept apart in r.
                if layer == 0 || !cell.foldsRecurrentBias {
                    let target = cell.foldsRecurrentBias ? g : rBuffer.baseAddress!
                    if !cell.foldsRecurrentBias {
                        hiddenBias[layer].withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: GH) }
                    }
                    hiddenWeights[layer].withUnsafeBufferPointer { w in
                        BLAS.sgemv(transposeA: false, m: GH, n: H, a: w.baseAddress!, lda: H, x: hl, beta: 1, y: target)
                    }
                }
                // The cell: the same C rows as the batched and two-thread paths (loom_cells.h, E1–E9).
                switch cell {
                case .lstm:
                    let cl = cBuffer.baseAddress! + layer * H
                    loom_lstm_cell(Int32(H), g, nil, cl, hl, next.baseAddress!)
                    cl.update(from: next.baseAddress!, count: H)
                case .gru:
                    loom_gru_cell(Int32(H), g, nil, rBuffer.baseAddress!, hl, next.baseAddress!)
                    hl.update(from: next.baseAddress!, count: H)
                case .rnn:
                    // E9 with tanh: character models have no other RNN activation.
                    for j in 0..<H { hl[j] = FastMath.tanh(g[j]) }
                }
            }
        }}}}}
        updateLogits()
    }

    /// logits = W_fc · h_top + b_fc.
    private func updateLogits() {
        let H = hidden
        h.withUnsafeBufferPointer { hBuffer in
        outputBias.withUnsafeBufferPointer { bias in
        outputWeight.withUnsafeBufferPointer { weight in
        logits.withUnsafeMutableBufferPointer { out in
            out.baseAddress!.update(from: bias.baseAddress!, count: vocabularySize)
            BLAS.sgemv(transposeA: false, m: vocabularySize, n: H, a: weight.baseAddress!, lda: H,
                       x: hBuffer.baseAddress! + (layers - 1) * H, beta: 1, y: out.baseAddress!)
        }}}}
    }

    /// Returns to the zero state.
    public func reset() {
        for i in h.indices { h[i] = 0 }
        for i in c.indices { c[i] = 0 }
        for i in logits.indices { logits[i] = 0 }
    }
}

/// Calls `body` with a C array of pointers to each array's elements (valid only inside `body`).
private func withPointers<R>(_ arrays: [[Float]], _ body: (UnsafePointer<UnsafePointer<Float>?>) -> R) -> R {
    func nest(_ index: Int, _ collected: [UnsafePointer<Float>?]) -> R {
        if index == arrays.count { return collected.withUnsafeBufferPointer { body($0.baseAddress!) } }
        return arrays[index].withUnsafeBufferPointer { nest(index + 1, collected + [$0.baseAddress]) }
    }
    return nest(0, [])
}
