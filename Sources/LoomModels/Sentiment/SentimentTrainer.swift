import Foundation
import LoomNN
import LoomSystem
import LoomTensor
import LoomText

/// How to train: optimisation and data settings (the architecture lives in `SentimentConfiguration`).
public struct SentimentTrainingOptions: Codable, Sendable {
    public var epochs = 6
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
    public var maxVocabulary = 30_000
    public var minCount = 3
    /// Stop after this many optimiser steps in total (for quick runs and tests); nil = no limit.
    public var maxSteps: Int?
    /// Stop starting new epochs after this many seconds; nil = no limit.
    public var timeLimit: Double?
    /// Per-class loss weights: "balanced" or "neg=1,pos=3" (`ClassWeights`); nil = unweighted.
    public var classWeight: String?
    /// The class order (`--labels`); nil = found in the data (neg, pos; numbers numerically; else sorted).
    public var labels: [String]?
    /// Extra training examples per training review (`--snippets`): windows of consecutive tokens cut from it
    /// with its label (`SnippetAugmentation`), so that the model also learns from texts of a sentence or two.
    /// nil or 0 = none. (Optional so that options saved before it existed still decode.)
    public var snippets: Int?

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
        if let snippets { try ModelError.requireOption(snippets >= 0 && snippets <= SnippetAugmentation.maximumPerReview, "--snippets must be between 0 and \(SnippetAugmentation.maximumPerReview), got \(snippets)") }
    }
}

/// The settings `loom sentiment train` uses by default below `threshold` reviews, where the IMDB recipe
/// (128-wide embeddings and units, 6 epochs of batches of 64, tokens seen 3 times) takes too few steps
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
    /// Hash buckets of the n-gram branch: a small corpus has few distinct bigrams, and the model file stays small.
    public var ngramBuckets = 1 << 16

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
    /// The best epoch's validation accuracy (a regression: the share within ±1).
    public var bestValidationAccuracy: Double?
    /// A regression model's best validation mean absolute error.
    public var bestValidationMeanAbsoluteError: Double?
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

    /// The data made ready for training: classes, the stratified split, the vocabulary, the encoded reviews.
    struct Prepared {
        var configuration: SentimentConfiguration
        var vocabulary: Vocabulary
        var classes: [String]
        var train: EncodedExamples
        var validation: EncodedExamples
        var data: TrainingData
        /// The loss weight of each class (`options.classWeight`), nil for none.
        var classWeights: [Float]?
        /// The generator after the split (the model's initialisation draws from it next).
        var rng: SeededGenerator
    }

    /// Classes, split, vocabulary (built from the training split, or `givenVocabulary`) and encoded reviews;
    /// everything a run needs before its model, and the same for a fresh run and a resumed one.
    func prepare(_ examples: [LabelledText], source: String, vocabulary givenVocabulary: Vocabulary?,
                 observer: (SentimentTrainingEvent) -> Void) throws -> Prepared {
        if let empty = examples.first(where: { $0.text.allSatisfy(\.isWhitespace) }) {
            throw ModelError.invalidData("\(empty.source): empty review; remove the line or give it text")
        }
        let classes: [String], labels: [Int32], ratings: [Float]?
        if architecture.isRegression {
            try ModelError.requireOption(options.classWeight == nil, "--class-weight is for classes; a --task regression model has none")
            try ModelError.requireOption(options.labels == nil, "--labels is for classes; a --task regression model has none")
            let values = try SentimentData.ratings(of: examples, source: source)
            (classes, ratings) = ([], values)
            labels = values.map { Int32(max(min($0.rounded(), 1e9), -1e9)) }  // strata of the validation split
        } else {
            classes = try options.labels.map { try SentimentData.classes(of: examples, source: source, given: $0) }
                ?? SentimentData.classes(of: examples, source: source)
            labels = try SentimentData.labelIndices(examples, classes: classes)
            ratings = nil
        }
        var rng = SeededGenerator(seed: options.seed)
        let split = SentimentData.stratifiedSplit(labels: labels, fraction: options.validationFraction, rng: &rng)
        for (index, name) in classes.enumerated() where !split.train.contains(where: { labels[$0] == Int32(index) }) {
            throw ModelError.invalidData("\(source): class '\(name)' has no training examples")
        }
        var configuration = architecture
        configuration.classes = classes
        if let ratings {
            let scale = RatingScale(of: split.train.map { ratings[$0] })
            configuration.ratingScale = scale
            observer(.message(String(format: "ratings from %g to %g, mean %.3g, standard deviation %.3g (the model learns them standardized)",
                                     scale.minimum, scale.maximum, scale.mean, scale.standardDeviation)))
        }
        let tokenizer = try Tokenizer(options: configuration.tokenizerOptions)
        observer(.message("tokenizing \(examples.count) reviews…"))
        let tokens = SentimentData.tokenize(examples.map(\.text), tokenizer: tokenizer)
        var counts: [String: Int] = [:]
        for index in split.train {
            for token in tokens[index] { counts[token, default: 0] += 1 }
        }
        let vocabulary = givenVocabulary
            ?? Vocabulary.build(counts: counts, maxSize: options.maxVocabulary, minCount: options.minCount)
        if givenVocabulary != nil {
            let total = counts.values.reduce(0, +)
            let known = counts.reduce(0) { $0 + (vocabulary.contains($1.key) ? $1.value : 0) }
            let coverage = Double(known) / Double(max(total, 1))
            observer(.message(String(format: "vocabulary of %d tokens covers %.1f%% of the training tokens", vocabulary.count, 100 * coverage)))
            if total > 0 && coverage < 0.5 {
                observer(.message(String(format: "warning: the vocabulary covers only %.1f%% of the training tokens; was it built from other text or with other tokenizer settings (punctuation, case)?", 100 * coverage)))
            }
        }
        configuration.vocabularySize = vocabulary.count
        let encoded = EncodedExamples(
            sequences: SentimentData.encode(tokens, vocabulary: vocabulary, maxLength: configuration.encodedLength),
            labels: labels, ratings: ratings)
        var train = encoded.subset(split.train)
        let validation = encoded.subset(split.validation)
        if let snippets = options.snippets, snippets > 0 {
            let added = SnippetAugmentation(perReview: snippets, seed: options.seed).append(to: &train)
            observer(.message("\(added) snippets of \(SnippetAugmentation.lengths.lowerBound)–\(SnippetAugmentation.lengths.upperBound) tokens cut from the training reviews (--snippets \(snippets))"))
        }
        let data = Self.describe(examples, source: source, classes: classes, labels: labels, train: split.train.count,
                                 validation: validation.count)
        let what = ratings == nil ? "\(classes.count) classes (\(classes.joined(separator: ", ")))" : "a rating (regression)"
        observer(.message("\(what), \(split.train.count) training and \(validation.count) validation reviews, vocabulary \(vocabulary.count) tokens"))
        let classWeights = try options.classWeight.map { try ClassWeights.resolve($0, classes: classes, trainLabels: train.labels) }
        if let classWeights {
            observer(.message("class weights: " + zip(classes, classWeights).map { "\($0) " + String(format: "%.3g", Double($1)) }.joined(separator: ", ")))
        }
        try configuration.validate()
        try MemoryBudget.check(MemoryBudget.trainingBytes(parameters: configuration.parameterCount,
                                                          activationsPerStep: configuration.activationsPerStep(batchSize: options.batchSize)),
                               what: "this model and batch")
        return Prepared(configuration: configuration, vocabulary: vocabulary, classes: classes, train: train,
                        validation: validation, data: data, classWeights: classWeights, rng: rng)
    }

    /// - Parameter givenVocabulary: a vocabulary to train with (from `loom vocab build`) instead of one built
    ///   from the training split; its coverage of the training tokens is reported.
    public func train(_ examples: [LabelledText], source: String, output: ModelDirectory, vocabulary givenVocabulary: Vocabulary? = nil,
                      observer: (SentimentTrainingEvent) -> Void = { _ in }) throws -> SentimentTrainingSummary {
        try options.validate()
        var prepared = try prepare(examples, source: source, vocabulary: givenVocabulary, observer: observer)
        let model = try SentimentModel(prepared.configuration, rng: &prepared.rng)
        if let settings = prepared.configuration.ngrams, settings.naiveBayes, prepared.classes.count == 2,
           let features = model.ngramFeatures {
            // The features the bag sees (its window of each review).
            let lists = prepared.train.sequences.map(model.bagFeatureRows)
            model.setNGramScale(NGramFeatures.naiveBayesRatios(features: lists, labels: prepared.train.labels, rows: features.rows))
            observer(.message("n-gram branch: \(features.rows) rows (vocabulary + \(settings.buckets) buckets), Naive-Bayes scaled"))
        } else if prepared.configuration.isRegression, let features = model.ngramFeatures {
            // Squared error is unbounded: with unit scales one Adam step (each weight moving by about the learning
            // rate) would move a review's output by the rate times its hundreds of features. TF-IDF weights with
            // a typical review at unit length (the ridge peer's features) keep the steps in proportion.
            let lists = prepared.train.sequences.map(model.bagFeatureRows)
            model.setNGramScale(NGramFeatures.idfScale(features: lists, rows: features.rows))
            observer(.message("n-gram branch: \(features.rows) rows (vocabulary + \(prepared.configuration.ngrams?.buckets ?? 0) buckets), TF-IDF scaled"))
        }
        let optimizer = Adam(learningRate: options.learningRate)
        let state = SentimentRunState(options: options, dataPath: source, dataFingerprint: prepared.data.fingerprint,
                                      rng: prepared.rng, learningRate: options.learningRate,
                                      divergence: prepared.configuration.isRegression
                                          ? DivergenceGuard(reference: 1)  // the MSE of predicting the mean of standardized targets
                                          : DivergenceGuard(classes: prepared.classes.count),
                                      started: Date())
        return try run(prepared, model: model, optimizer: optimizer, state: state, log: [], output: output, observer: observer)
    }

    /// What a resumed run may change: when it stops (the rest is the run's own).
    public struct ResumeLimits: Sendable {
        public var epochs: Int?
        public var maxSteps: Int?
        public var timeLimit: Double?
        public var patience: Int?
        public init(epochs: Int? = nil, maxSteps: Int? = nil, timeLimit: Double? = nil, patience: Int? = nil) {
            self.epochs = epochs
            self.maxSteps = maxSteps
            self.timeLimit = timeLimit
            self.patience = patience
        }
    }

    /// The data path a resumable run in `directory` was trained on.
    public static func resumableDataPath(in directory: ModelDirectory) throws -> String {
        try SentimentCheckpoint.readState(from: directory).dataPath
    }

    /// Continues the run saved in `directory` exactly where it stopped (weights, Adam's moments, the generator,
    /// epoch and batch, the best so far): N steps then a resume gives the weights of one uninterrupted run.
    /// The data must be the run's own (checked by its fingerprint). Nothing is written before every check passes.
    public static func resume(from directory: ModelDirectory, examples: [LabelledText], source: String,
                              limits: ResumeLimits = ResumeLimits(), output: ModelDirectory? = nil,
                              observer: (SentimentTrainingEvent) -> Void = { _ in }) throws -> SentimentTrainingSummary {
        var state = try SentimentCheckpoint.readState(from: directory)
        let (saved, vocabulary) = try SentimentModelFiles.load(from: directory)
        var options = state.options
        if limits.epochs != nil || limits.maxSteps != nil {
            options.epochs = limits.epochs ?? options.epochs
            options.maxSteps = limits.maxSteps
        }
        if let timeLimit = limits.timeLimit { options.timeLimit = timeLimit }
        if let patience = limits.patience { options.patience = patience }
        try options.validate()
        state.options = options
        let trainer = SentimentTrainer(architecture: saved.configuration, options: options)
        let prepared = try trainer.prepare(examples, source: source, vocabulary: vocabulary, observer: { _ in })
        guard prepared.data.fingerprint == state.dataFingerprint else {
            throw ModelError.invalidData("\(source): not the data this run was trained on (its fingerprint differs: other reviews, labels or order); resume with the run's own data (\(state.dataPath))")
        }
        guard prepared.configuration == saved.configuration else {
            throw ModelError.mismatch(directory.configURL, reason: "the data gives another model (classes or vocabulary) than the saved one")
        }
        if state.epoch > options.epochs || options.maxSteps.map({ state.totalSteps >= $0 }) == true {
            throw ModelError.invalidOption("the run in \(directory.url.path) already stopped at epoch \(state.epoch - (state.nextBatch == 0 ? 1 : 0)), step \(state.totalSteps); pass a larger --epochs or --max-steps to continue it")
        }
        var rng = SeededGenerator(seed: 0)
        let model = try SentimentModel(prepared.configuration, randomize: false, rng: &rng)
        let optimizer = Adam(learningRate: state.learningRate)
        try SentimentCheckpoint.restore(state, model: model, optimizer: optimizer, from: directory)
        let log = Array(try TrainingLog.read(in: directory).prefix(state.logCount))
        observer(.message("resuming \(directory.url.path) at epoch \(state.epoch), batch \(state.nextBatch + 1), step \(state.totalSteps)"))
        return try trainer.run(prepared, model: model, optimizer: optimizer, state: state, log: log,
                               output: output ?? directory, observer: observer)
    }

    /// The training loop from `state`'s position: epochs of length-bucketed batches, a validation score and
    /// (when it improves) a saved model after each, a resume point after each and wherever the run stops.
    func run(_ prepared: Prepared, model: SentimentModel, optimizer: Adam, state initial: SentimentRunState,
             log initialLog: [TrainingRecord], output: ModelDirectory,
             observer: (SentimentTrainingEvent) -> Void) throws -> SentimentTrainingSummary {
        let sessionStart = Date()
        let (configuration, vocabulary, train, validation, data) =
            (prepared.configuration, prepared.vocabulary, prepared.train, prepared.validation, prepared.data)
        model.classWeights = prepared.classWeights
        let trainingStep = TrainingStep(parameters: model.trainableParameters, optimizer: optimizer, clip: options.clip)
        var state = initial
        // The generator and the divergence guard live in locals while steps run (closures capture them); the
        // state gets them back at every resume point.
        var rng = state.rng, divergence = state.divergence
        var log = initialLog
        var interruptedBy: Int32? = nil
        var stopReason = "finished \(options.epochs) epochs"
        var saved = state.bestEpoch != nil
        func provenance(reason: String? = nil) -> TrainingProvenance<SentimentTrainingOptions> {
            // The run's wall time: before this session (a resumed run) plus this session's so far. (`state.seconds`
            // already holds this session's time up to the last epoch, so it must not be added again.)
            TrainingProvenance(started: state.started, seconds: initial.seconds + Date().timeIntervalSince(sessionStart),
                               options: options, data: data, metrics: state.bestEpoch.map { Self.metrics(of: log, best: $0) } ?? [:],
                               stopReason: reason)
        }

        epochs: while state.epoch <= options.epochs {
            let epoch = state.epoch
            let epochStart = Date()
            if state.nextBatch == 0 {
                state.epochStartRNG = rng
                state.sums = SentimentEpochSums()
            }
            var drawn = state.epochStartRNG!
            let batches = SentimentData.bucketedBatches(lengths: train.sequences.map(\.count),
                                                        batchSize: options.batchSize, rng: &drawn)
            if state.nextBatch == 0 { rng = drawn }  // dropout continues after the draw
            /// The resume point when the run stops inside this epoch (taken before the epoch's partial record).
            var stoppedInside: SentimentRunState? = nil
            var stepIndex = state.nextBatch
            while stepIndex < batches.count {
                let indices = batches[stepIndex]
                let batch = PaddedBatch(sequences: indices.map { train.sequences[$0] }, maxLength: configuration.maxLength)
                let targets = train.targets.subset(indices)
                var logits = Tensor.zeros([0])
                let (loss, norm) = try trainingStep.take(step: state.totalSteps + 1, epoch: epoch, divergence: &divergence,
                                                         forward: {
                    logits = model.forward(batch, training: true, rng: &rng)
                    return model.trainingLoss(logits: logits, targets: targets)
                }, backward: model.backward)
                state.totalSteps += 1
                stepIndex += 1
                state.nextBatch = stepIndex
                state.sums.lossSum += Double(loss) * Double(indices.count)
                state.sums.correct += Self.correctCount(model, logits: logits, targets: targets)
                state.sums.seen += indices.count
                state.sums.tokensSeen += batch.tokenCount
                state.sums.normSum += Double(norm)
                state.sums.steps += 1
                let elapsed = state.sums.seconds + Date().timeIntervalSince(epochStart)
                let done = Double(max(state.sums.steps, 1))
                observer(.step(epoch: epoch, epochs: options.epochs, step: stepIndex, stepsPerEpoch: batches.count,
                               loss: state.sums.lossSum / Double(state.sums.seen),
                               accuracy: Double(state.sums.correct) / Double(state.sums.seen),
                               tokensPerSecond: Double(state.sums.tokensSeen) / max(elapsed, 1e-9),
                               secondsLeftInEpoch: elapsed / done * Double(batches.count - stepIndex)))
                var stop = false
                if let limit = options.maxSteps, state.totalSteps >= limit { stop = true }
                if let signal = Interruption.requestedSignal {
                    interruptedBy = signal
                    stop = true
                }
                if stop {
                    if stepIndex < batches.count {
                        var point = state
                        point.rng = rng
                        point.divergence = divergence
                        point.sums.seconds += Date().timeIntervalSince(epochStart)
                        point.learningRate = optimizer.learningRate
                        point.optimizerSteps = optimizer.stepCount
                        point.seconds = state.seconds + Date().timeIntervalSince(sessionStart)
                        point.logCount = log.count
                        stoppedInside = point
                    }
                    break
                }
            }
            let seconds = state.sums.seconds + Date().timeIntervalSince(epochStart)
            let sums = state.sums
            var record = TrainingRecord(epoch: epoch, step: state.totalSteps, trainLoss: sums.lossSum / Double(max(sums.seen, 1)),
                                        trainAccuracy: Double(sums.correct) / Double(max(sums.seen, 1)),
                                        gradientNorm: sums.normSum / Double(max(sums.steps, 1)),
                                        learningRate: Double(optimizer.learningRate),
                                        tokensPerSecond: Double(sums.tokensSeen) / max(seconds, 1e-9), seconds: seconds)
            if validation.count > 0 {
                // One pass over the validation reviews serves both the bag's weight and the scores.
                let outputs = Self.branchOutputs(model, on: validation, batchSize: 256, maxLength: configuration.maxLength)
                if model.ngram != nil {
                    let weight = Self.chooseBagWeight(model, outputs: outputs)
                    model.setBagWeight(weight)
                    record.bagWeight = (Double(weight) * 100).rounded() / 100  // the grid's decimal, not Float's binary tail
                }
                let scored = Self.evaluate(model, outputs: outputs, count: validation.count, isRegression: validation.ratings != nil)
                try divergence.check(validationLoss: scored.loss, step: state.totalSteps, epoch: epoch,
                                           learningRate: optimizer.learningRate)
                record.validationLoss = scored.loss
                record.validationAccuracy = scored.accuracy
                record.validationMeanAbsoluteError = scored.meanAbsoluteError
                state.lastPredictedClasses = scored.predictedClasses
            }
            log.append(record)
            // Classes: the higher accuracy wins; a regression: the lower validation error (then the training loss).
            let score = configuration.isRegression
                ? -(record.validationMeanAbsoluteError ?? record.trainLoss)
                : record.validationAccuracy ?? record.trainAccuracy ?? 0
            let improved = state.bestScore.map { score > $0 } ?? true
            if improved {
                state.bestEpoch = epoch
                state.bestScore = score
                state.bestPredictedClasses = record.validationAccuracy == nil ? nil : state.lastPredictedClasses
                state.epochsWithoutImprovement = 0
                try SentimentModelFiles.save(model, vocabulary: vocabulary, log: log, provenance: try provenance().encoded(),
                                             to: output)
                saved = true
            } else {
                state.epochsWithoutImprovement += 1
                try SentimentModelFiles.writeLog(log, in: output)
            }
            observer(.epochFinished(record, improved: improved))
            optimizer.learningRate *= options.learningRateDecay
            // The next resume point: inside this epoch where it stopped, or the start of the next one.
            state.epoch += 1
            state.nextBatch = 0
            state.epochStartRNG = nil
            state.sums = SentimentEpochSums()
            state.learningRate = optimizer.learningRate
            state.optimizerSteps = optimizer.stepCount
            state.seconds = initial.seconds + Date().timeIntervalSince(sessionStart)
            state.logCount = log.count
            state.rng = rng
            state.divergence = divergence
            if var point = stoppedInside {
                // A stop inside an epoch still scores that part and may save it as the best so far: the resumed
                // run must know it is the model on disk to beat (the rest of the position is from before).
                point.bestEpoch = state.bestEpoch
                point.bestScore = state.bestScore
                point.bestPredictedClasses = state.bestPredictedClasses
                stoppedInside = point
            }
            if saved {
                try SentimentCheckpoint.write(stoppedInside ?? state, parameters: model.parameters, optimizer: optimizer, to: output)
            }
            if interruptedBy != nil { break epochs }
            if let limit = options.maxSteps, state.totalSteps >= limit { stopReason = "reached \(limit) steps"; break epochs }
            if state.epochsWithoutImprovement >= options.patience {
                observer(.message("validation \(configuration.isRegression ? "error" : "accuracy") has not improved for \(options.patience) epochs; stopping early"))
                stopReason = "no validation improvement for \(options.patience) epochs"
                break epochs
            }
            if let limit = options.timeLimit, Date().timeIntervalSince(sessionStart) + seconds > limit {
                observer(.message("time limit reached; stopping"))
                stopReason = "time limit"
                break epochs
            }
        }
        if saved {
            // The record of the finished run: its whole wall time and why it stopped.
            let reason = interruptedBy.map { "interrupted by \(Interruption.name(of: $0))" } ?? stopReason
            try output.writeFile(try provenance(reason: reason).encoded(), to: SentimentModelFiles.trainingFileName)
        }
        let majority = Double(validation.labels.reduce(into: [Int32: Int]()) { $0[$1, default: 0] += 1 }.values.max() ?? 0)
            / Double(max(validation.count, 1))
        var chanceLevel = false
        if configuration.isRegression, let best = state.bestScore, let scale = configuration.ratingScale,
           let ratings = validation.ratings, !ratings.isEmpty {
            // The yardstick: always answering the training mean.
            let baseline = ratings.reduce(0.0) { $0 + abs(Double($1) - scale.mean) } / Double(ratings.count)
            if -best >= 0.99 * baseline {
                chanceLevel = true
                observer(.message(String(format: "warning: the model is no better than always answering the mean rating (validation error %.3f, the mean's %.3f). It has not learned from this data: train longer (--epochs 20 --patience 6).", -best, baseline)))
            }
        } else if let best = state.bestScore, validation.count > 0, state.bestPredictedClasses == 1 || best <= majority + 0.01 {
            chanceLevel = true
            observer(.message(String(format: "warning: the model is no better than always answering the most common class (validation accuracy %.3f, majority class %.3f%@). It has not learned from this data: train longer (--epochs 20 --patience 6), or for a few thousand reviews use the small-data settings (--embedding 32 --hidden 32 --min-count 1 --batch-size 16 --learning-rate 0.005).", best, majority, state.bestPredictedClasses == 1 ? "; every validation review gets the same class" : "")))
        }
        let bestRecord = log.first { $0.epoch == state.bestEpoch }
        return SentimentTrainingSummary(bestEpoch: state.bestEpoch ?? 0,
                                        bestValidationAccuracy: validation.count > 0 ? bestRecord?.validationAccuracy : nil,
                                        bestValidationMeanAbsoluteError: bestRecord?.validationMeanAbsoluteError, log: log,
                                        seconds: Date().timeIntervalSince(sessionStart), classes: prepared.classes,
                                        vocabularySize: vocabulary.count, trainCount: train.count,
                                        validationCount: validation.count, steps: state.totalSteps,
                                        interruptedBy: interruptedBy, saved: saved, chanceLevel: chanceLevel)
    }

    /// What `training.json` says of the data: paths, counts, a fingerprint of labels and texts, class counts.
    static func describe(_ examples: [LabelledText], source: String, classes: [String], labels: [Int32], train: Int,
                         validation: Int) -> TrainingData {
        var hash = FNV1a()
        for example in examples {
            hash.add(example.label.utf8)
            hash.add(0x09)
            hash.add(example.text.utf8)
            hash.add(0x0A)
        }
        var counts: [String: Int] = [:]
        // A regression counts its rounded ratings.
        for label in labels { counts[classes.isEmpty ? String(label) : classes[Int(label)], default: 0] += 1 }
        return TrainingData(paths: [source], examples: examples.count, trainExamples: train, validationExamples: validation,
                            fingerprint: hash.hex, classCounts: counts)
    }

    /// The saved (best) epoch's figures from the log.
    static func metrics(of log: [TrainingRecord], best epoch: Int) -> [String: Double] {
        guard let record = log.first(where: { $0.epoch == epoch }) else { return [:] }
        var metrics: [String: Double] = ["bestEpoch": Double(epoch), "trainLoss": record.trainLoss, "epochs": Double(log.count),
                                         "steps": Double(log.last?.step ?? record.step)]
        metrics["trainAccuracy"] = record.trainAccuracy
        metrics["validationLoss"] = record.validationLoss
        metrics["validationAccuracy"] = record.validationAccuracy
        metrics["validationMeanAbsoluteError"] = record.validationMeanAbsoluteError
        return metrics
    }

    /// How many outputs of a batch are right: the most probable class is the target, or a rating is within
    /// ±1 of it.
    static func correctCount(_ model: SentimentModel, logits: Tensor, targets: SentimentTargets) -> Int {
        switch targets {
        case .classes(let labels):
            return zip(model.probabilities(logits: logits), labels).filter { row, target in
                row.indices.max { row[$0] < row[$1] } == Int(target)
            }.count
        case .ratings(let ratings):
            return zip(model.ratings(logits: logits) ?? [], ratings).filter { abs($0 - $1) <= 1 }.count
        }
    }

    /// The candidate weights of the n-gram bag in the logits: 0, 0.05, …, 1.
    static let bagWeightGrid: [Float] = (0...20).map { Float($0) / 20 }

    /// Each branch's logits for `examples` without dropout, in length-ordered batches with their targets
    /// (`bag` nil without an n-gram branch): what choosing the bag's weight and scoring both read.
    static func branchOutputs(_ model: SentimentModel, on examples: EncodedExamples, batchSize: Int, maxLength: Int)
        -> [(targets: SentimentTargets, recurrent: Tensor, bag: Tensor?)] {
        var rng = SeededGenerator(seed: 0)
        return SentimentData.lengthOrderedBatches(lengths: examples.sequences.map(\.count), batchSize: batchSize).map { indices in
            let batch = PaddedBatch(sequences: indices.map { examples.sequences[$0] }, maxLength: maxLength)
            let logits = model.forward(batch, training: false, rng: &rng)
            let targets = examples.targets.subset(indices)
            guard let (recurrent, bag) = model.lastBranchLogits, model.ngram != nil else { return (targets, logits, nil) }
            return (targets, recurrent, bag)
        }
    }

    /// The bag's weight w (`NGramSettings.bagWeight`) for which the mixed logits (1 − w)·recurrent + w·bag
    /// have the lowest mean loss on `outputs` (`branchOutputs` of the validation split): the two branches
    /// stacked on reviews neither was trained on. Ties go to the w nearest 0.5 (the plain mean).
    static func chooseBagWeight(_ model: SentimentModel, outputs: [(targets: SentimentTargets, recurrent: Tensor, bag: Tensor?)]) -> Float {
        var lossSums = [Double](repeating: 0, count: bagWeightGrid.count)
        for output in outputs {
            guard let bag = output.bag else { return model.configuration.bagWeight }
            for (k, w) in bagWeightGrid.enumerated() {
                let loss = model.loss(logits: SentimentModel.mix(output.recurrent, bag, bagWeight: w), targets: output.targets).loss
                lossSums[k] += Double(loss) * Double(output.recurrent.shape[0])
            }
        }
        let best = bagWeightGrid.indices.min { a, b in
            lossSums[a] != lossSums[b] ? lossSums[a] < lossSums[b] : abs(bagWeightGrid[a] - 0.5) < abs(bagWeightGrid[b] - 0.5)
        }!
        return lossSums[best].isFinite ? bagWeightGrid[best] : model.configuration.bagWeight
    }

    /// Mean loss and accuracy of `model` on `outputs` (`branchOutputs` of `count` examples, the branches mixed
    /// with the model's bag weight; a regression: the share within ±1, and the mean absolute error), and how
    /// many distinct answers it gave (classes, or rounded ratings).
    static func evaluate(_ model: SentimentModel, outputs: [(targets: SentimentTargets, recurrent: Tensor, bag: Tensor?)],
                         count examples: Int, isRegression: Bool)
        -> (loss: Double, accuracy: Double, meanAbsoluteError: Double?, predictedClasses: Int) {
        var lossSum = 0.0, correct = 0, absoluteErrorSum = 0.0
        var predicted = Set<Int>()
        for output in outputs {
            let targets = output.targets
            let logits = output.bag.map { SentimentModel.mix(output.recurrent, $0, bagWeight: model.configuration.bagWeight) } ?? output.recurrent
            lossSum += Double(model.loss(logits: logits, targets: targets).loss) * Double(logits.shape[0])
            correct += correctCount(model, logits: logits, targets: targets)
            if case .ratings(let ratings) = targets, let answers = model.ratings(logits: logits) {
                for (answer, rating) in zip(answers, ratings) {
                    absoluteErrorSum += Double(abs(answer - rating))
                    predicted.insert(Int(max(min(answer.rounded(), 1e9), -1e9)))
                }
            } else {
                for row in model.probabilities(logits: logits) { predicted.insert(row.indices.max { row[$0] < row[$1] } ?? 0) }
            }
        }
        let count = Double(max(examples, 1))
        return (lossSum / count, Double(correct) / count, isRegression ? absoluteErrorSum / count : nil, predicted.count)
    }
}
