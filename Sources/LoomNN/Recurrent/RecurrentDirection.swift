import LoomTensor

/// One direction of one layer of a recurrent network: its four parameters, the caches of the last forward
/// pass, and back-propagation through time.
///
/// Forward over T steps and batch B (G gate blocks of H units):
///   1. one GEMM for every step's input projection:  Gx[T·B, G·H] = X[T·B, I] · W_ihᵀ  (bias added per step);
///   2. per step, in time order (or reversed): Gx[t] += h·W_hhᵀ (small blocked GEMMs on a transposed copy of
///      W_hh, see `addProduct`), then one fused element-wise pass (RecurrentKernels.swift).
/// Backward:
///   1. per step, from the last processed to the first: fused element-wise pass giving the gate gradients
///      dG[t], then dh_prev += dG[t]·W_hh (small blocked GEMMs);
///   2. over all steps at once: dX = dG·W_ih, and [dW_ih | dW_hh] += dGᵀ·[X | H_prev] as one GEMM for LSTM/RNN
///      (GRU's hidden-side gate gradients differ from its input-side ones, so it takes two).
/// Batch rows never interact, so both time loops run on slices of the batch in parallel (BatchSlices.swift).
///
/// Caches are indexed by time t (not by processing order), so the large GEMMs line up for both directions.
final class RecurrentDirection {
    let cell: CellKind
    let relu: Bool
    let inputSize: Int
    let hiddenSize: Int
    let gateCount: Int
    /// Processes t = T−1 … 0 when true.
    let reverse: Bool

    let weightIH: Parameter  // [G·H, I]
    let weightHH: Parameter  // [G·H, H]
    let biasIH: Parameter    // [G·H]
    let biasHH: Parameter    // [G·H]

    // Shape of the cached forward pass.
    private(set) var steps = 0
    private(set) var batch = 0

    // Forward caches, [T, B, ·] by time index.
    /// Gate activations: i,f,g,o (LSTM), r,z,n (GRU), h̃ (RNN).
    let gates = FloatBuffer()
    /// GRU: h_n = W_hn·h + b_hn.
    let hiddenN = FloatBuffer()
    /// State before each step.
    let hPrev = FloatBuffer()
    /// LSTM and RNN: [T·B, I + H] rows [x_t | h_{t−1}], so that backward gets dW_ih and dW_hh from one GEMM
    /// dGᵀ·[X | H_prev] (their gate gradients are the same matrix; one pass over it instead of two).
    let inputsAndStates = FloatBuffer()
    /// GRU: a copy of the input [T·B, I] for dW_ih (LSTM/RNN keep it in `inputsAndStates`).
    let inputCopy = FloatBuffer()
    private let weightGradient = FloatBuffer()
    /// LSTM: cell state before each step, and tanh of the cell state after it.
    let cPrev = FloatBuffer()
    let tanhC = FloatBuffer()
    /// Output of each step (zero at padded steps).
    let output = FloatBuffer()
    /// Running state [B, H]; after forward, the final state.
    let h = FloatBuffer()
    let c = FloatBuffer()

    // Scratch.
    private let recurrent = FloatBuffer()   // GRU per-step h·W_hhᵀ + b_hh, [B, 3H]
    private let biasRow = FloatBuffer()     // [G·H]
    private let recurrentWeightsT = FloatBuffer() // W_hhᵀ [H, G·H], refreshed by every forward

    // Backward buffers.
    /// Gate gradients for the input side (W_ih, b_ih) and, for GRU only, the hidden side (W_hh, b_hh), [T, B, G·H].
    let dInputGates = FloatBuffer()
    let dHiddenGates = FloatBuffer()
    /// Running state gradients [B, H]; after backward, the gradient w.r.t. the initial state.
    let dh = FloatBuffer()
    let dc = FloatBuffer()
    private let biasGradient = FloatBuffer()

    /// Parameters are named `<prefix>weight_ih_<suffix>` and so on (PyTorch's names: suffix `l0`, `l1_reverse`).
    init(cell: CellKind, nonlinearity: Nonlinearity, inputSize: Int, hiddenSize: Int, reverse: Bool, prefix: String = "",
         suffix: String) {
        self.cell = cell
        self.relu = cell == .rnn && nonlinearity == .relu
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.gateCount = cell.gateCount
        self.reverse = reverse
        let gh = gateCount * hiddenSize
        weightIH = Parameter(name: prefix + "weight_ih_\(suffix)", value: .zeros([gh, inputSize]))
        weightHH = Parameter(name: prefix + "weight_hh_\(suffix)", value: .zeros([gh, hiddenSize]))
        biasIH = Parameter(name: prefix + "bias_ih_\(suffix)", value: .zeros([gh]))
        biasHH = Parameter(name: prefix + "bias_hh_\(suffix)", value: .zeros([gh]))
    }

    var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    // MARK: Forward

    /// Runs the direction over `input` [T, B, I]. `mask` [T, B] or nil; `h0`, `c0` [B, H] or nil for zeros.
    /// The input is copied into the direction's caches, so the caller's buffer need not outlive the call.
    /// Leaves outputs in `output`, the final state in `h`/`c`, and the caches for `backward`.
    func forward(input: UnsafePointer<Float>, steps T: Int, batch B: Int, mask: UnsafePointer<Float>?,
                 h0: UnsafePointer<Float>?, c0: UnsafePointer<Float>?, parallelism: RecurrentParallelism) {
        let H = hiddenSize, I = inputSize, GH = gateCount * H
        steps = T
        batch = B
        let sharedGateGradients = cell.foldsRecurrentBias
        let XH = I + H
        if sharedGateGradients {
            inputsAndStates.reserve(T * B * XH)
            let xh = inputsAndStates.pointer
            for row in 0..<(T * B) { (xh + row * XH).update(from: input + row * I, count: I) }
        } else {
            inputCopy.reserve(T * B * I)
            inputCopy.copy(from: input, count: T * B * I)
        }
        gates.reserve(T * B * GH)
        hPrev.reserve(T * B * H)
        output.reserve(T * B * H)
        h.reserve(B * H)
        if let h0 { h.copy(from: h0, count: B * H) } else { h.fill(0, count: B * H) }
        if cell.hasCellState {
            cPrev.reserve(T * B * H)
            tanhC.reserve(T * B * H)
            c.reserve(B * H)
            if let c0 { c.copy(from: c0, count: B * H) } else { c.fill(0, count: B * H) }
        }
        if !cell.foldsRecurrentBias {
            hiddenN.reserve(T * B * H)
            recurrent.reserve(B * GH)
        }

        weightIH.value.data.withUnsafeBufferPointer { wih in
        weightHH.value.data.withUnsafeBufferPointer { whh in
        biasIH.value.data.withUnsafeBufferPointer { bih in
        biasHH.value.data.withUnsafeBufferPointer { bhh in
            let wih = wih.baseAddress!, whh = whh.baseAddress!, bih = bih.baseAddress!, bhh = bhh.baseAddress!
            // 1. Input projection for every step at once. The bias is added per step inside the gate kernels
            //    (b_ih + b_hh for LSTM/RNN; b_ih for GRU, whose b_hn must stay inside r ⊙ (W_hn h + b_hn)).
            let bias = UnsafePointer(fillBiasRow(bih, bhh, count: GH))
            let gx = gates.pointer
            BLAS.sgemm(transposeA: false, transposeB: true, m: T * B, n: GH, k: I, a: input, lda: I,
                       b: wih, ldb: I, beta: 0, c: gx, ldc: GH)

            // The per-step products run as C += A·B on W_hhᵀ [H, G·H] (see SmallProducts: no packing).
            recurrentWeightsT.reserve(GH * H)
            transpose(whh, rows: GH, columns: H, into: recurrentWeightsT.pointer)
            let whhT = UnsafePointer(recurrentWeightsT.pointer)

            // 2. The recurrence. Batch rows are independent, so each slice of rows runs the whole time loop on
            //    its own core (single-threaded BLAS inside), with no synchronisation between steps.
            let hPrevBase = hPrev.pointer, outputBase = output.pointer, hiddenNBase = hiddenN.pointer
            let cPrevBase = cPrev.pointer, tanhCBase = tanhC.pointer, recurrentBase = recurrent.pointer
            let stateBase = h.pointer, cellBase = c.pointer, xhBase = inputsAndStates.pointer
            let cell = self.cell, relu = self.relu, reverse = self.reverse
            forEachBatchSlice(batch: B, parallelism: parallelism) { r0, n in
                let state = stateBase + r0 * H, cellState = cellBase + r0 * H
                for s in 0..<T {
                    let t = reverse ? T - 1 - s : s
                    let row = t * B + r0                      // first row of this slice at time t
                    let hp = hPrevBase + row * H
                    hp.update(from: state, count: n * H)
                    if sharedGateGradients {
                        for b in 0..<n { (xhBase + (row + b) * XH + I).update(from: state + b * H, count: H) }
                    }
                    let g = gx + row * GH
                    let m = mask.map { $0 + row }
                    let y = outputBase + row * H
                    switch cell {
                    case .lstm:
                        let cp = cPrevBase + row * H
                        cp.update(from: cellState, count: n * H)
                        addProduct(m: n, n: GH, k: H, a: hp, lda: H, b: whhT, ldb: GH, c: g, ldc: GH)
                        lstmForwardStep(batch: n, hidden: H, gates: g, bias: bias, cPrev: cp, hPrev: hp, tanhC: tanhCBase + row * H,
                                        mask: m, h: state, c: cellState, output: y)
                    case .gru:
                        let rh = recurrentBase + r0 * GH
                        for b in 0..<n { (rh + b * GH).update(from: bhh, count: GH) }
                        addProduct(m: n, n: GH, k: H, a: hp, lda: H, b: whhT, ldb: GH, c: rh, ldc: GH)
                        gruForwardStep(batch: n, hidden: H, gates: g, bias: bias, recurrent: rh, hiddenN: hiddenNBase + row * H,
                                       hPrev: hp, mask: m, h: state, output: y)
                    case .rnn:
                        addProduct(m: n, n: GH, k: H, a: hp, lda: H, b: whhT, ldb: GH, c: g, ldc: GH)
                        rnnForwardStep(batch: n, hidden: H, relu: relu, gates: g, bias: bias, hPrev: hp, mask: m, h: state, output: y)
                    }
                }
            }
        }}}}
    }

    /// The bias the gate kernels add: b_ih + b_hh (LSTM, RNN) or b_ih (GRU), in `biasRow`.
    private func fillBiasRow(_ bih: UnsafePointer<Float>, _ bhh: UnsafePointer<Float>, count: Int) -> UnsafeMutablePointer<Float> {
        biasRow.reserve(count)
        let bias = biasRow.pointer
        if !cell.foldsRecurrentBias {
            bias.update(from: bih, count: count)
        } else {
            for k in 0..<count { bias[k] = bih[k] + bhh[k] }
        }
        return bias
    }

    // MARK: Backward

    /// Back-propagates through the cached forward pass.
    /// - mask: the same mask forward read.
    /// - dOutput: [T, B, H] gradient w.r.t. `output`, or nil. dhFinal, dcFinal: [B, H] gradient w.r.t. the final state, or nil.
    /// - dInput: [T, B, I] receives the gradient w.r.t. the input, overwritten or added to (`accumulate`).
    /// Parameter gradients are added into each `Parameter.grad`; `dh`/`dc` end as the initial-state gradient.
    func backward(mask: UnsafePointer<Float>?, dOutput: UnsafePointer<Float>?,
                  dhFinal: UnsafePointer<Float>?, dcFinal: UnsafePointer<Float>?,
                  dInput: UnsafeMutablePointer<Float>, accumulate: Bool, parallelism: RecurrentParallelism,
                  parameterGradients: Bool = true) {
        let T = steps, B = batch, H = hiddenSize, I = inputSize, GH = gateCount * H
        dInputGates.reserve(T * B * GH)
        if !cell.foldsRecurrentBias { dHiddenGates.reserve(T * B * GH) }
        dh.reserve(B * H)
        if let dhFinal { dh.copy(from: dhFinal, count: B * H) } else { dh.fill(0, count: B * H) }
        if cell.hasCellState {
            dc.reserve(B * H)
            if let dcFinal { dc.copy(from: dcFinal, count: B * H) } else { dc.fill(0, count: B * H) }
        }
        // For LSTM and RNN the hidden-side gate gradients equal the input-side ones.
        let dgx = dInputGates.pointer
        let dgh = cell.foldsRecurrentBias ? dgx : dHiddenGates.pointer

        weightIH.value.data.withUnsafeBufferPointer { wih in
        weightHH.value.data.withUnsafeBufferPointer { whh in
            let wih = wih.baseAddress!, whh = whh.baseAddress!
            // 1. Through time, last processed step first; batch slices in parallel as in forward.
            let gatesBase = gates.pointer, hiddenNBase = hiddenN.pointer, hPrevBase = hPrev.pointer
            let cPrevBase = cPrev.pointer, tanhCBase = tanhC.pointer, dhBase = dh.pointer, dcBase = dc.pointer
            let cell = self.cell, relu = self.relu, reverse = self.reverse
            forEachBatchSlice(batch: B, parallelism: parallelism) { r0, n in
                let dhSlice = dhBase + r0 * H, dcSlice = dcBase + r0 * H
                for s in (0..<T).reversed() {
                    let t = reverse ? T - 1 - s : s
                    let row = t * B + r0
                    let m = mask.map { $0 + row }
                    let dy = dOutput.map { $0 + row * H }
                    let g = gatesBase + row * GH
                    switch cell {
                    case .lstm:
                        lstmBackwardStep(batch: n, hidden: H, gates: g, cPrev: cPrevBase + row * H,
                                         tanhC: tanhCBase + row * H, mask: m, dOutput: dy,
                                         dh: dhSlice, dc: dcSlice, dGates: dgx + row * GH)
                    case .gru:
                        gruBackwardStep(batch: n, hidden: H, gates: g, hiddenN: hiddenNBase + row * H,
                                        hPrev: hPrevBase + row * H, mask: m, dOutput: dy, dh: dhSlice,
                                        dInputGates: dgx + row * GH, dHiddenGates: dgh + row * GH)
                    case .rnn:
                        rnnBackwardStep(batch: n, hidden: H, relu: relu, gates: g, mask: m, dOutput: dy,
                                        dh: dhSlice, dGates: dgx + row * GH)
                    }
                    // dh_prev += dG_h[t] · W_hh
                    addProduct(m: n, n: H, k: GH, a: dgh + row * GH, lda: GH, b: whh, ldb: H, c: dhSlice, ldc: H)
                }
            }
            // 2. Gradient w.r.t. the input, all steps at once: dX = dG_x · W_ih.
            BLAS.sgemm(transposeA: false, transposeB: false, m: T * B, n: I, k: GH, a: dgx, lda: GH,
                       b: wih, ldb: I, beta: accumulate ? 1 : 0, c: dInput, ldc: I)
        }}

        // 3. Weight and bias gradients, all steps at once (skipped when only the input gradient is wanted).
        guard parameterGradients else { return }
        if !cell.foldsRecurrentBias {
            weightIH.grad.data.withUnsafeMutableBufferPointer { g in
                BLAS.sgemm(transposeA: true, transposeB: false, m: GH, n: I, k: T * B, a: dgx, lda: GH,
                           b: inputCopy.pointer, ldb: I, beta: 1, c: g.baseAddress!, ldc: I)
            }
            weightHH.grad.data.withUnsafeMutableBufferPointer { g in
                BLAS.sgemm(transposeA: true, transposeB: false, m: GH, n: H, k: T * B, a: dgh, lda: GH,
                           b: hPrev.pointer, ldb: H, beta: 1, c: g.baseAddress!, ldc: H)
            }
        } else {
            // [dW_ih | dW_hh] = dGᵀ · [X | H_prev] in one product, then split.
            let XH = I + H
            weightGradient.reserve(GH * XH)
            let w = weightGradient.pointer
            BLAS.sgemm(transposeA: true, transposeB: false, m: GH, n: XH, k: T * B, a: dgx, lda: GH,
                       b: inputsAndStates.pointer, ldb: XH, beta: 0, c: w, ldc: XH)
            weightIH.grad.data.withUnsafeMutableBufferPointer { g in
                for r in 0..<GH { for k in 0..<I { g[r * I + k] += w[r * XH + k] } }
            }
            weightHH.grad.data.withUnsafeMutableBufferPointer { g in
                for r in 0..<GH { for k in 0..<H { g[r * H + k] += w[r * XH + I + k] } }
            }
        }
        // Bias gradients are column sums of the gate gradients (one pass each; LSTM/RNN share one sum).
        biasGradient.reserve(GH)
        columnSums(dgx, rows: T * B, columns: GH, into: biasGradient.pointer)
        biasIH.grad.data.withUnsafeMutableBufferPointer { g in
            for k in 0..<GH { g[k] += biasGradient.pointer[k] }
        }
        if !cell.foldsRecurrentBias {
            columnSums(dgh, rows: T * B, columns: GH, into: biasGradient.pointer)
        }
        biasHH.grad.data.withUnsafeMutableBufferPointer { g in
            for k in 0..<GH { g[k] += biasGradient.pointer[k] }
        }
    }
}

/// sums[k] = Σ_rows matrix[row, k].
private func columnSums(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    sums.update(repeating: 0, count: columns)
    for row in 0..<rows {
        let r = matrix + row * columns
        for k in 0..<columns { sums[k] += r[k] }
    }
}

/// c[rows, outputs] = beta·c + a[rows, inputs] · weightsᵀ, weights [outputs, inputs] (PyTorch layout).
/// One row (batch 1: sampling, single reviews) is a matrix–vector product, which OpenBLAS runs without packing.
@inline(__always)
func addRowsTimesTransposed(rows: Int, outputs: Int, inputs: Int, a: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                            beta: Float, c: UnsafeMutablePointer<Float>) {
    if rows == 1 {
        BLAS.sgemv(transposeA: false, m: outputs, n: inputs, a: weights, lda: inputs, x: a, beta: beta, y: c)
    } else {
        BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs, a: a, lda: inputs,
                   b: weights, ldb: inputs, beta: beta, c: c, ldc: outputs)
    }
}
