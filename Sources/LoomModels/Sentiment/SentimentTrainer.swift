import Foundation
import LoomNN
import LoomSystem
import LoomTensor
import LoomText

/// How to train: optimisation and data settings (the architecture lives in `SentimentConfiguration`).
public struct SentimentTrainingOptions: Sendable {
    public var epochs = 8
    public var batchSize = 64
    public var learningRate: Float = 2e-3
    /// The learning rate is multiplied by this after every epoch.
    public var learningRateDecay: Float = 0.7
    /// Global gradient-norm limit.
    public var clip: Float = 5
    /// Fraction of each class held out for validation and early stopping.
    public var validationFraction = 0.1
    /// Epochs without a validation-accuracy improvement before stopping.
    public var patience = 3
    public var seed: UInt64 = 42
    /// Vocabulary size including `<pad>` and `<unk>`.
    public var maxVocabulary = 10_000
    public var minCount = 3
    /// Stop after this many optimiser steps in total (for quick runs and tests); nil = no limit.
    public var maxSteps: Int?
    /// Stop starting new epochs after this many seconds; nil = no limit.
    public var timeLimit: Double?

    public init() {}

    public func validate() throws {
        try ModelError.requireOption(epochs >= 1 && epochs <= 1_000_000, "--epochs must be between 1 and 1000000, got \(epochs)")
        try ModelError.requireOption(batchSize >= 1 && batchSize <= 65_536, "--batch-size must be between 1 and 65536, got \(batchSize)")
        try ModelError.requireOption(learningRate > 0 && learningRate.isFinite, "--learning-rate must be a positive number, got \(learningRate)")
        try ModelError.requireOption(learningRateDecay > 0 && learningRateDecay <= 1, "--lr-decay must be in (0, 1], got \(learningRateDecay)")
        try ModelError.requireOption(clip > 0 && clip.isFinite, "--clip must be a positive number, got \(clip)")
        try ModelError.requireOption(validationFraction >= 0 && validationFraction < 1, "--validation must be in [0, 1), got \(validationFraction)")
        try ModelError.requireOption(patience >= 1 && patience <= 1_000_000, "--patience must be at least 1, got \(patience)")
        try ModelError.requireOption(maxVocabulary >= 3 && maxVocabulary <= 50_000_000, "--max-vocab must be between 3 (two ids are reserved) and 50000000, got \(maxVocabulary)")
        try ModelError.requireOption(minCount >= 1, "--min-count must be at least 1, got \(minCount)")
        if let maxSteps { try ModelError.requireOption(maxSteps >= 1, "--max-steps must be at least 1, got \(maxSteps)") }
        if let timeLimit { try ModelError.requireOption(timeLimit > 0 && timeLimit.isFinite, "--time-limit must be a positive number of seconds, got \(timeLimit)") }
    }
}

/// The settings `loom sentiment train` uses by default below `threshold` reviews, where the IMDB recipe
/// (128-wide embeddings and units, 8 epochs of batches of 64, tokens seen 3 times) takes too few steps
/// and drops too many rare words to learn; measured in BENCHMARKS.md (2,000 IMDB reviews: 0.665 with the
/// IMDB recipe, see there for this one).
public struct SmallDataRecipe: Sendable {
    public static let threshold = 5_000
    public var embeddingSize = 32
    public var hiddenSize = 32
    public var minCount = 1
    public var epochs = 12
    public var batchSize = 16
    public var learningRate: Float = 0.005
    public var patience = 4

    public init() {}
}

/// What the trainer reports while it works.
public enum SentimentTrainingEvent {
    case message(String)
    case step(epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, loss: Double, accuracy: Double,
              tokensPerSecond: Double, secondsLeftInEpoch: Double)
    case epochFinished(TrainingRecord, improved: Bool)
}

/// The outcome of a training run.
public struct SentimentTrainingSummary {
    public var bestEpoch: Int
    public var bestValidationAccuracy: Double?
    public var log: [TrainingRecord]
    public var seconds: Double
    public var classes: [String]
    public var vocabularySize: Int
    public var trainCount: Int
    public var validationCount: Int
    /// Optimiser steps taken.
    public var steps: Int
    /// The signal (SIGINT, SIGTERM) that stopped the run early, after its last checkpoint was written.
    public var interruptedBy: Int32?
    /// Whether a model folder was written (false when the run stopped before its first checkpoint).
    public var saved: Bool
    /// The best model is no better than the majority class on validation (a warning was reported).
    public var chanceLevel: Bool
}

/// Trains a `SentimentModel` on labelled text: vocabulary from the training split only, stratified
/// validation hold-out, length-bucketed batches, Adam with gradient clipping, early stopping on
/// validation accuracy; the best epoch is written to the output folder as soon as it is reached.
public struct SentimentTrainer {
    public var architecture: SentimentConfiguration
    public var options: SentimentTrainingOptions

    /// - Parameter architecture: architecture settings; `classes` and `vocabularySize` are filled in from the data.
    public init(architecture: SentimentConfiguration, options: SentimentTrainingOptions) {
        self.architecture = architecture
        self.options = options
    }

    public func train(_ examples: [LabelledText], source: String, output: ModelDirectory,
                      observer: (SentimentTrainingEvent) -> Void = { _ in }) throws -> SentimentTrainingSummary {
        try options.validate()
        let started = Date()
        if let empty = examples.first(where: { $0.text.allSatisfy(\.isWhitespace) }) {
            throw ModelError.invalidData("\(empty.source): empty review; remove the line or give it text")
        }
        let classes = try SentimentData.classes(of: examples, source: source)
        let labels = try SentimentData.labelIndices(examples, classes: classes)
        var rng = SeededGenerator(seed: options.seed)
        let split = SentimentData.stratifiedSplit(labels: labels, fraction: options.validationFraction, rng: &rng)
        for (index, name) in classes.enumerated() where !split.train.contains(where: { labels[$0] == Int32(index) }) {
            throw ModelError.invalidData("\(source): class '\(name)' has no training examples")
        }

        var configuration = architecture
        configuration.classes = classes
        let tokenizer = try Tokenizer(options: configuration.tokenizerOptions)
        observer(.message("tokenizing \(examples.count) reviews…"))
        let tokens = SentimentData.tokenize(examples.map(\.text), tokenizer: tokenizer)
        var counts: [String: Int] = [:]
        for index in split.train {
            for token in tokens[index] { counts[token, default: 0] += 1 }
        }
        let vocabulary = Vocabulary.build(counts: counts, maxSize: options.maxVocabulary, minCount: options.minCount)
        configuration.vocabularySize = vocabulary.count
        let encoded = EncodedExamples(
            sequences: SentimentData.encode(tokens, vocabulary: vocabulary, maxLength: configuration.maxLength),
            labels: labels)
        let train = encoded.subset(split.train), validation = encoded.subset(split.validation)
        observer(.message("\(classes.count) classes (\(classes.joined(separator: ", "))), \(train.count) training and \(validation.count) validation reviews, vocabulary \(vocabulary.count) tokens"))

        try configuration.validate()
        try MemoryBudget.check(MemoryBudget.trainingBytes(parameters: configuration.parameterCount,
                                                          activationsPerStep: configuration.activationsPerStep(batchSize: options.batchSize)),
                               what: "this model and batch")
        let model = try SentimentModel(configuration, rng: &rng)
        let optimizer = Adam(learningRate: options.learningRate)
        let trainingStep = TrainingStep(parameters: model.parameters, optimizer: optimizer, clip: options.clip)
        var log: [TrainingRecord] = []
        var best: (epoch: Int, accuracy: Double)? = nil
        var epochsWithoutImprovement = 0
        var totalSteps = 0
        var divergence = DivergenceGuard(classes: classes.count)
        var lastPredictedClasses = 0
        var bestPredictedClasses: Int? = nil
        var interruptedBy: Int32? = nil

        epochs: for epoch in 1...options.epochs {
            let epochStart = Date()
            let batches = SentimentData.bucketedBatches(lengths: train.sequences.map(\.count),
                                                        batchSize: options.batchSize, rng: &rng)
            var lossSum = 0.0, correct = 0, seen = 0, tokensSeen = 0, normSum = 0.0, stepsInEpoch = 0
            for (stepIndex, indices) in batches.enumerated() {
                let batch = PaddedBatch(sequences: indices.map { train.sequences[$0] }, maxLength: configuration.maxLength)
                let targets = indices.map { train.labels[$0] }
                var logits = Tensor.zeros([0])
                let (loss, norm) = try trainingStep.take(step: totalSteps + 1, epoch: epoch, divergence: &divergence,
                                                         forward: {
                    logits = model.forward(batch, training: true, rng: &rng)
                    return model.loss(logits: logits, targets: targets)
                }, backward: model.backward)
                totalSteps += 1

                lossSum += Double(loss) * Double(indices.count)
                correct += zip(model.probabilities(logits: logits), targets).filter { row, target in
                    row.indices.max { row[$0] < row[$1] } == Int(target)
                }.count
                seen += indices.count
                tokensSeen += batch.tokenCount
                normSum += Double(norm)
                stepsInEpoch += 1
                let elapsed = Date().timeIntervalSince(epochStart)
                observer(.step(epoch: epoch, epochs: options.epochs, step: stepIndex + 1, stepsPerEpoch: batches.count,
                               loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                               tokensPerSecond: Double(tokensSeen) / max(elapsed, 1e-9),
                               secondsLeftInEpoch: elapsed / Double(stepIndex + 1) * Double(batches.count - stepIndex - 1)))
                if let limit = options.maxSteps, totalSteps >= limit { break }
                if let signal = Interruption.requestedSignal {
                    interruptedBy = signal
                    break
                }
            }
            let seconds = Date().timeIntervalSince(epochStart)
            var record = TrainingRecord(epoch: epoch, step: totalSteps, trainLoss: lossSum / Double(max(seen, 1)),
                                        trainAccuracy: Double(correct) / Double(max(seen, 1)),
                                        gradientNorm: normSum / Double(max(stepsInEpoch, 1)),
                                        learningRate: Double(optimizer.learningRate),
                                        tokensPerSecond: Double(tokensSeen) / max(seconds, 1e-9), seconds: seconds)
            if validation.count > 0 {
                let (loss, accuracy, predictedClasses) = Self.evaluate(model, on: validation, batchSize: 256,
                                                                       maxLength: configuration.maxLength)
                try divergence.check(validationLoss: loss, step: totalSteps, epoch: epoch, learningRate: optimizer.learningRate)
                record.validationLoss = loss
                record.validationAccuracy = accuracy
                lastPredictedClasses = predictedClasses
            }
            log.append(record)
            let score = record.validationAccuracy ?? record.trainAccuracy ?? 0
            let improved = best == nil || score > best!.accuracy
            if improved {
                best = (epoch, score)
                bestPredictedClasses = record.validationAccuracy == nil ? nil : lastPredictedClasses
                epochsWithoutImprovement = 0
                try SentimentModelFiles.save(model, vocabulary: vocabulary, log: log, to: output)
            } else {
                epochsWithoutImprovement += 1
                try SentimentModelFiles.writeLog(log, in: output)
            }
            observer(.epochFinished(record, improved: improved))
            optimizer.learningRate *= options.learningRateDecay
            if interruptedBy != nil { break epochs }
            if let limit = options.maxSteps, totalSteps >= limit { break epochs }
            if epochsWithoutImprovement >= options.patience {
                observer(.message("validation accuracy has not improved for \(options.patience) epochs; stopping early"))
                break epochs
            }
            if let limit = options.timeLimit, Date().timeIntervalSince(started) + seconds > limit {
                observer(.message("time limit reached; stopping"))
                break epochs
            }
        }
        let majority = Double(validation.labels.reduce(into: [Int32: Int]()) { $0[$1, default: 0] += 1 }.values.max() ?? 0)
            / Double(max(validation.count, 1))
        var chanceLevel = false
        if let best, validation.count > 0, bestPredictedClasses == 1 || best.accuracy <= majority + 0.01 {
            chanceLevel = true
            observer(.message(String(format: "warning: the model is no better than always answering the most common class (validation accuracy %.3f, majority class %.3f%@). It has not learned from this data: train longer (--epochs 20 --patience 6), or for a few thousand reviews use the small-data settings (--embedding 32 --hidden 32 --min-count 1 --batch-size 16 --learning-rate 0.005).", best.accuracy, majority, bestPredictedClasses == 1 ? "; every validation review gets the same class" : "")))
        }
        return SentimentTrainingSummary(bestEpoch: best?.epoch ?? 0,
                                        bestValidationAccuracy: validation.count > 0 ? best?.accuracy : nil, log: log,
                                        seconds: Date().timeIntervalSince(started), classes: classes,
                                        vocabularySize: vocabulary.count, trainCount: train.count,
                                        validationCount: validation.count, steps: totalSteps,
                                        interruptedBy: interruptedBy, saved: best != nil, chanceLevel: chanceLevel)
    }

    /// Mean loss and accuracy of `model` on `examples` without dropout.
    static func evaluate(_ model: SentimentModel, on examples: EncodedExamples, batchSize: Int, maxLength: Int)
        -> (loss: Double, accuracy: Double, predictedClasses: Int) {
        var rng = SeededGenerator(seed: 0)
        var lossSum = 0.0, correct = 0
        var predicted = Set<Int>()
        for indices in SentimentData.lengthOrderedBatches(lengths: examples.sequences.map(\.count), batchSize: batchSize) {
            let batch = PaddedBatch(sequences: indices.map { examples.sequences[$0] }, maxLength: maxLength)
            let targets = indices.map { examples.labels[$0] }
            let logits = model.forward(batch, training: false, rng: &rng)
            lossSum += Double(model.loss(logits: logits, targets: targets).loss) * Double(indices.count)
            for (row, target) in zip(model.probabilities(logits: logits), targets) {
                let best = row.indices.max { row[$0] < row[$1] } ?? 0
                predicted.insert(best)
                if best == Int(target) { correct += 1 }
            }
        }
        return (lossSum / Double(max(examples.count, 1)), Double(correct) / Double(max(examples.count, 1)), predicted.count)
    }
}
