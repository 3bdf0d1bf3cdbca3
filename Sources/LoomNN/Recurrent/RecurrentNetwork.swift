import LoomTensor

/// A stack of recurrent layers (SimpleRNN, LSTM or GRU), optionally bidirectional, with explicit
/// forward and back-propagation through time. Parameter names, layouts and the forward formulation follow
/// PyTorch's `nn.RNN` / `nn.LSTM` / `nn.GRU` (time-major input, `h_n` ordering, `_reverse` suffixes), so
/// weights move between the two unchanged.
///
/// Layer l reads the concatenated outputs of layer l−1 (forward half first, then reverse), after
/// inter-layer dropout in training. Each direction is a `RecurrentDirection`; this class wires them
/// together, applies dropout, and splits and joins gradients.
public final class RecurrentNetwork {
    public let configuration: RecurrentConfiguration
    /// How the time loops split the batch across cores; results do not depend on it beyond float rounding.
    public var parallelism = RecurrentParallelism()

    /// Directions in PyTorch's order: l0, l0_reverse, l1, l1_reverse, …
    let directions: [RecurrentDirection]

    /// Gradient w.r.t. the `initialState` of the last forward call, filled in by `backward`.
    /// (Zero initial states get a gradient too.) `cell` is set for LSTMs only.
    public private(set) var lastInitialStateGradient: RecurrentState?

    // Cache of the last forward pass.
    private var steps = 0
    private var batch = 0
    private var hasForward = false
    private var mask: FloatBuffer?
    /// Input of layers 1…L−1, [T, B, H·D]: the previous layer's (dropped-out) output. Entry 0 is unused
    /// (layer 0 reads x in place during forward).
    private var layerInputs: [FloatBuffer]
    /// Dropout keep-masks already scaled by 1/(1−p), for the input of layers 1…L−1; nil when not applied.
    private var dropoutMasks: [FloatBuffer?]
    // Backward scratch.
    private var layerInputGradients: [FloatBuffer]
    private let directionOutputGradient = FloatBuffer()
    private let finalScratch = FloatBuffer()

    /// All parameters in PyTorch's `named_parameters()` order, named `<name>.weight_ih_l0` and so on (without
    /// the prefix when the network was made with no name).
    public var parameters: [Parameter] { directions.flatMap { $0.parameters } }

    /// - Parameter name: the module name its parameters carry, as in PyTorch's `state_dict` (`"lstm"` gives
    ///   `lstm.weight_ih_l0`); empty for bare names.
    public init(_ configuration: RecurrentConfiguration, initialization: Initialization = .pytorch, name: String = "",
                rng: inout SeededGenerator) {
        precondition(configuration.inputSize > 0 && configuration.hiddenSize > 0 && configuration.layers > 0,
                     "recurrent network needs positive sizes and at least one layer: \(configuration)")
        precondition(configuration.interLayerDropout >= 0 && configuration.interLayerDropout < 1,
                     "interLayerDropout must be in [0, 1)")
        self.configuration = configuration
        var directions: [RecurrentDirection] = []
        for layer in 0..<configuration.layers {
            let input = layer == 0 ? configuration.inputSize : configuration.outputSize
            for direction in 0..<configuration.directions {
                directions.append(RecurrentDirection(
                    cell: configuration.cell, nonlinearity: configuration.nonlinearity, inputSize: input,
                    hiddenSize: configuration.hiddenSize, reverse: direction == 1,
                    prefix: name.isEmpty ? "" : name + ".", suffix: "l\(layer)" + (direction == 1 ? "_reverse" : "")))
            }
        }
        self.directions = directions
        layerInputs = (0..<configuration.layers).map { _ in FloatBuffer() }
        layerInputGradients = (0..<configuration.layers).map { _ in FloatBuffer() }
        dropoutMasks = Array(repeating: nil, count: configuration.layers)
        initialize(initialization, rng: &rng)
    }

    /// Draws every parameter again.
    public func initialize(_ initialization: Initialization, rng: inout SeededGenerator) {
        let H = configuration.hiddenSize
        for direction in directions {
            switch initialization {
            case .pytorch:
                let bound = 1 / Float(H).squareRoot()
                for parameter in direction.parameters {
                    for k in 0..<parameter.value.count { parameter.value.data[k] = rng.nextUniform(-bound, bound) }
                }
            case .keras:
                let gh = direction.gateCount * H, input = direction.inputSize
                let limit = (6 / Float(input + gh)).squareRoot()
                for k in 0..<direction.weightIH.value.count {
                    direction.weightIH.value.data[k] = rng.nextUniform(-limit, limit)
                }
                direction.weightHH.value = orthogonalColumns(rows: gh, columns: H, rng: &rng)
                direction.biasIH.value.zero()
                direction.biasHH.value.zero()
                if configuration.cell.hasCellState {
                    for k in H..<(2 * H) { direction.biasIH.value.data[k] = 1 }
                }
            }
        }
    }

    /// Zero hidden (and cell) state for a batch.
    public func zeroState(batch: Int) -> RecurrentState {
        let count = configuration.layers * configuration.directions
        let zeros = Array(repeating: Tensor.zeros([batch, configuration.hiddenSize]), count: count)
        return RecurrentState(hidden: zeros, cell: configuration.cell.hasCellState ? zeros : nil)
    }

    // MARK: Forward

    /// Runs the network over a time-major batch.
    /// - x: [T, B, inputSize]. mask: [T, B], 1 for real steps and 0 for padding; padded steps carry the state
    ///   through unchanged and output zeros. initialState: nil for zeros.
    /// - Returns: output [T, B, H·directions] and the final state (after each sequence's last real step; for
    ///   the reverse direction, after step 0).
    public func forward(_ x: Tensor, mask: Tensor? = nil, initialState: RecurrentState? = nil, training: Bool = false,
                        rng: inout SeededGenerator) -> (output: Tensor, final: RecurrentState) {
        let config = configuration
        precondition(x.rank == 3 && x.shape[2] == config.inputSize,
                     "input must be [T, B, \(config.inputSize)], got \(x.shape)")
        let T = x.shape[0], B = x.shape[1], H = config.hiddenSize, D = config.directions, L = config.layers
        let HD = H * D
        steps = T
        batch = B
        if let mask { precondition(mask.shape == [T, B], "mask must be [T, B] = [\(T), \(B)], got \(mask.shape)") }
        if let initialState { checkState(initialState, batch: B, what: "initialState") }
        if T == 0 || B == 0 {
            // Nothing to run: empty output, the state passes through.
            hasForward = true
            return (Tensor.zeros([T, B, HD]), initialState ?? zeroState(batch: B))
        }
        if let mask {
            let buffer = self.mask ?? FloatBuffer()
            buffer.reserve(T * B)
            mask.data.withUnsafeBufferPointer { buffer.copy(from: $0.baseAddress!, count: T * B) }
            self.mask = buffer
        } else {
            self.mask = nil
        }
        let maskPointer = self.mask.map { UnsafePointer($0.pointer) }


        var finalHidden: [Tensor] = []
        var finalCell: [Tensor] = []
        x.data.withUnsafeBufferPointer { xBuffer in
            for layer in 0..<L {
                // Layer 0 reads x in place (each direction copies what its backward needs); higher layers read the
                // concatenated, dropped-out outputs of the layer below.
                let input = layer == 0 ? xBuffer.baseAddress! : UnsafePointer(layerInputs[layer].pointer)
                // The layer's concatenated output goes straight into the next layer's input buffer (or `output`).
                let isLast = layer == L - 1
                if !isLast { layerInputs[layer + 1].reserve(T * B * HD) }
                for d in 0..<D {
                    let direction = directions[layer * D + d]
                    let index = layer * D + d
                    withOptionalPointer(initialState?.hidden[index]) { h0 in
                    withOptionalPointer(initialState?.cell?[index]) { c0 in
                        direction.forward(input: input, steps: T, batch: B, mask: maskPointer, h0: h0, c0: c0,
                                          parallelism: parallelism)
                    }}
                    finalHidden.append(Tensor(shape: [B, H], data: direction.h.array(count: B * H)))
                    if config.cell.hasCellState { finalCell.append(Tensor(shape: [B, H], data: direction.c.array(count: B * H))) }
                    if !isLast {
                        scatter(direction.output.pointer, into: layerInputs[layer + 1].pointer, rows: T * B, width: H,
                                offset: d * H, stride: HD)
                    }
                }
                if !isLast {
                    dropoutMasks[layer + 1] = nil
                    if training && config.interLayerDropout > 0 {
                        let count = T * B * HD
                        let keepMask = dropoutMasks[layer + 1] ?? FloatBuffer()
                        keepMask.reserve(count)
                        let p = config.interLayerDropout, scale = 1 / (1 - p)
                        let k = keepMask.pointer, next = layerInputs[layer + 1].pointer
                        for i in 0..<count {
                            k[i] = rng.nextUniform() < p ? 0 : scale
                            next[i] *= k[i]
                        }
                        dropoutMasks[layer + 1] = keepMask
                    }
                }
            }
        }
        // The top layer's directions, concatenated.
        let output = [Float](unsafeUninitializedCapacity: T * B * HD) { buffer, initialized in
            for d in 0..<D {
                scatter(directions[(L - 1) * D + d].output.pointer, into: buffer.baseAddress!, rows: T * B, width: H,
                        offset: d * H, stride: HD)
            }
            initialized = T * B * HD
        }
        hasForward = true
        let final = RecurrentState(hidden: finalHidden, cell: config.cell.hasCellState ? finalCell : nil)
        return (Tensor(shape: [T, B, HD], data: output), final)
    }

    // MARK: Backward

    /// Back-propagates through the last `forward` call.
    /// - gradOutput: [T, B, H·directions] or nil. gradFinal: same layout as the returned final state, or nil
    ///   (entries enter BPTT at the last processed step exactly like an output gradient, so reading only the
    ///   last state costs no more than reading every step).
    /// - Returns: gradient w.r.t. x, [T, B, inputSize]. Parameter gradients are added (+=) into `Parameter.grad`
    ///   unless `parameterGradients` is false (attribution methods want only the input gradient, and the
    ///   weight products are a third of the work); the gradient w.r.t. the initial state is left in
    ///   `lastInitialStateGradient`.
    public func backward(gradOutput: Tensor?, gradFinal: RecurrentState?, parameterGradients: Bool = true) -> Tensor {
        precondition(hasForward, "backward called before forward")
        let config = configuration
        let T = steps, B = batch, H = config.hiddenSize, D = config.directions, L = config.layers, HD = H * D
        if let gradOutput {
            precondition(gradOutput.shape == [T, B, HD], "gradOutput must be [\(T), \(B), \(HD)], got \(gradOutput.shape)")
        }
        if let gradFinal { checkState(gradFinal, batch: B, what: "gradFinal") }
        let maskPointer = mask.map { UnsafePointer($0.pointer) }
        var initialHidden = Array(repeating: Tensor.zeros([B, H]), count: L * D)
        var initialCell = config.cell.hasCellState ? initialHidden : []
        if T == 0 || B == 0 {
            lastInitialStateGradient = gradFinal ?? zeroState(batch: B)
            return Tensor.zeros([T, B, config.inputSize])
        }

        // Gradient w.r.t. the current layer's output, [T, B, HD]; for the top layer it comes from the caller.
        var inputGradient = [Float](repeating: 0, count: T * B * config.inputSize)
        inputGradient.withUnsafeMutableBufferPointer { resultBuffer in
        let result = resultBuffer.baseAddress!
        withOptionalPointer(gradOutput) { top in
        var layerOutputGradient = top
        for layer in (0..<L).reversed() {
            let inputWidth = layer == 0 ? config.inputSize : HD
            let dInput: UnsafeMutablePointer<Float>
            if layer == 0 {
                dInput = result
            } else {
                layerInputGradients[layer].reserve(T * B * inputWidth)
                dInput = layerInputGradients[layer].pointer
            }
            for d in 0..<D {
                let index = layer * D + d
                let direction = directions[index]
                // This direction's slice of the output gradient, made contiguous.
                var dOutput: UnsafePointer<Float>? = nil
                if let full = layerOutputGradient {
                    if D == 1 {
                        dOutput = full
                    } else {
                        directionOutputGradient.reserve(T * B * H)
                        gather(full, into: directionOutputGradient.pointer, rows: T * B, width: H, offset: d * H, stride: HD)
                        dOutput = UnsafePointer(directionOutputGradient.pointer)
                    }
                }
                withOptionalPointer(gradFinal?.hidden[index]) { dhFinal in
                withOptionalPointer(gradFinal?.cell?[index]) { dcFinal in
                    direction.backward(mask: maskPointer, dOutput: dOutput,
                                       dhFinal: dhFinal, dcFinal: dcFinal, dInput: dInput, accumulate: d > 0, parallelism: parallelism,
                                       parameterGradients: parameterGradients)
                }}
                initialHidden[index] = Tensor(shape: [B, H], data: direction.dh.array(count: B * H))
                if config.cell.hasCellState { initialCell[index] = Tensor(shape: [B, H], data: direction.dc.array(count: B * H)) }
            }
            if layer > 0, let keep = dropoutMasks[layer] {
                let g = dInput, k = keep.pointer
                for i in 0..<(T * B * inputWidth) { g[i] *= k[i] }
            }
            layerOutputGradient = UnsafePointer(dInput)
        }
        }
        }
        lastInitialStateGradient = RecurrentState(hidden: initialHidden, cell: config.cell.hasCellState ? initialCell : nil)
        return Tensor(shape: [T, B, config.inputSize], data: inputGradient)
    }

    // One input at a time (sampling): `RecurrentStepper`.

    // MARK: Helpers

    private func checkState(_ state: RecurrentState, batch B: Int, what: String) {
        let count = configuration.layers * configuration.directions, H = configuration.hiddenSize
        precondition(state.hidden.count == count && state.hidden.allSatisfy { $0.shape == [B, H] },
                     "\(what).hidden must hold \(count) tensors of [\(B), \(H)]")
        if configuration.cell.hasCellState, let cell = state.cell {
            precondition(cell.count == count && cell.allSatisfy { $0.shape == [B, H] },
                         "\(what).cell must hold \(count) tensors of [\(B), \(H)]")
        }
        if configuration.cell.hasCellState && what == "state" {
            precondition(state.cell != nil, "an LSTM state needs cell tensors")
        }
    }
}

/// Calls `body` with a pointer to the tensor's elements, or nil.
private func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.data.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Copies rows of `width` into columns offset…offset+width of rows of `stride`.
private func scatter(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, rows: Int,
                     width: Int, offset: Int, stride: Int) {
    for row in 0..<rows { (destination + row * stride + offset).update(from: source + row * width, count: width) }
}

/// Copies columns offset…offset+width of rows of `stride` into contiguous rows of `width`.
private func gather(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, rows: Int,
                    width: Int, offset: Int, stride: Int) {
    for row in 0..<rows { (destination + row * width).update(from: source + row * stride + offset, count: width) }
}

/// A [rows, columns] matrix with orthonormal columns (rows ≥ columns), from Gram–Schmidt on a Gaussian matrix;
/// this is the transpose of Keras' `Orthogonal` recurrent kernel [H, G·H].
func orthogonalColumns(rows: Int, columns: Int, rng: inout SeededGenerator) -> Tensor {
    precondition(rows >= columns)
    var a = (0..<(rows * columns)).map { _ in Double(rng.nextNormal()) }
    for j in 0..<columns {
        for _ in 0..<2 { // twice is enough (re-orthogonalisation)
            for p in 0..<j {
                var dot = 0.0
                for i in 0..<rows { dot += a[i * columns + j] * a[i * columns + p] }
                for i in 0..<rows { a[i * columns + j] -= dot * a[i * columns + p] }
            }
        }
        var norm = 0.0
        for i in 0..<rows { norm += a[i * columns + j] * a[i * columns + j] }
        norm = norm.squareRoot()
        for i in 0..<rows { a[i * columns + j] /= norm }
    }
    return Tensor(shape: [rows, columns], data: a.map { Float($0) })
}
