import CRecurrentKernels
import LoomTensor

/// Forward-only evaluation of a trained `RecurrentNetwork` over token ids, for classifying text fast.
///
/// Training keeps every step's gates for backpropagation, which at inference only costs memory traffic;
/// this runs one step at a time in small per-slice buffers instead, with the batch split across cores and
/// the per-step products on OpenBLAS's small-matrix path (see `SmallProducts`). And because an embedding
/// followed by the first layer's input weights is linear, `precomputeInputProjections` can fold them into
/// one table row per token (`E·W_ihᵀ`, [vocabulary, gates·H] per direction), so the first layer's input
/// product becomes a row copy.
///
/// A single sequence (batch 1, the latency case) has nothing to split across cores but its hidden units: each
/// step then streams all of W_hh from one core's cache, which bounds it. For LSTM/GRU layers whose W_hh holds
/// at least `RecurrentParallelism.singleSequenceSplitThreshold` weights, the engine runs such a sequence on the
/// calling thread and one helper thread, each owning half of the units' gate columns (`loom_split.h`).
///
/// The engine copies the weights it needs (transposed) when it is made, and the tables when they are
/// built: make a new engine after the weights change. One call at a time per engine.
public final class RecurrentInference {
    public let network: RecurrentNetwork
    /// Per direction: W_ihᵀ [I, G·H] and W_hhᵀ [H, G·H], the layouts the small-matrix path wants.
    private let inputWeightsT: [FloatBuffer]
    private let recurrentWeightsT: [FloatBuffer]
    /// Per first-layer direction: [vocabulary, G·H].
    private var tables: [FloatBuffer] = []
    private var tableRows = 0
    private let layerInput = FloatBuffer()
    private let layerOutput = FloatBuffer()
    /// Per direction: its weights split in halves for the single-sequence path (nil when the direction does
    /// not qualify), the helper thread (started on first use) and the input projections of all steps of one
    /// sequence.
    private let splitModels: [OpaquePointer?]
    private var pair: OpaquePointer?
    private let sequenceProjections = FloatBuffer()

    public init(network: RecurrentNetwork) {
        func transposed(_ parameter: Parameter) -> FloatBuffer {
            let rows = parameter.value.shape[0], columns = parameter.value.shape[1]
            let buffer = FloatBuffer(count: rows * columns)
            parameter.value.data.withUnsafeBufferPointer {
                transpose($0.baseAddress!, rows: rows, columns: columns, into: buffer.pointer)
            }
            return buffer
        }
        self.network = network
        inputWeightsT = network.directions.map { transposed($0.weightIH) }
        recurrentWeightsT = network.directions.map { transposed($0.weightHH) }
        splitModels = Self.makeSplitModels(network)
    }

    /// An engine for another thread that shares this one's read-only weights and tables (no copy) and has
    /// its own scratch buffers and helper thread: concurrent callers each take one.
    public func makeSibling() -> RecurrentInference {
        RecurrentInference(sharing: self)
    }

    private init(sharing other: RecurrentInference) {
        network = other.network
        inputWeightsT = other.inputWeightsT
        recurrentWeightsT = other.recurrentWeightsT
        tables = other.tables
        tableRows = other.tableRows
        splitModels = Self.makeSplitModels(network)
    }

    /// Per direction, its weights split in halves for the single-sequence path, or nil where it does not qualify.
    private static func makeSplitModels(_ network: RecurrentNetwork) -> [OpaquePointer?] {
        let threshold = network.parallelism.singleSequenceSplitThreshold
        return network.directions.map { direction in
            let H = direction.hiddenSize
            guard let cell = direction.cell.splitKind else { return nil }
            guard network.parallelism.maximumSlices >= 2, H >= 2, H * direction.gateCount * H >= threshold else { return nil }
            // One layer: its input weights stay with the engine (tables or one product per sequence).
            return direction.weightHH.value.data.withUnsafeBufferPointer { whh in
            direction.biasIH.value.data.withUnsafeBufferPointer { bih in
            direction.biasHH.value.data.withUnsafeBufferPointer { bhh in
                // One-element arrays of layer pointers; W_ih (layer 0) is not read.
                let whh = [whh.baseAddress], bih = [bih.baseAddress], bhh = [bhh.baseAddress]
                return loom_split_model_create(cell, 1, Int32(H), whh, whh, bih, bhh)
            }}}
        }
    }

    deinit {
        loom_pair_destroy(pair)
        for model in splitModels { loom_split_model_destroy(model) }
    }

    /// Whether a single sequence runs with its hidden units split across two threads (see the type's notes).
    public var splitsSingleSequences: Bool { !splitModels.contains { $0 == nil } }

    /// Whether the first layer reads token rows from precomputed projection tables.
    public var hasInputProjections: Bool { !tables.isEmpty }

    /// Builds the per-token input projection tables from the embedding matrix [vocabulary, inputSize].
    public func precomputeInputProjections(embedding: Tensor) {
        let config = network.configuration
        precondition(embedding.rank == 2 && embedding.shape[1] == config.inputSize,
                     "embedding must be [V, \(config.inputSize)], got \(embedding.shape)")
        let V = embedding.shape[0], I = config.inputSize
        tables = (0..<config.directions).map { d in
            let GH = network.directions[d].gateCount * config.hiddenSize
            let table = FloatBuffer(count: V * GH)
            embedding.data.withUnsafeBufferPointer { e in
                BLAS.sgemm(transposeA: false, transposeB: false, m: V, n: GH, k: I, a: e.baseAddress!, lda: I,
                           b: inputWeightsT[d].pointer, ldb: GH, beta: 0, c: table.pointer, ldc: GH)
            }
            return table
        }
        tableRows = V
    }

    /// Top-layer outputs [T, B, H·directions] for time-major token ids (`tokens[t·B + b]`), each id a row of
    /// `embedding` [vocabulary, inputSize]. `mask` [T, B] marks real tokens (padded steps carry the state and
    /// output zeros), as in `RecurrentNetwork.forward`.
    public func outputs(tokens: [Int32], steps T: Int, batch B: Int, mask: Tensor?, embedding: Tensor) -> Tensor {
        let config = network.configuration
        let H = config.hiddenSize, D = config.directions, L = config.layers, HD = H * D
        precondition(tokens.count == T * B, "tokens must hold T·B = \(T * B) ids, got \(tokens.count)")
        if let mask { precondition(mask.shape == [T, B], "mask must be [\(T), \(B)], got \(mask.shape)") }
        let rows = hasInputProjections ? tableRows : embedding.shape[0]
        precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < rows }, "token id outside the embedding")
        guard T > 0 && B > 0 else { return Tensor.zeros([T, B, HD]) }
        layerOutput.reserve(T * B * HD)
        layerInput.reserve(T * B * HD)
        let maskData = mask?.data
        tokens.withUnsafeBufferPointer { tokens in
        embedding.data.withUnsafeBufferPointer { e in
            for layer in 0..<L {
                if layer > 0 { layerInput.copy(from: layerOutput.pointer, count: T * B * HD) }
                for d in 0..<D {
                    let index = layer * D + d
                    if B == 1, let model = splitModels[index], let pair = helperPair() {
                        runSplit(pair: pair, model: model, index: index, layer: layer, tokens: tokens.baseAddress!, embedding: e.baseAddress!,
                                 steps: T, mask: maskData, outputOffset: d * H, outputStride: HD)
                        continue
                    }
                    let job = StepJob(direction: network.directions[index], inputWeightsT: inputWeightsT[index].pointer,
                                      recurrentWeightsT: recurrentWeightsT[index].pointer,
                                      table: layer == 0 && hasInputProjections ? UnsafePointer(tables[d].pointer) : nil,
                                      embedding: layer == 0 ? e.baseAddress! : nil, tokens: tokens.baseAddress!,
                                      layerInput: UnsafePointer(layerInput.pointer), output: layerOutput.pointer,
                                      steps: T, batch: B, outputStride: HD, outputOffset: d * H)
                    withOptionalPointer(maskData) { maskPointer in
                        forEachBatchSlice(batch: B, parallelism: network.parallelism) { first, count in job.run(rows: first..<(first + count), mask: maskPointer) }
                    }
                }
            }
        }}
        return Tensor(shape: [T, B, HD], data: layerOutput.array(count: T * B * HD))
    }
}

extension RecurrentInference {
    /// The helper thread of the split path, started on first use; nil if it cannot be started.
    private func helperPair() -> OpaquePointer? {
        if pair == nil { pair = loom_pair_create() }
        return pair
    }

    /// One direction of one layer over a single sequence, its units split across the caller and the helper.
    private func runSplit(pair: OpaquePointer, model: OpaquePointer, index: Int, layer: Int, tokens: UnsafePointer<Int32>,
                          embedding: UnsafePointer<Float>, steps T: Int, mask: [Float]?, outputOffset: Int,
                          outputStride: Int) {
        let direction = network.directions[index]
        let H = direction.hiddenSize, I = direction.inputSize, GH = direction.gateCount * H
        // Input projections W_ih·x_t of every step: table rows, or one product over all steps.
        let rows: [UnsafePointer<Float>?]
        if layer == 0 && hasInputProjections {
            let table = UnsafePointer(tables[index].pointer)
            rows = (0..<T).map { table + Int(tokens[$0]) * GH }
        } else {
            sequenceProjections.reserve(T * GH + T * I)
            let projections = sequenceProjections.pointer, inputs = projections + T * GH
            if layer == 0 {
                for t in 0..<T { (inputs + t * I).update(from: embedding + Int(tokens[t]) * I, count: I) }
            } else {
                inputs.update(from: layerInput.pointer, count: T * I)
            }
            withSingleThreadedBLAS {
                BLAS.sgemm(transposeA: false, transposeB: false, m: T, n: GH, k: I, a: inputs, lda: I,
                           b: inputWeightsT[index].pointer, ldb: GH, beta: 0, c: projections, ldc: GH)
            }
            rows = (0..<T).map { UnsafePointer(projections + $0 * GH) }
        }
        rows.withUnsafeBufferPointer { rows in
        withOptionalPointer(mask) { mask in
            var job = loom_split_job()
            job.model = model
            job.steps = Int32(T)
            job.reverse = direction.reverse ? 1 : 0
            job.input_rows = rows.baseAddress
            job.mask = mask
            job.mask_stride = 1
            job.output = layerOutput.pointer + outputOffset
            job.output_stride = Int32(outputStride)
            loom_pair_run(pair, &job)
        }}
    }
}

/// One direction of one layer over a slice of the batch, with its own scratch memory.
private struct StepJob {
    let direction: RecurrentDirection
    let inputWeightsT: UnsafePointer<Float>
    let recurrentWeightsT: UnsafePointer<Float>
    /// First layer with projection tables: [vocabulary, G·H].
    let table: UnsafePointer<Float>?
    /// First layer without tables: the embedding [vocabulary, I].
    let embedding: UnsafePointer<Float>?
    let tokens: UnsafePointer<Int32>
    /// Upper layers: the previous layer's outputs [T, B, I].
    let layerInput: UnsafePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let steps: Int
    let batch: Int
    let outputStride: Int
    let outputOffset: Int

    func run(rows: Range<Int>, mask: UnsafePointer<Float>?) {
        let T = steps, B = batch, n = rows.count, first = rows.lowerBound
        let H = direction.hiddenSize, I = direction.inputSize, GH = direction.gateCount * H
        let cell = direction.cell
        // Scratch: gates, recurrent part (GRU), h_n (GRU), tanh c (LSTM), states (double-buffered), one input row
        // block, the bias row and the step output.
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * n * GH + 7 * n * H + n * I + GH)
        defer { scratch.deallocate() }
        scratch.initialize(repeating: 0, count: 2 * n * GH + 7 * n * H + n * I + GH)
        let g = scratch, rh = g + n * GH, hiddenN = rh + n * GH, tanhC = hiddenN + n * H
        var h = tanhC + n * H, nextH = h + n * H, c = nextH + n * H, nextC = c + n * H
        let x = nextC + n * H, bias = x + n * I, y = bias + GH

        direction.biasIH.value.data.withUnsafeBufferPointer { bih in
        direction.biasHH.value.data.withUnsafeBufferPointer { bhh in
            let bhh = bhh.baseAddress!
            for k in 0..<GH { bias[k] = cell.foldsRecurrentBias ? bih[k] + bhh[k] : bih[k] }
            for s in 0..<T {
                let t = direction.reverse ? T - 1 - s : s
                let firstRow = t * B + first
                // Input projection W_ih·x of this step, without bias (the kernels add it).
                if let table {
                    for b in 0..<n { (g + b * GH).update(from: table + Int(tokens[firstRow + b]) * GH, count: GH) }
                } else {
                    g.update(repeating: 0, count: n * GH)
                    if let embedding {
                        for b in 0..<n { (x + b * I).update(from: embedding + Int(tokens[firstRow + b]) * I, count: I) }
                        addProduct(m: n, n: GH, k: I, a: x, lda: I, b: inputWeightsT, ldb: GH, c: g, ldc: GH)
                    } else {
                        addProduct(m: n, n: GH, k: I, a: layerInput + firstRow * I, lda: I, b: inputWeightsT, ldb: GH,
                                   c: g, ldc: GH)
                    }
                }
                let m = mask.map { $0 + firstRow }
                switch cell {
                case .lstm:
                    addProduct(m: n, n: GH, k: H, a: h, lda: H, b: recurrentWeightsT, ldb: GH, c: g, ldc: GH)
                    lstmForwardStep(batch: n, hidden: H, gates: g, bias: bias, cPrev: c, hPrev: h, tanhC: tanhC,
                                    mask: m, h: nextH, c: nextC, output: y)
                    swap(&c, &nextC)
                case .gru:
                    for b in 0..<n { (rh + b * GH).update(from: bhh, count: GH) }
                    addProduct(m: n, n: GH, k: H, a: h, lda: H, b: recurrentWeightsT, ldb: GH, c: rh, ldc: GH)
                    gruForwardStep(batch: n, hidden: H, gates: g, bias: bias, recurrent: rh, hiddenN: hiddenN,
                                   hPrev: h, mask: m, h: nextH, output: y)
                case .rnn:
                    addProduct(m: n, n: GH, k: H, a: h, lda: H, b: recurrentWeightsT, ldb: GH, c: g, ldc: GH)
                    rnnForwardStep(batch: n, hidden: H, relu: direction.relu, gates: g, bias: bias, hPrev: h, mask: m,
                                   h: nextH, output: y)
                }
                swap(&h, &nextH)
                let out = output + firstRow * outputStride + outputOffset
                for b in 0..<n { (out + b * outputStride).update(from: y + b * H, count: H) }
            }
        }}
    }
}

/// Calls `body` with a pointer to the array's elements, or nil.
private func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}
