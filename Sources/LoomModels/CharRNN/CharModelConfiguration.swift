import LoomNN

/// Named architectures for `charrnn train --preset`: the defaults (2×256 LSTM, dropout 0.2 between layers and
/// before the output), or a wider, more regularised network for about half an hour of training on a corpus of
/// around a megabyte (measured on Tiny Shakespeare in BENCHMARKS.md).
public enum CharPreset: String, CaseIterable, Sendable {
    case standard
    /// 2×384 LSTM, dropout 0.25 between layers and before the output, the cosine from the start.
    case quality

    /// The preset's training settings: `quality` runs its cosine from the start (no hold), which is what a
    /// corpus read a dozen times in a run needs against overfitting (its measured recipe).
    public func apply(to options: inout CharTrainingOptions) {
        if self == .quality { options.holdFraction = 0 }
    }

    /// The preset's architecture for a vocabulary of `vocabularySize` characters.
    public func architecture(vocabularySize: Int) -> CharModelConfiguration {
        switch self {
        case .standard:
            return CharModelConfiguration(vocabularySize: vocabularySize)
        case .quality:
            return CharModelConfiguration(vocabularySize: vocabularySize, hiddenSize: 384, dropout: 0.25, outputDropout: 0.25)
        }
    }
}

/// The architecture of a character-level language model, stored as `config.json` beside the weights:
/// `Embedding → recurrent layers (with dropout between them) → Dense → softmax over characters`.
public struct CharModelConfiguration: Codable, Equatable, Sendable {
    /// The `config.json` format this build writes and the newest it reads.
    public static let currentFormatVersion = 1
    public static let kind = "charrnn"

    public var kind: String = CharModelConfiguration.kind
    public var formatVersion: Int = CharModelConfiguration.currentFormatVersion
    /// Number of distinct characters (rows of the embedding, outputs of the final layer).
    public var vocabularySize: Int
    public var cell: CellKind = .lstm
    public var layers: Int = 2
    public var hiddenSize: Int = 256
    public var embeddingSize: Int = 64
    /// Dropout on the outputs of every recurrent layer except the last, in training only
    /// (PyTorch's `nn.LSTM(dropout:)`); it has no effect with one layer.
    public var dropout: Float = 0.2
    /// Dropout on the top layer's outputs before the output layer, in training only (the PyTorch char-RNN
    /// peer's `nn.Dropout` before `fc`); it has no weights, so PyTorch loads the model as before.
    public var outputDropout: Float = 0.2

    public init(vocabularySize: Int, cell: CellKind = .lstm, layers: Int = 2, hiddenSize: Int = 256,
                embeddingSize: Int = 64, dropout: Float = 0.2, outputDropout: Float = 0.2) {
        self.vocabularySize = vocabularySize
        self.cell = cell
        self.layers = layers
        self.hiddenSize = hiddenSize
        self.embeddingSize = embeddingSize
        self.dropout = dropout
        self.outputDropout = outputDropout
    }

    /// Reads `config.json`; a model saved before output dropout existed has none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        vocabularySize = try c.decode(Int.self, forKey: .vocabularySize)
        cell = try c.decode(CellKind.self, forKey: .cell)
        layers = try c.decode(Int.self, forKey: .layers)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        embeddingSize = try c.decode(Int.self, forKey: .embeddingSize)
        dropout = try c.decode(Float.self, forKey: .dropout)
        outputDropout = try c.decodeIfPresent(Float.self, forKey: .outputDropout) ?? 0
    }

    /// The recurrent layers' configuration.
    public var recurrent: RecurrentConfiguration {
        RecurrentConfiguration(cell: cell, inputSize: embeddingSize, hiddenSize: hiddenSize, layers: layers,
                               interLayerDropout: dropout)
    }

    /// Weights and biases of the whole model (embedding, recurrent layers, output layer); nil on overflow.
    public var parameterCount: Int? {
        let head = Checked.sum(Checked.product(hiddenSize, vocabularySize), vocabularySize)
        return Checked.sum(Checked.sum(Checked.product(vocabularySize, embeddingSize), recurrent.parameterCount), head)
    }

    /// Rejects settings that cannot make a model, with a message naming the option.
    public func validate() throws {
        try ModelError.requireOption(vocabularySize >= 1 && vocabularySize <= 2_000_000, "the character vocabulary must hold between 1 and 2,000,000 characters")
        try ModelError.requireOption(layers >= 1 && layers <= 8, "--layers must be between 1 and 8, got \(layers)")
        try ModelError.requireOption(embeddingSize >= 1 && embeddingSize <= 4096, "--embedding must be between 1 and 4096, got \(embeddingSize)")
        try ModelError.requireOption(hiddenSize >= 1 && hiddenSize <= 4096, "--hidden must be between 1 and 4096, got \(hiddenSize)")
        try ModelError.requireOption(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got \(dropout)")
        try ModelError.requireOption(outputDropout >= 0 && outputDropout < 1, "--output-dropout must be in [0, 1), got \(outputDropout)")
    }

    /// Differences in architecture from `other`, worded as option names, e.g. `--hidden 512 (the run has 256)`;
    /// empty when both describe the same network.
    public func architectureDifferences(from other: CharModelConfiguration) -> [String] {
        var out: [String] = []
        if cell != other.cell { out.append("--cell \(cell.rawValue) (the run has \(other.cell.rawValue))") }
        if layers != other.layers { out.append("--layers \(layers) (the run has \(other.layers))") }
        if hiddenSize != other.hiddenSize { out.append("--hidden \(hiddenSize) (the run has \(other.hiddenSize))") }
        if embeddingSize != other.embeddingSize {
            out.append("--embedding \(embeddingSize) (the run has \(other.embeddingSize))")
        }
        if dropout != other.dropout { out.append("--dropout \(dropout) (the run has \(other.dropout))") }
        if outputDropout != other.outputDropout {
            out.append("--output-dropout \(outputDropout) (the run has \(other.outputDropout))")
        }
        if vocabularySize != other.vocabularySize {
            out.append("vocabulary of \(vocabularySize) characters (the run has \(other.vocabularySize))")
        }
        return out
    }
}
