/// How a character model is trained (the architecture lives in `CharModelConfiguration`). Saved with a
/// resumable run so `--resume` continues with exactly the same settings.
public struct CharTrainingOptions: Codable, Equatable, Sendable {
    /// Characters per window: how far back-propagation through time reaches.
    public var sequenceLength = 100
    /// Parallel lanes of the text, one per batch column.
    public var batchSize = 32
    public var learningRate: Float = 2e-3
    /// The learning rate is multiplied by `decay` at the start of every epoch after the first:
    /// epoch e (from 1) trains with `learningRate · decay^(e−1)`. 1 disables decay.
    public var decay: Float = 0.95
    /// Global gradient-norm limit.
    public var clip: Float = 5
    /// The last fraction of the corpus held out for validation (0 for none; then the best checkpoint is
    /// chosen by training loss).
    public var validationFraction = 0.1
    public var seed: UInt64 = 42
    /// Stop after this many optimiser steps in total, counting steps before a resume; nil = no limit.
    public var maxSteps: Int?
    /// Stop after this many epochs in total; nil = no limit. With no limit at all (no `maxSteps`, `epochs`
    /// or `timeLimit`), 10 epochs.
    public var epochs: Int?
    /// Validation loss, a checkpoint and a sample every this many steps (and when training stops).
    public var evaluateEvery = 200
    /// Stop (with a final evaluation and checkpoint) once this session has trained this many seconds.
    public var timeLimit: Double?
    /// Characters of the sample generated at each evaluation; 0 for none.
    public var sampleLength = 120

    public init() {}

    /// The epoch limit in force: `epochs`, or 10 when no limit at all was given.
    public var effectiveEpochs: Int? { epochs ?? (maxSteps == nil && timeLimit == nil ? 10 : nil) }

    /// The learning rate of `epoch` (counted from 1).
    public func learningRate(epoch: Int) -> Float {
        learningRate * Float(pow(Double(decay), Double(max(epoch - 1, 0))))
    }

    /// Rejects settings that cannot train, naming the option.
    public func validate() throws {
        try ModelError.requireOption(sequenceLength >= 1 && sequenceLength <= 100_000, "--seq-length must be between 1 and 100000, got \(sequenceLength)")
        try ModelError.requireOption(batchSize >= 1 && batchSize <= 100_000, "--batch-size must be between 1 and 100000, got \(batchSize)")
        try ModelError.requireOption(learningRate > 0 && learningRate.isFinite, "--learning-rate must be positive, got \(learningRate)")
        try ModelError.requireOption(decay > 0 && decay <= 1, "--decay must be in (0, 1], got \(decay)")
        try ModelError.requireOption(clip > 0 && clip.isFinite, "--clip must be positive, got \(clip)")
        try ModelError.requireOption(validationFraction >= 0 && validationFraction < 1, "--validation must be in [0, 1), got \(validationFraction)")
        try ModelError.requireOption(sequenceLength <= Int.max / max(batchSize, 1) / 8, "--seq-length × --batch-size is too large")
        if let steps = maxSteps { try ModelError.requireOption(steps >= 1 && steps <= 1_000_000_000_000, "--steps must be between 1 and 10^12, got \(steps)") }
        if let epochs { try ModelError.requireOption(epochs >= 1 && epochs <= 1_000_000, "--epochs must be between 1 and 1000000, got \(epochs)") }
        try ModelError.requireOption(evaluateEvery >= 1 && evaluateEvery <= 1_000_000_000_000, "--eval-every must be between 1 and 10^12, got \(evaluateEvery)")
        if let limit = timeLimit { try ModelError.requireOption(limit > 0 && limit.isFinite, "--time-limit must be positive seconds, got \(limit)") }
        try ModelError.requireOption(sampleLength >= 0 && sampleLength <= 100_000, "--sample-length must be between 0 and 100000, got \(sampleLength)")
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
