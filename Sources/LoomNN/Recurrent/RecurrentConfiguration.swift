import CRecurrentKernels
import LoomTensor

/// Which recurrent cell a `RecurrentNetwork` runs.
public enum CellKind: String, Codable, CaseIterable, Sendable {
    /// Elman RNN: h' = act(W_ih x + b_ih + W_hh h + b_hh).
    case rnn
    /// LSTM with PyTorch's gate order i, f, g, o.
    case lstm
    /// GRU with PyTorch's gate order r, z, n and n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
    case gru

    /// Gate blocks stacked in the weight matrices: 1 (RNN), 4 (LSTM), 3 (GRU).
    public var gateCount: Int {
        switch self {
        case .rnn: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// Whether the cell carries a cell state c beside h (LSTM).
    public var hasCellState: Bool { self == .lstm }

    /// Whether W_hh·h + b_hh simply adds to W_ih·x + b_ih (LSTM, RNN: E1, E9), so the two biases fold into one
    /// row, the two products can share one gate buffer, and the hidden-side gate gradients equal the input
    /// side's. GRU keeps the hidden side apart: r multiplies W_hn·h + b_hn (E7).
    public var foldsRecurrentBias: Bool { self != .gru }

    /// The cell's code in the two-thread single-sequence kernels (`loom_split.h`), or nil if they lack it (RNN).
    public var splitKind: Int32? {
        switch self {
        case .lstm: return Int32(LOOM_SPLIT_LSTM)
        case .gru: return Int32(LOOM_SPLIT_GRU)
        case .rnn: return nil
        }
    }
}

/// The SimpleRNN's activation.
public enum Nonlinearity: String, Codable, Sendable {
    case tanh, relu
}

/// How weights are drawn at construction.
public enum Initialization: String, Codable, Sendable {
    /// PyTorch's default: every weight and bias uniform in ±1/√hiddenSize.
    case pytorch
    /// Keras' default: Glorot-uniform input weights, orthogonal recurrent weights, zero biases,
    /// and 1 in the LSTM forget-gate bias.
    case keras
}

/// Shape and kind of a (possibly stacked, possibly bidirectional) recurrent network.
public struct RecurrentConfiguration: Codable, Equatable, Sendable {
    public var cell: CellKind
    public var inputSize: Int
    public var hiddenSize: Int
    public var layers: Int = 1
    public var bidirectional: Bool = false
    /// Used by `.rnn` only.
    public var nonlinearity: Nonlinearity = .tanh
    /// Dropout probability on the outputs of every layer except the last, in training only (PyTorch's `dropout`).
    public var interLayerDropout: Float = 0

    public init(cell: CellKind, inputSize: Int, hiddenSize: Int, layers: Int = 1, bidirectional: Bool = false,
                nonlinearity: Nonlinearity = .tanh, interLayerDropout: Float = 0) {
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.bidirectional = bidirectional
        self.nonlinearity = nonlinearity
        self.interLayerDropout = interLayerDropout
    }

    /// 2 when bidirectional, else 1.
    public var directions: Int { bidirectional ? 2 : 1 }

    /// Width of each output step: hiddenSize × directions.
    public var outputSize: Int { hiddenSize * directions }

    /// Number of weights and biases, as PyTorch counts them (per layer and direction
    /// `weight_ih` G·H × I, `weight_hh` G·H × H, `bias_ih` and `bias_hh` G·H each); nil when the count
    /// overflows. Computed without allocating, so loaders can check a file before building the network.
    public var parameterCount: Int? {
        var total = 0
        for layer in 0..<max(layers, 0) {
            let input = layer == 0 ? inputSize : outputSize
            guard let gateRows = Checked.product(cell.gateCount, hiddenSize),
                  let perDirection = Checked.sum(Checked.product(gateRows, Checked.sum(input, hiddenSize)),
                                                 Checked.product(2, gateRows)),
                  let perLayer = Checked.product(perDirection, directions),
                  let sum = Checked.sum(total, perLayer) else { return nil }
            total = sum
        }
        return total
    }
}

/// Overflow-checked arithmetic for sizes that come from users or files: nil instead of a trap.
public enum Checked {
    public static func product(_ a: Int?, _ b: Int?) -> Int? {
        guard let a, let b, a >= 0, b >= 0 else { return nil }
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }

    public static func sum(_ a: Int?, _ b: Int?) -> Int? {
        guard let a, let b, a >= 0, b >= 0 else { return nil }
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : value
    }
}

/// Hidden (and, for LSTMs, cell) state of every layer and direction.
public struct RecurrentState {
    /// layers × directions entries, each [B, H], in PyTorch's h_n order (l0, l0_reverse, l1, …).
    public var hidden: [Tensor]
    /// Same layout as `hidden`; LSTM only.
    public var cell: [Tensor]?

    public init(hidden: [Tensor], cell: [Tensor]? = nil) {
        self.hidden = hidden
        self.cell = cell
    }
}

/// Errors a caller can provoke with valid-looking input.
public enum RecurrentError: Error, Equatable, Sendable {
    /// `RecurrentStepper` runs one direction forward in time; a bidirectional network needs the whole sequence.
    case stepNeedsUnidirectionalNetwork
}
