import LoomTensor

/// Forward-only evaluation of a trained `RecurrentNetwork` over token ids, for classifying text fast.
///
/// Training keeps every step's gates for backpropagation, which at inference only costs memory
/// traffic; this runs one step at a time in small reusable buffers instead. And because an embedding
/// followed by the first layer's input weights is linear, `precomputeInputProjections` can fold them into
/// one table row per token (`E·W_ihᵀ`, [vocabulary, gates·H] per direction), so the first layer's input
/// product becomes a row copy. The table reflects the weights when it was built: rebuild it after the
/// weights change.
public final class RecurrentInference {
    public let network: RecurrentNetwork
    /// Per first-layer direction: [vocabulary, G·H].
    private var tables: [FloatBuffer] = []
    private var tableRows = 0

    // Scratch, grown on demand and reused across calls.
    private let gates = FloatBuffer()
    private let recurrent = FloatBuffer()
    private let hiddenN = FloatBuffer()
    private let tanhC = FloatBuffer()
    private let state = (h: FloatBuffer(), c: FloatBuffer(), nextH: FloatBuffer(), nextC: FloatBuffer())
    private let stepOutput = FloatBuffer()
    private let embedded = FloatBuffer()
    private let bias = FloatBuffer()
    private let layerInput = FloatBuffer()
    private let layerOutput = FloatBuffer()

    public init(network: RecurrentNetwork) {
        self.network = network
    }

    /// Whether the first layer reads token rows from precomputed projection tables.
    public var hasInputProjections: Bool { !tables.isEmpty }

    /// Builds the per-token input projection tables from the embedding matrix [vocabulary, inputSize].
    public func precomputeInputProjections(embedding: Tensor) {
        let config = network.configuration
        precondition(embedding.rank == 2 && embedding.shape[1] == config.inputSize,
                     "embedding must be [V, \(config.inputSize)], got \(embedding.shape)")
        let V = embedding.shape[0]
        tables = (0..<config.directions).map { d in
            let direction = network.directions[d]
            let GH = direction.gateCount * direction.hiddenSize
            let table = FloatBuffer(count: V * GH)
            embedding.data.withUnsafeBufferPointer { e in
                direction.weightIH.value.data.withUnsafeBufferPointer { w in
                    BLAS.sgemm(transposeA: false, transposeB: true, m: V, n: GH, k: config.inputSize,
                               a: e.baseAddress!, lda: config.inputSize, b: w.baseAddress!, ldb: config.inputSize,
                               beta: 0, c: table.pointer, ldc: GH)
                }
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
        if hasInputProjections {
            precondition(tokens.allSatisfy { $0 >= 0 && Int($0) < tableRows }, "token id outside the projection table")
        }
        guard T > 0 && B > 0 else { return Tensor.zeros([T, B, HD]) }
        layerOutput.reserve(T * B * HD)
        layerInput.reserve(T * B * HD)
        mask.map { $0.data }.withOptionalBuffer { maskPointer in
        embedding.data.withUnsafeBufferPointer { e in
            for layer in 0..<L {
                if layer > 0 { layerInput.copy(from: layerOutput.pointer, count: T * B * HD) }
                for d in 0..<D {
                    let direction = network.directions[layer * D + d]
                    run(direction, layer: layer, tableIndex: d, tokens: tokens, embedding: e.baseAddress!,
                        steps: T, batch: B, mask: maskPointer, outputStride: HD, outputOffset: d * H)
                }
            }
        }}
        return Tensor(shape: [T, B, HD], data: layerOutput.array(count: T * B * HD))
    }

    /// Runs one direction of one layer, writing its outputs into `layerOutput` at column `outputOffset`.
    private func run(_ direction: RecurrentDirection, layer: Int, tableIndex: Int, tokens: [Int32],
                     embedding: UnsafePointer<Float>, steps T: Int, batch B: Int, mask: UnsafePointer<Float>?,
                     outputStride HD: Int, outputOffset: Int) {
        let H = direction.hiddenSize, I = direction.inputSize, GH = direction.gateCount * H
        let cell = direction.cell
        gates.reserve(B * GH)
        recurrent.reserve(B * GH)
        hiddenN.reserve(B * H)
        tanhC.reserve(B * H)
        stepOutput.reserve(B * H)
        embedded.reserve(B * I)
        bias.reserve(GH)
        for buffer in [state.h, state.c, state.nextH, state.nextC] {
            buffer.reserve(B * H)
            buffer.fill(0, count: B * H)
        }
        var h = state.h.pointer, c = state.c.pointer, nextH = state.nextH.pointer, nextC = state.nextC.pointer
        let table = layer == 0 && hasInputProjections ? tables[tableIndex].pointer : nil

        direction.weightIH.value.data.withUnsafeBufferPointer { wih in
        direction.weightHH.value.data.withUnsafeBufferPointer { whh in
        direction.biasIH.value.data.withUnsafeBufferPointer { bih in
        direction.biasHH.value.data.withUnsafeBufferPointer { bhh in
            let wih = wih.baseAddress!, whh = whh.baseAddress!, bhh = bhh.baseAddress!
            for k in 0..<GH { bias.pointer[k] = cell == .gru ? bih[k] : bih[k] + bhh[k] }
            let g = gates.pointer, y = stepOutput.pointer
            for s in 0..<T {
                let t = direction.reverse ? T - 1 - s : s
                // Input projection W_ih·x for this step, without bias (the kernels add it).
                if let table {
                    for b in 0..<B { (g + b * GH).update(from: table + Int(tokens[t * B + b]) * GH, count: GH) }
                } else {
                    let x: UnsafePointer<Float>
                    if layer == 0 {
                        for b in 0..<B {
                            (embedded.pointer + b * I).update(from: embedding + Int(tokens[t * B + b]) * I, count: I)
                        }
                        x = UnsafePointer(embedded.pointer)
                    } else {
                        x = UnsafePointer(layerInput.pointer + t * B * HD)
                    }
                    multiply(x, rows: B, weights: wih, outputs: GH, inputs: I, into: g, accumulate: false)
                }
                let m = mask.map { $0 + t * B }
                switch cell {
                case .lstm:
                    multiply(h, rows: B, weights: whh, outputs: GH, inputs: H, into: g, accumulate: true)
                    lstmForwardStep(batch: B, hidden: H, gates: g, bias: bias.pointer, cPrev: c, hPrev: h,
                                    tanhC: tanhC.pointer, mask: m, h: nextH, c: nextC, output: y)
                    swap(&c, &nextC)
                case .gru:
                    let rh = recurrent.pointer
                    for b in 0..<B { (rh + b * GH).update(from: bhh, count: GH) }
                    multiply(h, rows: B, weights: whh, outputs: GH, inputs: H, into: rh, accumulate: true)
                    gruForwardStep(batch: B, hidden: H, gates: g, bias: bias.pointer, recurrent: rh,
                                   hiddenN: hiddenN.pointer, hPrev: h, mask: m, h: nextH, output: y)
                case .rnn:
                    multiply(h, rows: B, weights: whh, outputs: GH, inputs: H, into: g, accumulate: true)
                    rnnForwardStep(batch: B, hidden: H, relu: direction.relu, gates: g, bias: bias.pointer, hPrev: h,
                                   mask: m, h: nextH, output: y)
                }
                swap(&h, &nextH)
                let out = layerOutput.pointer + t * B * HD + outputOffset
                for b in 0..<B { (out + b * HD).update(from: y + b * H, count: H) }
            }
        }}}}
    }

    /// `out[rows, outputs] (+)= x[rows, inputs] · Wᵀ` with W [outputs, inputs]; a matrix-vector product for one row.
    @inline(__always)
    private func multiply(_ x: UnsafePointer<Float>, rows: Int, weights: UnsafePointer<Float>, outputs: Int, inputs: Int,
                          into out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if rows == 1 {
            BLAS.sgemv(transposeA: false, m: outputs, n: inputs, a: weights, lda: inputs, x: x, beta: accumulate ? 1 : 0, y: out)
        } else {
            BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs, a: x, lda: inputs,
                       b: weights, ldb: inputs, beta: accumulate ? 1 : 0, c: out, ldc: outputs)
        }
    }
}

private extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the array's elements, or nil.
    func withOptionalBuffer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let array = self else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
