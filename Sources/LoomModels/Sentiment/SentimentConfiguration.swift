import LoomNN
import LoomText

/// Everything needed to rebuild a sentiment model's architecture and its text preprocessing;
/// stored as `config.json` beside the weights.
public struct SentimentConfiguration: Codable, Equatable, Sendable {
    /// The `config.json` format this build writes and the newest it reads.
    public static let currentFormatVersion = 1
    public static let kind = "sentiment"

    public var kind: String = SentimentConfiguration.kind
    public var formatVersion: Int = SentimentConfiguration.currentFormatVersion
    /// Class names in output order; for two classes index 1 is the positive class (`pos`). Empty for a
    /// regression model.
    public var classes: [String]
    /// What the model predicts; nil (every model saved before regression existed) means classes.
    public var task: SentimentTask?
    /// A regression model's output scale (`RatingScale`); nil for classifiers.
    public var ratingScale: RatingScale?
    public var vocabularySize: Int
    public var cell: CellKind = .gru
    public var layers: Int = 1
    public var bidirectional: Bool = true
    public var embeddingSize: Int = 128
    public var hiddenSize: Int = 128
    public var pooling: Pooling = .max
    /// Dropout on the pooled features, before the output layer.
    public var dropout: Float = 0.5
    /// Dropout on the embedded tokens (each element), a strong regulariser for small review datasets.
    public var embeddingDropout: Float = 0.3
    /// Reviews longer than this keep their last `maxLength` tokens (Keras' default `truncating: pre`).
    public var maxLength: Int = 400
    public var caseFold: Bool = true
    public var keepPunctuation: Bool = true
    /// The tokenizer's web-text rules (HTML entities decoded, emoticons and URLs as tokens); true for new
    /// models, nil (read as false) in every model saved before they existed, which keeps their tokens.
    public var webText: Bool?
    public var initialization: Initialization = .pytorch
    /// The n-gram branch (a linear bag of n-grams whose logits are mixed with the recurrent branch's);
    /// nil for none (every model saved before it existed).
    public var ngrams: NGramSettings?

    public init(classes: [String], vocabularySize: Int) {
        self.classes = classes
        self.vocabularySize = vocabularySize
        self.webText = true
    }

    /// Whether the model predicts a number (`--task regression`) rather than classes.
    public var isRegression: Bool { task == .regression }

    /// Number of output units: one for a regression or for two classes (sigmoid), one per class otherwise
    /// (softmax).
    public var outputSize: Int { isRegression || classes.count == 2 ? 1 : classes.count }

    /// The recurrent layers' configuration.
    public var recurrent: RecurrentConfiguration {
        RecurrentConfiguration(cell: cell, inputSize: embeddingSize, hiddenSize: hiddenSize, layers: layers,
                               bidirectional: bidirectional)
    }

    /// The tokenizer settings the model was trained with.
    public var tokenizerOptions: TokenizerOptions {
        var options = TokenizerOptions()
        options.caseFold = caseFold
        options.keepPunctuation = keepPunctuation
        options.webText = webText ?? false
        return options
    }

    /// Width of the pooled vector: the recurrent output, hidden × directions.
    public var pooledSize: Int { hiddenSize * (bidirectional ? 2 : 1) }

    /// Width of attention pooling's projection (`attention.proj`): the pooled width.
    public var attentionSize: Int { pooledSize }

    /// Weights and biases of the whole model (embedding, recurrent layers, attention pooling, output layer,
    /// the n-gram branch with its fixed feature scales);
    /// nil on overflow.
    public var parameterCount: Int? {
        let features = Checked.product(hiddenSize, bidirectional ? 2 : 1)
        let head = Checked.sum(Checked.product(features, outputSize), outputSize)
        // W [A, F], b [A] and v [A], with A = F (`attentionSize`).
        let attention = pooling == .attention
            ? Checked.sum(Checked.product(features, features), Checked.product(2, features)) : 0
        // weight [rows, outputs], bias [outputs], scale [rows].
        let bag = ngrams.map { settings -> Int? in
            let rows = NGramFeatures(vocabularySize: vocabularySize, settings: settings).rows
            return Checked.sum(Checked.product(rows, outputSize + 1), outputSize)
        } ?? 0
        return Checked.sum(Checked.sum(Checked.sum(Checked.sum(Checked.product(vocabularySize, embeddingSize), recurrent.parameterCount), head), attention), bag)
    }

    /// Tokens the n-gram bag reads (the last ones): its own window, or the recurrent branch's in models
    /// saved before the bag had one.
    public var bagLength: Int { ngrams.map { $0.maxLength ?? maxLength } ?? 0 }

    /// The n-gram bag's weight w in the logits, (1 − w)·recurrent + w·bag (`NGramSettings.bagWeight`; 0.5
    /// when not chosen); 0 without a bag.
    public var bagWeight: Float { ngrams.map { $0.bagWeight ?? 0.5 } ?? 0 }

    /// Tokens of a review the model reads at all (the last ones): the longer of the two branches' windows.
    /// Reviews are encoded to this length; `PaddedBatch` gives the recurrent branch its last `maxLength`.
    public var encodedLength: Int { max(maxLength, bagLength) }

    /// Rejects settings that cannot make a model, with a message naming the option.
    public func validate() throws {
        if isRegression {
            try ModelError.requireOption(classes.isEmpty, "a regression model has no classes, got \(classes)")
            guard let ratingScale else { throw ModelError.invalidOption("a regression model needs its ratingScale") }
            try ratingScale.validate()
        } else {
            try ModelError.requireOption(classes.count >= 2, "a classifier needs at least two classes, got \(classes)")
            try ModelError.requireOption(ratingScale == nil, "a classifier has no ratingScale")
        }
        try ModelError.requireOption(Set(classes).count == classes.count, "class names must be distinct, got \(classes)")
        try ModelError.requireOption(!classes.contains(where: { $0.isEmpty }), "class names must not be empty")
        try ModelError.requireOption(vocabularySize >= 2 && vocabularySize <= 50_000_000, "vocabulary size must be between 2 and 50,000,000")
        try ModelError.requireOption(layers >= 1 && layers <= 8, "--layers must be between 1 and 8")
        try ModelError.requireOption(embeddingSize >= 1 && embeddingSize <= 4096, "--embedding must be between 1 and 4096")
        try ModelError.requireOption(hiddenSize >= 1 && hiddenSize <= 4096, "--hidden must be between 1 and 4096")
        try ModelError.requireOption(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1)")
        try ModelError.requireOption(embeddingDropout >= 0 && embeddingDropout < 1, "--embedding-dropout must be in [0, 1)")
        try ModelError.requireOption(maxLength >= 1 && maxLength <= 1_000_000, "--max-length must be between 1 and 1,000,000")
        try ngrams?.validate()
    }
}

/// Named recipes for `loom sentiment train --preset`; each setting applies unless the option is given.
/// Measured on IMDB in BENCHMARKS.md.
public enum SentimentPreset: String, CaseIterable, Sendable {
    /// Under a minute on two cores: a small bidirectional GRU (32 wide) beside a bigram bag in 1M buckets,
    /// two epochs (trigrams in 4M buckets: 0.920 instead of 0.917 on IMDB, for half as long again).
    case fast

    public var embeddingSize: Int { 32 }
    public var hiddenSize: Int { 32 }
    public var cell: CellKind { .gru }
    public var ngramOrder: Int { 2 }
    public var ngramBuckets: Int { 1 << 20 }
    public var maxVocabulary: Int { 30_000 }
    public var epochs: Int { 2 }
}
