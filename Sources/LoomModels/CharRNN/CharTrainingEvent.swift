/// Where a training run is, after one optimiser step.
public struct CharTrainingProgress: Sendable {
    public var step: Int
    /// The step the run stops at, when known (from `--steps` or `--epochs`).
    public var totalSteps: Int?
    public var epoch: Int
    /// This step's training loss (nats per character).
    public var loss: Double
    /// Mean training loss since the last evaluation.
    public var averageLoss: Double
    /// The latest validation loss, if one was measured.
    public var validationLoss: Double?
    /// Training characters per second since the last evaluation.
    public var charactersPerSecond: Double
    /// Estimated seconds until the run stops, when known.
    public var secondsLeft: Double?
    public var learningRate: Float
    /// How far through its planned length (steps, epochs or time limit) the run is, in [0, 1].
    public var fraction: Double = 0
}

/// What `CharTrainer` reports while it works (for progress bars and logs).
public enum CharTrainingEvent {
    /// A line of information (corpus size, resume point, stopping reason).
    case message(String)
    /// One optimiser step done.
    case step(CharTrainingProgress)
    /// An evaluation: the new log record, whether it is the best so far (and was saved as the model),
    /// and a short sample from the current weights ("" when sampling is off).
    case evaluation(TrainingRecord, improved: Bool, sample: String)
}

/// The outcome of a training run.
public struct CharTrainingSummary: Sendable {
    /// Step of the best checkpoint (the one saved as the model).
    public var bestStep: Int
    /// Its validation loss in nats per character (nil without validation).
    public var bestValidationLoss: Double?
    /// Steps done in total, including those before a resume.
    public var steps: Int
    public var epoch: Int
    public var log: [TrainingRecord]
    /// Seconds this session trained.
    public var seconds: Double
    public var vocabularySize: Int
    public var trainCharacters: Int
    public var validationCharacters: Int
    /// Why the run stopped, in words.
    public var stopReason: String
    /// The signal (SIGINT, SIGTERM) that stopped the run, after a final checkpoint was written.
    public var interruptedBy: Int32? = nil
}
