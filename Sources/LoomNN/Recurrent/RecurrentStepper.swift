import CRecurrentKernels
import LoomTensor

/// Runs a unidirectional `RecurrentNetwork` one input at a time — the one way to step a network,
/// used by sampling: the same cell rows (`loom_cells.h`, E1–E9 of RecurrentKernels.swift) as training's
/// batched forward, so a sampled model is the trained model.
///
/// A stepper runs `lanes` independent sequences side by side (default 1): each step takes one input per lane,
/// and the lanes share every weight product (`BLAS.sgemm` over the lanes; one lane uses matrix–vector
/// products, `BLAS.sgemv`), which is what batched generation over many prompts gains from. When built over an input table (an embedding
/// matrix [rows, inputSize]), the first layer's input projection of every row, `E·W_ih_l0ᵀ + bias`, is
/// precomputed once, so an input costs one table row plus `W_hh·h` for layer 0 and `[W_ih | W_hh]·[x; h]` for
/// the layers above (for LSTM and RNN, whose recurrent bias folds; GRU keeps its hidden side apart, E7).
///
/// One-lane LSTM/GRU networks whose W_hh reaches the network's `parallelism.singleSequenceSplitThreshold` step on two
/// threads, each owning half of every layer's units (`loom_split.h`), with one barrier per layer; a server
/// turns that off per step (`allowsSplitSteps`) while other work competes for the cores.
///
/// The stepper copies the weights it needs when made (arrays shared, not copied, by its siblings); make a new
/// one after the weights change. One `feed` at a time: concurrent callers each need their own (a sibling).
public final class RecurrentStepper {
    public let network: RecurrentNetwork
    public let cell: CellKind
    public let layers: Int, hidden: Int
    /// Sequences stepped side by side.
    public let lanes: Int
    private let gateCount: Int
    /// Layer 0 with a table: per input row, `W_ih·e + b_ih` (plus `b_hh` when the bias folds), [rows, G·H].
    private let inputTable: [Float]
    public let tableRows: Int
    /// Per layer: W_ih [G·H, I] (layer 0, kept for `feed(input:)`), or for layers ≥ 1 with a folding bias the
    /// stacked [W_ih | W_hh] ([G·H, 2H], `hiddenWeights` then empty); W_hh [G·H, H].
    private let inputWeights: [[Float]]
    private let hiddenWeights: [[Float]]
    /// Per layer: the bias added before the input product: b_ih (+ b_hh when it folds).
    private let inputBias: [[Float]]
    /// Per layer, GRU only: b_hh, kept apart because r multiplies `W_hn·h + b_hn` (E7).
    private let hiddenBias: [[Float]]
    /// State: h and (LSTM) c, [lanes, layers, H]: within a lane, layer l−1's h lies just before layer l's, so
    /// the stacked product above reads `[h_{l−1}; h_l]` as one row (row stride layers·H across lanes).
    private var h: [Float], c: [Float]
    /// Scratch: gate pre-activations from the input side and (GRU) the hidden side, [lanes, G·H]; one layer's
    /// new c (LSTM) or h (GRU) for one lane, since the C cell rows never write in place.
    private var gates: [Float], recurrentGates: [Float], nextState: [Float]
    /// The two-thread path: per-half weights (nil when the network is too small, or RNN) and the helper thread
    /// (started on the first input).
    private let splitModel: OpaquePointer?
    private var pair: OpaquePointer?

    /// Whether `feed` may use the two-thread path (when there is one). Both paths compute the same step.
    public var allowsSplitSteps = true

    /// - Parameters:
    ///   - inputTable: an embedding matrix [rows, inputSize] whose rows `feed(row:)` and `feed(rows:)` take;
    ///     nil for a stepper fed with `feed(input:)` only.
    ///   - lanes: sequences stepped side by side (at least 1).
    public init(network: RecurrentNetwork, inputTable embedding: Tensor? = nil, lanes: Int = 1) throws(RecurrentError) {
        let configuration = network.configuration
        guard !configuration.bidirectional else { throw .stepNeedsUnidirectionalNetwork }
        self.network = network
        cell = configuration.cell
        layers = configuration.layers
        hidden = configuration.hiddenSize
        gateCount = cell.gateCount
        self.lanes = Swift.max(1, lanes)
        let H = hidden, GH = gateCount * H
        var inputWeights: [[Float]] = [], hiddenWeights: [[Float]] = []
        var inputBias: [[Float]] = [], hiddenBias: [[Float]] = []
        for (layer, direction) in network.directions.enumerated() {
            let wih = direction.weightIH.value.data, whh = direction.weightHH.value.data
            let bih = direction.biasIH.value.data, bhh = direction.biasHH.value.data
            if layer > 0 && cell.foldsRecurrentBias {
                // [W_ih | W_hh] row by row: the input x = h_{l−1} and h_l lie side by side in `h`, so one
                // product covers both.
                var stacked = [Float](repeating: 0, count: GH * 2 * H)
                for row in 0..<GH {
                    for k in 0..<H {
                        stacked[row * 2 * H + k] = wih[row * H + k]
                        stacked[row * 2 * H + H + k] = whh[row * H + k]
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
        if let embedding {
            // Table = embedding [rows, I] · W_ih_l0ᵀ [I, G·H] + bias row.
            precondition(embedding.rank == 2 && embedding.shape[1] == configuration.inputSize,
                         "the input table must be [rows, \(configuration.inputSize)], got \(embedding.shape)")
            let rows = embedding.shape[0], I = configuration.inputSize
            var table = [Float](repeating: 0, count: rows * GH)
            for row in 0..<rows { for k in 0..<GH { table[row * GH + k] = inputBias[0][k] } }
            embedding.data.withUnsafeBufferPointer { a in
            inputWeights[0].withUnsafeBufferPointer { b in
            table.withUnsafeMutableBufferPointer { t in
                BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: GH, k: I, a: a.baseAddress!, lda: I,
                           b: b.baseAddress!, ldb: I, beta: 1, c: t.baseAddress!, ldc: GH)
            }}}
            inputTable = table
            tableRows = rows
        } else {
            inputTable = []
            tableRows = 0
        }
        self.inputWeights = inputWeights
        self.hiddenWeights = hiddenWeights
        self.inputBias = inputBias
        self.hiddenBias = hiddenBias
        let B = self.lanes
        h = [Float](repeating: 0, count: B * layers * H)
        c = [Float](repeating: 0, count: cell.hasCellState ? B * layers * H : 0)
        gates = [Float](repeating: 0, count: B * GH)
        recurrentGates = [Float](repeating: 0, count: cell.foldsRecurrentBias ? 0 : B * GH)
        nextState = [Float](repeating: 0, count: H)
        splitModel = B == 1 ? Self.makeSplitModel(network) : nil
    }

    private init(sibling other: RecurrentStepper, splitting: Bool, lanes: Int) {
        network = other.network
        cell = other.cell
        (layers, hidden, gateCount) = (other.layers, other.hidden, other.gateCount)
        self.lanes = Swift.max(1, lanes)
        let B = self.lanes, GH = gateCount * hidden
        // Arrays are copy-on-write and never written after init: these share the other stepper's storage.
        inputTable = other.inputTable
        tableRows = other.tableRows
        inputWeights = other.inputWeights
        hiddenWeights = other.hiddenWeights
        inputBias = other.inputBias
        hiddenBias = other.hiddenBias
        h = [Float](repeating: 0, count: B * layers * hidden)
        c = [Float](repeating: 0, count: cell.hasCellState ? B * layers * hidden : 0)
        gates = [Float](repeating: 0, count: B * GH)
        recurrentGates = [Float](repeating: 0, count: cell.foldsRecurrentBias ? 0 : B * GH)
        nextState = [Float](repeating: 0, count: hidden)
        splitModel = splitting && B == 1 ? Self.makeSplitModel(other.network) : nil
    }

    deinit {
        loom_pair_destroy(pair)
        loom_split_model_destroy(splitModel)
    }

    /// A stepper at the zero state that shares this one's weights and table (read only, not copied).
    /// - Parameters:
    ///   - splitting: whether it may step on two threads (its own copy of the split weights and its own helper
    ///     thread; one lane only). Without, every step runs on the calling thread alone.
    ///   - lanes: sequences it steps side by side.
    public func makeSibling(splitting: Bool, lanes: Int = 1) -> RecurrentStepper {
        RecurrentStepper(sibling: self, splitting: splitting, lanes: lanes)
    }

    /// Whether steps can run on two threads (see the type's notes).
    public var splitsSteps: Bool { splitModel != nil }

    private static func makeSplitModel(_ network: RecurrentNetwork) -> OpaquePointer? {
        let configuration = network.configuration, parallelism = network.parallelism
        let H = configuration.hiddenSize, G = configuration.cell.gateCount
        guard let kind = configuration.cell.splitKind, parallelism.maximumSlices >= 2, H >= 2,
              G * H * H >= parallelism.singleSequenceSplitThreshold else { return nil }
        // Layer 0's input weights are folded into the table; the C side does not read them.
        let inputWeights = network.directions.enumerated().map { $0 == 0 ? [Float](repeating: 0, count: 1) : $1.weightIH.value.data }
        return withPointers(inputWeights) { wih in
            withPointers(network.directions.map(\.weightHH.value.data)) { whh in
                withPointers(network.directions.map(\.biasIH.value.data)) { bih in
                    withPointers(network.directions.map(\.biasHH.value.data)) { bhh in
                        loom_split_model_create(kind, Int32(configuration.layers), Int32(H), wih, whh, bih, bhh)
                    }
                }
            }
        }
    }

    /// The state after the inputs fed so far, every lane (`RecurrentNetwork`'s layout: per layer [lanes, H]);
    /// assign a saved copy to rewind.
    public var state: RecurrentState {
        get {
            RecurrentState(hidden: (0..<layers).map { layerState(h, layer: $0) },
                           cell: cell.hasCellState ? (0..<layers).map { layerState(c, layer: $0) } : nil)
        }
        set {
            for lane in 0..<lanes { setState(newValue, lane: lane, from: lane) }
        }
    }

    /// Sets lane `lane`'s state to lane `source` of `state` (per layer [batch, H], as `state` gives): so a
    /// prompt fed on a one-lane stepper can continue in one lane of a many-lane one.
    public func setState(_ state: RecurrentState, lane: Int, from source: Int = 0) {
        precondition(lane >= 0 && lane < lanes, "lane \(lane) outside 0..<\(lanes)")
        let H = hidden
        precondition(state.hidden.count == layers && state.hidden.allSatisfy { $0.count >= (source + 1) * H },
                     "state must hold \(layers) tensors of [batch, \(H)] with row \(source)")
        for (layer, tensor) in state.hidden.enumerated() {
            let at = (lane * layers + layer) * H
            h.replaceSubrange(at..<(at + H), with: tensor.data[(source * H)..<((source + 1) * H)])
        }
        if cell.hasCellState {
            let cells = state.cell ?? []
            precondition(cells.count == layers && cells.allSatisfy { $0.count >= (source + 1) * H },
                         "an LSTM state needs cell tensors")
            for (layer, tensor) in cells.enumerated() {
                let at = (lane * layers + layer) * H
                c.replaceSubrange(at..<(at + H), with: tensor.data[(source * H)..<((source + 1) * H)])
            }
        }
    }

    /// One layer of `values` ([lanes, layers, H]) as [lanes, H].
    private func layerState(_ values: [Float], layer: Int) -> Tensor {
        let H = hidden
        var data = [Float](repeating: 0, count: lanes * H)
        for lane in 0..<lanes {
            let at = (lane * layers + layer) * H
            data.replaceSubrange((lane * H)..<((lane + 1) * H), with: values[at..<(at + H)])
        }
        return Tensor(shape: [lanes, H], data: data)
    }

    /// Returns to the zero state.
    public func reset() {
        for i in h.indices { h[i] = 0 }
        for i in c.indices { c[i] = 0 }
    }

    /// Calls `body` with the top layer's hidden state after the last feed: lane 0's [H] at the pointer, lane b's
    /// `b × stride` floats further on.
    public func withTopHidden<R>(_ body: (_ top: UnsafePointer<Float>, _ stride: Int) -> R) -> R {
        h.withUnsafeBufferPointer { body($0.baseAddress! + (layers - 1) * hidden, layers * hidden) }
    }

    /// One step with input row `row` of the input table (must be below `tableRows`); one lane only.
    public func feed(row: Int) {
        precondition(lanes == 1, "feed(row:) steps one lane; this stepper has \(lanes)")
        precondition(row >= 0 && row < tableRows, "input row \(row) outside 0..<\(tableRows)")
        let GH = gateCount * hidden
        inputTable.withUnsafeBufferPointer { table in
            step(firstLayerInput: table.baseAddress! + row * GH)
        }
    }

    /// One step of every lane, lane b with input row `rows[b]` of the input table (each below `tableRows`).
    public func feed(rows: [Int]) {
        precondition(rows.count == lanes, "feed(rows:) needs one row per lane (\(lanes)), got \(rows.count)")
        if lanes == 1 { return feed(row: rows[0]) }
        let GH = gateCount * hidden
        inputTable.withUnsafeBufferPointer { table in
        gates.withUnsafeMutableBufferPointer { g in
            for (lane, row) in rows.enumerated() {
                precondition(row >= 0 && row < tableRows, "input row \(row) outside 0..<\(tableRows)")
                (g.baseAddress! + lane * GH).update(from: table.baseAddress! + row * GH, count: GH)
            }
        }}
        step(firstLayerInput: nil)
    }

    /// One step with input vector `x` [inputSize]: layer 0 computes `W_ih·x + bias` itself. One lane only.
    public func feed(input x: [Float]) {
        precondition(lanes == 1, "feed(input:) steps one lane; this stepper has \(lanes)")
        let I = network.configuration.inputSize, GH = gateCount * hidden
        precondition(x.count == I, "input must hold \(I) values, got \(x.count)")
        var projected = inputBias[0]
        projected.withUnsafeMutableBufferPointer { p in
        inputWeights[0].withUnsafeBufferPointer { w in
        x.withUnsafeBufferPointer { xs in
            BLAS.sgemv(transposeA: false, m: GH, n: I, a: w.baseAddress!, lda: I, x: xs.baseAddress!, beta: 1, y: p.baseAddress!)
        }}}
        projected.withUnsafeBufferPointer { step(firstLayerInput: $0.baseAddress!) }
    }

    /// Every layer once, every lane; `x0` is layer 0's input projection with its bias, [G·H] (one lane), or nil
    /// when `gates` already holds it for every lane, [lanes, G·H].
    private func step(firstLayerInput x0: UnsafePointer<Float>?) {
        let H = hidden, GH = gateCount * hidden, B = lanes, laneStride = layers * H
        if let x0, let splitModel, allowsSplitSteps {
            if pair == nil { pair = loom_pair_create() }
            if let pair {
                h.withUnsafeMutableBufferPointer { hBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    loom_pair_step(pair, splitModel, x0, hBuffer.baseAddress!, cell.hasCellState ? cBuffer.baseAddress : nil)
                }}
                return
            }
        }
        withScratch { hs, cs, g, r, next in
            for layer in 0..<layers {
                let hl = hs + layer * H  // lane 0's h of this layer; lane b's is b·laneStride further
                // Input side (with its bias) into g.
                if layer == 0 {
                    if let x0 { g.update(from: x0, count: GH) }
                } else {
                    let fused = cell.foldsRecurrentBias
                    inputBias[layer].withUnsafeBufferPointer { bias in
                        for lane in 0..<B { (g + lane * GH).update(from: bias.baseAddress!, count: GH) }
                    }
                    inputWeights[layer].withUnsafeBufferPointer { w in
                        Self.addProducts(lanes: B, outputs: GH, inputs: fused ? 2 * H : H, weights: w.baseAddress!,
                                         x: hl - H, xStride: laneStride, y: g)
                    }
                }
                // Hidden side (unless stacked above): added into g, or (GRU) kept apart in r.
                if layer == 0 || !cell.foldsRecurrentBias {
                    let target = cell.foldsRecurrentBias ? g : r
                    if !cell.foldsRecurrentBias {
                        hiddenBias[layer].withUnsafeBufferPointer { bias in
                            for lane in 0..<B { (target + lane * GH).update(from: bias.baseAddress!, count: GH) }
                        }
                    }
                    hiddenWeights[layer].withUnsafeBufferPointer { w in
                        Self.addProducts(lanes: B, outputs: GH, inputs: H, weights: w.baseAddress!, x: hl,
                                         xStride: laneStride, y: target)
                    }
                }
                // The cell, lane by lane: the same C rows as the batched and two-thread paths (loom_cells.h).
                for lane in 0..<B {
                    let hb = hl + lane * laneStride, gb = g + lane * GH
                    switch cell {
                    case .lstm:
                        let cl = cs + layer * H + lane * laneStride
                        loom_lstm_cell(Int32(H), gb, cl, hb, next)  // E1–E4
                        cl.update(from: next, count: H)
                    case .gru:
                        loom_gru_cell(Int32(H), gb, r + lane * GH, hb, next)   // E5–E8
                        hb.update(from: next, count: H)
                    case .rnn:
                        let relu = network.configuration.nonlinearity == .relu
                        for j in 0..<H { hb[j] = relu ? Swift.max(gb[j], 0) : FastMath.tanh(gb[j]) }  // E9
                    }
                }
            }
        }
    }

    /// y[lanes, outputs] += X·Wᵀ for W [outputs, inputs] and lane b's input row at `x + b·xStride`: a
    /// matrix–vector product for one lane, one matrix product over all lanes otherwise.
    public static func addProducts(lanes: Int, outputs: Int, inputs: Int, weights w: UnsafePointer<Float>,
                            x: UnsafePointer<Float>, xStride: Int, y: UnsafeMutablePointer<Float>) {
        if lanes == 1 {
            BLAS.sgemv(transposeA: false, m: outputs, n: inputs, a: w, lda: inputs, x: x, beta: 1, y: y)
        } else {
            BLAS.sgemm(transposeA: false, transposeB: true, m: lanes, n: outputs, k: inputs, a: x, lda: xStride,
                       b: w, ldb: inputs, beta: 1, c: y, ldc: outputs)
        }
    }

    /// The state and scratch buffers, as pointers (swift-collections' `_update { handle in }` pattern), so the
    /// step reads as the equations instead of a pyramid of closures.
    private func withScratch(_ body: (_ h: UnsafeMutablePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                                      _ gates: UnsafeMutablePointer<Float>, _ recurrent: UnsafeMutablePointer<Float>,
                                      _ next: UnsafeMutablePointer<Float>) -> Void) {
        h.withUnsafeMutableBufferPointer { hBuffer in
        c.withUnsafeMutableBufferPointer { cBuffer in
        gates.withUnsafeMutableBufferPointer { gBuffer in
        recurrentGates.withUnsafeMutableBufferPointer { rBuffer in
        nextState.withUnsafeMutableBufferPointer { nBuffer in
            // Empty arrays (no cell state, no separate hidden side) may have no storage: pass a stand-in
            // the cell never reads.
            let none = nBuffer.baseAddress!
            body(hBuffer.baseAddress!, cBuffer.baseAddress ?? none, gBuffer.baseAddress!, rBuffer.baseAddress ?? none, none)
        }}}}}
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
