/// How the learning rate moves during a character model's run.
public enum LearningRateSchedule: String, Codable, CaseIterable, Sendable {
    /// nanoGPT's: a linear warm-up over `warmupSteps`, then a cosine from `learningRate` down to
    /// `minLearningRate` over the run (measured by its step, epoch or time limit, whichever ends it first),
    /// after holding the full rate for the first `holdFraction` of it (warmup-stable-decay). It never reaches
    /// zero, whatever the corpus size.
    case cosine
    /// char-rnn's: `learningRate · decay^(e−1)` in epoch e (from 1), which on a small corpus of many epochs
    /// decays towards zero.
    case decay
}

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
    /// With the `decay` schedule: epochs at the full rate before the decay starts (char-rnn's
    /// `learning_rate_decay_after`); epoch e trains with `learningRate · decay^max(0, e − 1 − decayAfter)`.
    public var decayAfter = 0
    /// Global gradient-norm limit.
    public var clip: Float = 5
    public var schedule: LearningRateSchedule = .cosine
    /// Steps of linear warm-up at the start of a cosine schedule (none by default: Adam starts well on char models).
    public var warmupSteps = 0
    /// Where the cosine schedule ends.
    public var minLearningRate: Float = 1e-4
    /// The share of the run at the full rate before the cosine starts, in [0, 1). 0.75 by default: a corpus
    /// that one run reads only a few times learns fastest at the full rate (War and Peace, 10 minutes: 1.308
    /// nats/char against 1.384 with the cosine from the start; BENCHMARKS.md).
    public var holdFraction = 0.75
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
    public var evaluateEvery = 500
    /// Stop (with a final evaluation and checkpoint) once this session has trained this many seconds.
    public var timeLimit: Double?
    /// Characters of the sample generated at each evaluation; 0 for none.
    public var sampleLength = 120

    public init() {}

    /// Reads saved options; a run saved before schedules existed (no "schedule" key) keeps the per-epoch decay
    /// and its evaluation interval.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sequenceLength = try c.decode(Int.self, forKey: .sequenceLength)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        decay = try c.decode(Float.self, forKey: .decay)
        decayAfter = try c.decodeIfPresent(Int.self, forKey: .decayAfter) ?? 0
        clip = try c.decode(Float.self, forKey: .clip)
        schedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .schedule) ?? .decay
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 0
        minLearningRate = try c.decodeIfPresent(Float.self, forKey: .minLearningRate) ?? 0
        holdFraction = try c.decodeIfPresent(Double.self, forKey: .holdFraction) ?? 0
        validationFraction = try c.decode(Double.self, forKey: .validationFraction)
        seed = try c.decode(UInt64.self, forKey: .seed)
        maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
        evaluateEvery = try c.decode(Int.self, forKey: .evaluateEvery)
        timeLimit = try c.decodeIfPresent(Double.self, forKey: .timeLimit)
        sampleLength = try c.decode(Int.self, forKey: .sampleLength)
    }

    /// The epoch limit in force: `epochs`, or 10 when no limit at all was given.
    public var effectiveEpochs: Int? { epochs ?? (maxSteps == nil && timeLimit == nil ? 10 : nil) }

    /// The learning rate of `epoch` (counted from 1) under the `decay` schedule.
    public func learningRate(epoch: Int) -> Float {
        learningRate * Float(pow(Double(decay), Double(max(epoch - 1 - decayAfter, 0))))
    }

    /// The learning rate for step `step` (counted from 0) of a run that has done `progress` (in [0, 1]) of
    /// its planned length, in epoch `epoch`.
    ///
    /// Cosine: lr = warm · (min + (max − min) · ½(1 + cos(π · progress))), warm = min(1, (step + 1) / warmup).
    public func learningRate(step: Int, epoch: Int, progress: Double) -> Float {
        switch schedule {
        case .decay:
            return learningRate(epoch: epoch)
        case .cosine:
            let p = Swift.min(Swift.max((progress - holdFraction) / (1 - holdFraction), 0), 1)
            let cosine = Double(minLearningRate) + Double(learningRate - minLearningRate) * 0.5 * (1 + cos(Double.pi * p))
            let warm = warmupSteps > 0 ? Swift.min(1, Double(step + 1) / Double(warmupSteps)) : 1
            return Float(warm * cosine)
        }
    }

    /// Rejects settings that cannot train, naming the option.
    public func validate() throws {
        try ModelError.requireOption(sequenceLength >= 1 && sequenceLength <= 100_000, "--seq-length must be between 1 and 100000, got \(sequenceLength)")
        try ModelError.requireOption(batchSize >= 1 && batchSize <= 100_000, "--batch-size must be between 1 and 100000, got \(batchSize)")
        try ModelError.requireOption(learningRate > 0 && learningRate.isFinite, "--learning-rate must be positive, got \(learningRate)")
        try ModelError.requireOption(decay > 0 && decay <= 1, "--decay must be in (0, 1], got \(decay)")
        try ModelError.requireOption(clip > 0 && clip.isFinite, "--clip must be positive, got \(clip)")
        try ModelError.requireOption(decayAfter >= 0 && decayAfter <= 1_000_000, "--decay-after must be between 0 and 1000000 epochs, got \(decayAfter)")
        try ModelError.requireOption(holdFraction >= 0 && holdFraction < 1, "--hold must be in [0, 1), got \(holdFraction)")
        try ModelError.requireOption(warmupSteps >= 0 && warmupSteps <= 1_000_000_000, "--warmup must be between 0 and 10^9 steps, got \(warmupSteps)")
        try ModelError.requireOption(minLearningRate >= 0 && minLearningRate.isFinite && minLearningRate <= learningRate,
                                     "--min-lr must be between 0 and --learning-rate (\(learningRate)), got \(minLearningRate)")
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
