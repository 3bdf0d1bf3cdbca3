import LoomNN

/// Settings given again when resuming a run. Architecture and data settings must equal the run's own
/// (a resumed run cannot change its network or how it reads the text): any that differ is an error.
/// Stopping and reporting settings replace the run's: giving `maxSteps` or `epochs` replaces both limits.
public struct CharResumeOverrides: Sendable {
    // Must match the run.
    public var cell: CellKind?
    public var layers: Int?
    public var hiddenSize: Int?
    public var embeddingSize: Int?
    public var dropout: Float?
    public var outputDropout: Float?
    public var schedule: LearningRateSchedule?
    public var warmupSteps: Int?
    public var minLearningRate: Float?
    public var holdFraction: Double?
    public var sequenceLength: Int?
    public var batchSize: Int?
    public var learningRate: Float?
    public var decay: Float?
    public var decayAfter: Int?
    public var clip: Float?
    public var validationFraction: Double?
    public var seed: UInt64?
    // Replace the run's.
    public var maxSteps: Int?
    public var epochs: Int?
    public var evaluateEvery: Int?
    public var timeLimit: Double?
    public var sampleLength: Int?

    public init() {}

    /// The options and architecture of the resumed run, or an error listing every setting that differs.
    func apply(to options: CharTrainingOptions, architecture: CharModelConfiguration) throws -> CharTrainingOptions {
        var differences: [String] = []
        func check<T: Equatable>(_ given: T?, _ saved: T, _ option: String) {
            if let given, given != saved { differences.append("\(option) \(given) (the run has \(saved))") }
        }
        check(cell?.rawValue, architecture.cell.rawValue, "--cell")
        check(layers, architecture.layers, "--layers")
        check(hiddenSize, architecture.hiddenSize, "--hidden")
        check(embeddingSize, architecture.embeddingSize, "--embedding")
        check(dropout, architecture.dropout, "--dropout")
        check(outputDropout, architecture.outputDropout, "--output-dropout")
        check(schedule?.rawValue, options.schedule.rawValue, "--schedule")
        check(warmupSteps, options.warmupSteps, "--warmup")
        check(minLearningRate, options.minLearningRate, "--min-lr")
        check(holdFraction, options.holdFraction, "--hold")
        check(sequenceLength, options.sequenceLength, "--seq-length")
        check(batchSize, options.batchSize, "--batch-size")
        check(learningRate, options.learningRate, "--learning-rate")
        check(decay, options.decay, "--decay")
        check(decayAfter, options.decayAfter, "--decay-after")
        check(clip, options.clip, "--clip")
        check(validationFraction, options.validationFraction, "--validation")
        check(seed, options.seed, "--seed")
        if !differences.isEmpty {
            throw ModelError.invalidOption("cannot resume with different settings: \(differences.joined(separator: ", ")); leave these options out (a resumed run keeps its architecture and data settings)")
        }
        var result = options
        if maxSteps != nil || epochs != nil {
            result.maxSteps = maxSteps
            result.epochs = epochs
        }
        if let evaluateEvery { result.evaluateEvery = evaluateEvery }
        if let timeLimit { result.timeLimit = timeLimit }
        if let sampleLength { result.sampleLength = sampleLength }
        try result.validate()
        return result
    }
}
