import ArgumentParser
import Foundation
import LoomModels
import LoomNN
import LoomSystem
import LoomText

extension CellKind: ExpressibleByArgument {}
extension Pooling: ExpressibleByArgument {}
extension CorpusSplit: ExpressibleByArgument {}
extension Initialization: ExpressibleByArgument {}
extension SentimentPreset: ExpressibleByArgument {}
extension SentimentTask: ExpressibleByArgument {}

/// `loom sentiment …`: train and evaluate review classifiers.
struct SentimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentiment",
        abstract: "Train and evaluate an embedding + LSTM/GRU sentiment classifier.",
        subcommands: [SentimentTrainCommand.self, SentimentEvalCommand.self]
    )
}

/// The library's defaults, the one place every default and help text of `sentiment train` reads from.
private let architectureDefaults = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: 2)
private let trainingDefaults = SentimentTrainingOptions()
private let smallData = SmallDataRecipe()

/// `loom sentiment train`.
struct SentimentTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a sentiment classifier on labelled reviews and write a model folder.",
        discussion: """
        DATA is an aclImdb folder (train/pos, train/neg, …), a TSV file of `label<TAB>text` lines, a CSV file with a header (e.g. Kaggle's `review,sentiment`), or JSON Lines (`{"text": …, "label": …}` per line, .jsonl). --delimiter, --text-column and --label-column read other tables (any extension) and other JSON keys. Labels pos/positive/1 and neg/negative/0 make a binary pos/neg model; any other labels make one class each.

        --out must be a new folder, an empty one, or a sentiment model folder (which is replaced); anything else is refused unless --force. Ctrl-C (or SIGTERM) finishes the current step, scores and saves the model if it is the best so far, and exits 130 (143).

        The vocabulary comes from the training split only. A stratified --validation fraction is held out; after each epoch the model is scored on it and, when validation accuracy improves, the model folder is rewritten atomically: config.json, model.safetensors (PyTorch names), vocab.txt, train-log.jsonl and curves.svg. Training stops early after --patience epochs without improvement.

        The defaults are the recipe measured on IMDB (25,000 training reviews → 0.920 accuracy on the 25,000 test reviews in 7 minutes on two cores, see BENCHMARKS.md): two branches, each trained on its own loss, whose logits are mixed by a weight chosen on the validation reviews after each epoch — a bidirectional GRU of 128 per direction over 128-wide embeddings of the last 400 tokens with max pooling over time, dropout 0.5 (0.3 on the embedded tokens); and a linear bag of the whole review's unigrams and hashed bigrams and trigrams (--ngrams 3 in 4M buckets: fastText's features with NBSVM's Naive-Bayes scaling for two classes, L2 2e-4, learning at 1.5× the rate). A 30,000-token vocabulary with punctuation kept, Adam at 2e-3 decaying ×0.7 per epoch, up to 6 epochs. --ngrams 0 gives the recurrent model alone; --preset fast trains in under a minute (0.917 on IMDB in 22 s).

        For a few hundred reviews those defaults take too few steps and drop too many rare words; something like --epochs 12 --patience 4 --min-count 1 --batch-size 16 --learning-rate 0.005 --embedding 32 --hidden 32 (what scripts/demo.sh uses on corpora/reviews.tsv) learns within seconds.

        Examples:
          loom sentiment train --data corpora/reviews.tsv --out models/demo --epochs 12 --min-count 1 --batch-size 16 --learning-rate 0.005
          loom sentiment train --data ../shared/datasets/imdb/train.tsv --out models/imdb
          loom sentiment train --data ../shared/datasets/imdb/train.tsv --out models/quick --preset fast
          loom sentiment train --data ratings.tsv --out models/stars --labels 1,2,3,4,7,8,9,10 --class-weight balanced
          paste <(cut -f3 imdb/train.meta.tsv) <(cut -f2 imdb/train.tsv) > ratings.tsv
          loom sentiment train --data ratings.tsv --out models/rating --task regression --preset fast
          loom sentiment train --resume models/imdb --epochs 12      # continue a stopped run, or run longer

        --task regression learns a number per review (a star rating) instead of classes: the same network with one linear output trained with mean squared error on the standardized ratings (rating = mean + sd · output, clamped to the training range; in config.json as ratingScale). Every label must be a number. Its epochs report the share of validation reviews within ±1 as accuracy, and the best epoch is the one with the lowest validation mean absolute error. `loom classify` prints the rating, `loom sentiment eval` MAE, RMSE, Pearson and Spearman correlation and the share within ±1. --task classes (the default) makes numeric labels classes in numeric order.

        --resume DIR continues the run saved in DIR (its resume/ part, rewritten after every epoch and wherever the run stops) exactly where it stopped: the same weights, Adam state, random generator, epoch and batch, best so far, so a stopped-and-resumed run ends with the weights of an uninterrupted one. The data must be the run's own (checked by a fingerprint); options other than --epochs, --max-steps, --time-limit and --patience are refused.
        """
    )

    @Option(name: .long, help: "Labelled data: aclImdb folder, .tsv, .csv or .jsonl file (with --resume: the run's own by default).")
    var data: String?

    @OptionGroup var format: CorpusFormatOptions

    @Option(name: .long, help: "Model folder to write (created, or replaced atomically when it holds a sentiment model; with --resume: that folder by default).")
    var out: String?

    @Option(help: ArgumentHelp("Continue the run saved in this model folder exactly where it stopped, with its settings (only --epochs, --max-steps, --time-limit and --patience may change).", valueName: "dir"))
    var resume: String?

    @Flag(help: "Replace --out even when it is not a sentiment model folder (never the current folder, home, / or an input).")
    var force = false

    @Option(help: "For an aclImdb folder holding train/ and test/: the split to train on.")
    var split: CorpusSplit = .train

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of stopping (the count is reported).")
    var lossy = false

    @Option(help: "Recurrent cell: lstm, gru or rnn.")
    var cell: CellKind = architectureDefaults.cell

    @Option(help: "Stacked recurrent layers.")
    var layers: Int = architectureDefaults.layers

    @Flag(inversion: .prefixedNo, help: "Run each recurrent layer in both directions.")
    var bidirectional = architectureDefaults.bidirectional

    @Option(help: "Embedding size. (default: \(architectureDefaults.embeddingSize); \(smallData.embeddingSize) below \(SmallDataRecipe.threshold) reviews)")
    var embedding: Int?

    @Option(help: "Hidden units per direction. (default: \(architectureDefaults.hiddenSize); \(smallData.hiddenSize) below \(SmallDataRecipe.threshold) reviews)")
    var hidden: Int?

    @Option(help: "Pooling over time: mean, max, last, or attention (learned weights, which `loom classify --explain attention` shows).")
    var pooling: Pooling = architectureDefaults.pooling

    @Option(help: "Weight initialisation: pytorch (uniform ±1/√H) or keras (Glorot input, orthogonal recurrent, forget bias 1).")
    var initialization: Initialization = architectureDefaults.initialization

    @Option(help: "Dropout before the output layer.")
    var dropout: Float = architectureDefaults.dropout

    @Option(name: .customLong("embedding-dropout"), help: "Dropout on the embedded tokens.")
    var embeddingDropout: Float = architectureDefaults.embeddingDropout

    @Option(name: .customLong("max-length"), help: "Tokens kept per review (the last ones, as Keras truncates).")
    var maxLength: Int = architectureDefaults.maxLength

    @Option(help: ArgumentHelp("An n-gram branch beside the recurrent one: 1 (unigrams), 2 (and bigrams) or 3 (and trigrams) in a linear bag (fastText's, Naive-Bayes scaled as NBSVM for two classes), its logits mixed with the recurrent branch's by a weight chosen on the validation reviews after each epoch; 0 for none. (default: \(NGramSettings().order))", valueName: "n"))
    var ngrams: Int?

    @Option(help: ArgumentHelp("A named recipe: fast (a 32-wide bidirectional GRU beside a bigram bag in 1M buckets, 30,000 tokens, 2 epochs: under a minute on two cores). Options given explicitly win.", valueName: "name"))
    var preset: SentimentPreset?

    @Option(help: ArgumentHelp("What to learn: classes (the default; numeric labels are classes in numeric order) or regression (a number per review, such as a star rating).", valueName: "classes|regression"))
    var task: SentimentTask = .classes

    @Option(name: .customLong("class-weight"), help: ArgumentHelp("Weight each class's reviews in the loss: balanced (n / (classes · n_c), scikit-learn's) or CLASS=W,… (e.g. neg=1,pos=3; classes not named keep 1).", valueName: "balanced|a=1,b=3"))
    var classWeight: String?

    @Option(help: ArgumentHelp("The classes in output order, comma-separated (default: neg,pos for binary data, numbers in numeric order, other labels sorted). Every label of the data must be listed.", valueName: "a,b,…"))
    var labels: String?

    @Option(help: ArgumentHelp("Also train on N windows of \(SnippetAugmentation.lengths.lowerBound)–\(SnippetAugmentation.lengths.upperBound) consecutive tokens cut from each training review, with its label, so that the model reads texts of a sentence or two as well (0–\(SnippetAugmentation.maximumPerReview); validation reviews stay whole). (default: 0)", valueName: "n"))
    var snippets: Int?

    @Option(name: .customLong("ngram-buckets"), help: "Hash buckets for the n-gram branch's bigrams and trigrams. (default: \(NGramSettings().buckets); \(smallData.ngramBuckets) below \(SmallDataRecipe.threshold) reviews)")
    var ngramBuckets: Int?

    @Option(name: .customLong("ngram-l2"), help: "L2 penalty (sum of squares) on the n-gram branch's weights. (default: \(NGramSettings().l2); \(NGramSettings.regressionL2) with --task regression)")
    var ngramL2: Float?

    @Option(name: .customLong("ngram-lr-scale"), help: "The n-gram branch learns at this multiple of --learning-rate. (default: \(NGramSettings().learningRateScale); \(NGramSettings.regressionLearningRateScale) with --task regression)")
    var ngramLearningRateScale: Float?

    @Option(name: .customLong("ngram-max-length"), help: ArgumentHelp("Tokens the n-gram branch reads per review (the last ones); its own window beside --max-length, since a bag is cheap per token and reads the whole review by default. (default: \(NGramSettings.defaultMaxLength))", valueName: "n"))
    var ngramMaxLength: Int?


    @Option(name: .customLong("max-vocab"), help: "Vocabulary size including <pad> and <unk>. (default: \(trainingDefaults.maxVocabulary))")
    var maxVocabulary: Int?

    @Option(help: ArgumentHelp("Train with this vocabulary (from `loom vocab build`, tokenized as here) instead of building one from the training split.", valueName: "file"))
    var vocab: String?

    @Option(name: .customLong("min-count"), help: "Minimum token count to enter the vocabulary. (default: \(trainingDefaults.minCount); \(smallData.minCount) below \(SmallDataRecipe.threshold) reviews)")
    var minCount: Int?

    @Option(help: "Maximum epochs. (default: \(trainingDefaults.epochs); \(smallData.epochs) below \(SmallDataRecipe.threshold) reviews)")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Reviews per batch. (default: \(trainingDefaults.batchSize); \(smallData.batchSize) below \(SmallDataRecipe.threshold) reviews)")
    var batchSize: Int?

    @Option(name: .customLong("learning-rate"), help: "Adam learning rate. (default: \(trainingDefaults.learningRate); \(smallData.learningRate) below \(SmallDataRecipe.threshold) reviews)")
    var learningRate: Float?

    @Option(name: .customLong("lr-decay"), help: "Multiply the learning rate by this after every epoch.")
    var learningRateDecay: Float = trainingDefaults.learningRateDecay

    @Option(help: "Global gradient-norm clipping threshold.")
    var clip: Float = trainingDefaults.clip

    @Option(help: "Fraction of each class held out for validation.")
    var validation: Double = trainingDefaults.validationFraction

    @Option(help: "Epochs without validation improvement before stopping. (default: \(trainingDefaults.patience); \(smallData.patience) below \(SmallDataRecipe.threshold) reviews)")
    var patience: Int?

    @Option(help: "Random seed: same seed, same data, same machine → the same model, bit for bit.")
    var seed: UInt64 = trainingDefaults.seed

    @Option(name: .customLong("max-steps"), help: "Stop after this many optimiser steps (quick trials).")
    var maxSteps: Int?

    @Option(name: .customLong("time-limit"), help: "Do not start another epoch after this many seconds.")
    var timeLimit: Double?

    @Flag(name: .customLong("keep-punctuation"), inversion: .prefixedNo,
          help: "Keep punctuation marks as tokens (\"!\" and \"?\" carry sentiment).")
    var keepPunctuation = architectureDefaults.keepPunctuation

    @Flag(name: .customLong("no-case-fold"), help: "Keep letter case (NFKC only).")
    var noCaseFold = !architectureDefaults.caseFold

    @Flag(name: .customLong("no-web-text"), help: "Tokenize without the web-text rules (HTML entities decoded, emoticons and URLs as tokens), as models made before them did.")
    var noWebText = false

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "One JSON line per epoch on stdout, then a summary line (progress stays on stderr).")
    var json = false

    /// The architecture and training options from the command line (classes and vocabulary size are
    /// placeholders: the trainer takes them from the data).
    func settings() throws -> (SentimentConfiguration, SentimentTrainingOptions) {
        var architecture = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: 2)
        architecture.cell = cell
        architecture.layers = layers
        architecture.bidirectional = bidirectional
        if let embedding { architecture.embeddingSize = embedding }
        if let hidden { architecture.hiddenSize = hidden }
        architecture.pooling = pooling
        architecture.dropout = dropout
        architecture.initialization = initialization
        architecture.embeddingDropout = embeddingDropout
        architecture.maxLength = maxLength
        architecture.keepPunctuation = keepPunctuation
        architecture.caseFold = !noCaseFold
        if noWebText { architecture.webText = false }
        if task == .regression {
            architecture.task = .regression
            // Both come from the data when training starts; these let the options be checked first.
            architecture.classes = []
            architecture.ratingScale = RatingScale(mean: 0, standardDeviation: 1, minimum: 0, maximum: 0)
        }
        if task == .regression && (classWeight != nil || labels != nil) {
            throw UsageError(description: "--class-weight and --labels are for classes; --task regression learns a number")
        }
        let order = ngrams ?? preset?.ngramOrder ?? NGramSettings().order
        if order != 0 {
            var settings = NGramSettings()
            settings.order = order
            settings.buckets = ngramBuckets ?? preset?.ngramBuckets ?? settings.buckets
            settings.l2 = ngramL2 ?? (task == .regression ? NGramSettings.regressionL2 : settings.l2)
            settings.learningRateScale = ngramLearningRateScale
                ?? (task == .regression ? NGramSettings.regressionLearningRateScale : settings.learningRateScale)
            settings.maxLength = ngramMaxLength ?? settings.maxLength
            architecture.ngrams = settings
        } else if ngramBuckets != nil || ngramL2 != nil || ngramMaxLength != nil || ngramLearningRateScale != nil {
            throw UsageError(description: "--ngram-buckets, --ngram-l2, --ngram-lr-scale and --ngram-max-length need an n-gram branch: add --ngrams 2")
        }
        var options = SentimentTrainingOptions()
        if let preset {
            architecture.embeddingSize = embedding ?? preset.embeddingSize
            architecture.hiddenSize = hidden ?? preset.hiddenSize
            options.maxVocabulary = preset.maxVocabulary
            options.epochs = preset.epochs
        }
        if let epochs { options.epochs = epochs }
        if let batchSize { options.batchSize = batchSize }
        if let learningRate { options.learningRate = learningRate }
        options.learningRateDecay = learningRateDecay
        options.clip = clip
        options.validationFraction = validation
        if let patience { options.patience = patience }
        options.seed = seed
        if let maxVocabulary { options.maxVocabulary = maxVocabulary }
        if let minCount { options.minCount = minCount }
        options.maxSteps = maxSteps
        options.timeLimit = timeLimit
        options.classWeight = classWeight
        options.labels = labels.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        options.snippets = snippets
        return (architecture, options)
    }

    /// Options a resumed run may be given again: data and output, when to stop, and how to report.
    static let resumableOptions: Set<String> = ["--resume", "--data", "--out", "--force", "--split", "--lossy", "--delimiter",
                                                "--text-column", "--label-column", "--epochs", "--max-steps", "--time-limit",
                                                "--patience", "--quiet", "--json"]

    func run() throws {
        try reportingErrors {
            if let resume { return try resumeRun(URL(commandLinePath: resume)) }
            guard let data else { throw UsageError(description: "give the labelled data with --data PATH (or --resume DIR)") }
            guard let out else { throw UsageError(description: "give the model folder to write with --out DIR") }
            let source = URL(commandLinePath: data)
            let outputURL = try OutputCheck.url(forPath: out)
            BLASNotice.warnIfUnavailable()
            let progress = ProgressReporter(enabled: !quiet)
            if vocab != nil && (maxVocabulary != nil || minCount != nil) {
                throw UsageError(description: "--vocab gives the vocabulary; --max-vocab and --min-count only apply to one built from the data")
            }
            let givenVocabulary = try vocab.map { try Vocabulary(contentsOf: URL(commandLinePath: $0)) }
            var (architecture, options) = try settings()
            try architecture.validate()
            try options.validate()
            try OutputCheck(kind: SentimentConfiguration.kind, inputs: [source] + (vocab.map { [URL(commandLinePath: $0)] } ?? []),
                            force: force).check(outputURL)
            progress.log("reading \(source.path)…")
            let corpus = try LabelledCorpus.load(source, options: format.corpusOptions(split: split, lossy: lossy))
            if corpus.replacements > 0 {
                progress.log("warning: replaced \(corpus.replacements) invalid UTF-8 sequences with U+FFFD (--lossy)")
            }
            let examples = corpus.items
            if examples.count < SmallDataRecipe.threshold && preset == nil {
                var changed: [String] = []
                func adopt<T>(_ given: T?, _ value: T, _ option: String, _ apply: (T) -> Void) {
                    if given == nil { apply(value); changed.append("\(option) \(value)") }
                }
                let small = smallData
                adopt(embedding, small.embeddingSize, "--embedding") { architecture.embeddingSize = $0 }
                adopt(hidden, small.hiddenSize, "--hidden") { architecture.hiddenSize = $0 }
                adopt(minCount, small.minCount, "--min-count") { options.minCount = $0 }
                adopt(epochs, small.epochs, "--epochs") { options.epochs = $0 }
                adopt(batchSize, small.batchSize, "--batch-size") { options.batchSize = $0 }
                adopt(learningRate, small.learningRate, "--learning-rate") { options.learningRate = $0 }
                adopt(patience, small.patience, "--patience") { options.patience = $0 }
                if architecture.ngrams != nil {
                    adopt(ngramBuckets, small.ngramBuckets, "--ngram-buckets") { architecture.ngrams?.buckets = $0 }
                }
                if !changed.isEmpty {
                    progress.log("\(examples.count) reviews (fewer than \(SmallDataRecipe.threshold)): small-data defaults \(changed.joined(separator: " ")); give an option to override it")
                }
            }
            let trainer = SentimentTrainer(architecture: architecture, options: options)
            let output = ModelDirectory(outputURL)
            Interruption.install()
            let summary = try trainer.train(examples, source: source.path, output: output, vocabulary: givenVocabulary) {
                report($0, to: progress, regression: task == .regression)
            }
            try finish(summary, output: output)
        }
    }

    /// `--resume DIR`: refuses options a resumed run cannot change, reads the run's data (or --data), and
    /// continues it.
    private func resumeRun(_ folder: URL) throws {
        let given = Set(CommandLine.arguments.dropFirst().filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=")[0]) })
        let changed = given.subtracting(Self.resumableOptions).sorted()
        if !changed.isEmpty {
            throw UsageError(description: "cannot change \(changed.joined(separator: ", ")) when resuming: a resumed run keeps its settings (only --epochs, --max-steps, --time-limit and --patience may change)")
        }
        let directory = ModelDirectory(folder)
        struct SavedTask: Decodable { var task: SentimentTask? }  // (not `Task`: that is Swift's concurrency type)
        let regression = (try? directory.readJSON(SavedTask.self, from: "config.json"))?.task == .regression
        let dataPath = try data ?? SentimentTrainer.resumableDataPath(in: directory)
        let source = URL(commandLinePath: dataPath)
        let outputURL = try OutputCheck.url(forPath: out ?? folder.path)
        try OutputCheck(kind: SentimentConfiguration.kind, inputs: [source], force: force).check(outputURL)
        BLASNotice.warnIfUnavailable()
        let progress = ProgressReporter(enabled: !quiet)
        progress.log("reading \(source.path)…")
        let examples = try LabelledCorpus.load(source, options: format.corpusOptions(split: split, lossy: lossy)).items
        let output = ModelDirectory(outputURL)
        Interruption.install()
        let limits = SentimentTrainer.ResumeLimits(epochs: epochs, maxSteps: maxSteps, timeLimit: timeLimit, patience: patience)
        let summary = try SentimentTrainer.resume(from: directory, examples: examples, source: source.path, limits: limits,
                                                  output: output) { report($0, to: progress, regression: regression) }
        try finish(summary, output: output)
    }

    /// Progress on stderr, and with --json each epoch's line on stdout. A regression's accuracy is the share
    /// within ±1 of the rating, and its step line says so.
    private func report(_ event: SentimentTrainingEvent, to progress: ProgressReporter, regression: Bool) {
        let accuracyName = regression ? "±1" : "acc"
        switch event {
        case .message(let text) where text.hasPrefix("warning:"):
            progress.warn(text)
        case .message(let text):
            progress.log(text)
        case let .step(epoch, epochs, step, steps, loss, accuracy, tokensPerSecond, secondsLeft):
            progress.update(
                fraction: Double(step) / Double(steps), label: "epoch \(epoch)/\(epochs)",
                status: "step \(step)/\(steps) loss \(String(format: "%.4f", loss)) \(accuracyName) \(String(format: "%.3f", accuracy)) \(ProgressReporter.compact(tokensPerSecond)) tok/s ETA \(ProgressReporter.duration(secondsLeft))",
                force: step == steps)
        case let .epochFinished(record, improved):
            if json {
                print((try? JSONOutput.line(TrainingEventLine(event: "epoch", improved: improved, record: record))) ?? "")
                fflush(stdout)
            }
            var line = "epoch \(record.epoch): train loss \(String(format: "%.4f", record.trainLoss)) \(accuracyName) \(String(format: "%.4f", record.trainAccuracy ?? 0))"
            if let loss = record.validationLoss, let accuracy = record.validationAccuracy {
                line += ", validation loss \(String(format: "%.4f", loss)) \(accuracyName) \(String(format: "%.4f", accuracy))"
            }
            if let error = record.validationMeanAbsoluteError {
                line += " MAE \(String(format: "%.4f", error))"
            }
            if let weight = record.bagWeight { line += ", bag weight \(String(format: "%.2f", weight))" }
            line += ", \(ProgressReporter.compact(record.tokensPerSecond)) tok/s, \(ProgressReporter.duration(record.seconds))"
            line += improved ? " — saved" : ""
            progress.log(line)
        }
    }

    /// The last word of a run: interrupted (exit 128 + signal), a JSON summary line, or a sentence.
    private func finish(_ summary: SentimentTrainingSummary, output: ModelDirectory) throws {
        if let signal = summary.interruptedBy {
            try exitInterrupted(by: signal, step: summary.steps, savedTo: summary.saved ? output.url : nil)
        }
        if json {
            struct Summary: Encodable {
                var event = "summary"
                var model: String
                var bestEpoch: Int
                var bestValidationAccuracy: Double?
                var bestValidationMeanAbsoluteError: Double?
                var steps: Int
                var seconds: Double
                var classes: [String]
                var vocabularySize: Int
                var trainCount: Int
                var validationCount: Int
                var chanceLevel: Bool
            }
            try printJSONLine(Summary(model: output.url.path, bestEpoch: summary.bestEpoch,
                                      bestValidationAccuracy: summary.bestValidationAccuracy,
                                      bestValidationMeanAbsoluteError: summary.bestValidationMeanAbsoluteError, steps: summary.steps,
                                      seconds: summary.seconds, classes: summary.classes,
                                      vocabularySize: summary.vocabularySize, trainCount: summary.trainCount,
                                      validationCount: summary.validationCount, chanceLevel: summary.chanceLevel))
            return
        }
        let best = summary.bestValidationMeanAbsoluteError.map { String(format: " (validation MAE %.4f)", $0) }
            ?? summary.bestValidationAccuracy.map { String(format: " (validation accuracy %.4f)", $0) } ?? ""
        print("trained in \(ProgressReporter.duration(summary.seconds)); best epoch \(summary.bestEpoch)\(best); model written to \(output.url.path)")
    }
}

/// `loom sentiment eval`.
struct SentimentEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a sentiment model on labelled data: accuracy, precision, recall, F1, ROC AUC, confusion matrix (a rating model: MAE, RMSE, Pearson, Spearman, within ±1).",
        discussion: """
        Example:
          loom sentiment eval --model models/imdb --data ../shared/datasets/imdb/test.tsv
        """
    )

    @OptionGroup var model: SentimentModelOption

    @Option(help: "Labelled data: aclImdb folder, .tsv, .csv or .jsonl file.")
    var data: String

    @OptionGroup var format: CorpusFormatOptions

    @Option(help: "For an aclImdb folder holding train/ and test/: the split to score.")
    var split: CorpusSplit = .test

    @Option(name: .customLong("batch-size"), help: "Reviews per inference batch.")
    var batchSize: Int = 256

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    func validate() throws {
        if batchSize < 1 || batchSize > 65_536 { throw ValidationError("--batch-size must be between 1 and 65536, got \(batchSize)") }
    }

    func run() throws {
        try reportingErrors {
            let classifier = try SentimentClassifier(directory: model.folder())
            let examples = try LabelledCorpus.read(URL(commandLinePath: data), options: format.corpusOptions(split: split))
            let start = Date()
            if classifier.configuration.isRegression { return try reportRatings(classifier, examples, start: start) }
            let metrics = try classifier.evaluate(examples, batchSize: batchSize)
            let seconds = Date().timeIntervalSince(start)
            struct Report: Encodable {
                var metrics: ClassificationMetrics
                var seconds: Double
                var reviewsPerSecond: Double
            }
            if json {
                try printJSONLine(Report(metrics: metrics, seconds: seconds, reviewsPerSecond: Double(metrics.count) / seconds))
                return
            }
            print("reviews    \(metrics.count)")
            print("accuracy   \(String(format: "%.4f", metrics.accuracy))")
            if let near = metrics.withinOneAccuracy { print("within ±1  \(String(format: "%.4f", near))  (numeric classes)") }
            if let auc = metrics.rocAUC { print("ROC AUC    \(String(format: "%.4f", auc))") }
            print("class      precision  recall  F1")
            for (index, name) in metrics.classes.enumerated() {
                print(name.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + " \(String(format: "%9.4f  %6.4f  %6.4f", metrics.precision[index], metrics.recall[index], metrics.f1[index]))")
            }
            print("confusion (rows: true, columns: predicted, order \(metrics.classes.joined(separator: ", "))):")
            for row in metrics.confusion { print("  " + row.map { String($0).leftPadded(8) }.joined()) }
            print("throughput \(String(format: "%.0f", Double(metrics.count) / seconds)) reviews/s (\(String(format: "%.2f", seconds)) s, tokenizing included)")
        }
    }

    /// A regression model's figures: MAE, RMSE, Pearson, Spearman, the share within ±1.
    private func reportRatings(_ classifier: SentimentClassifier, _ examples: [LabelledText], start: Date) throws {
        let metrics = try classifier.evaluateRatings(examples, batchSize: batchSize)
        let seconds = Date().timeIntervalSince(start)
        struct Report: Encodable {
            var metrics: RatingMetrics
            var seconds: Double
            var reviewsPerSecond: Double
        }
        if json {
            try printJSONLine(Report(metrics: metrics, seconds: seconds, reviewsPerSecond: Double(metrics.count) / seconds))
            return
        }
        func figure(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "n/a (constant)" }
        print("reviews    \(metrics.count)")
        print("MAE        \(figure(metrics.meanAbsoluteError))")
        print("RMSE       \(figure(metrics.rootMeanSquareError))")
        print("Pearson    \(figure(metrics.pearson))")
        print("Spearman   \(figure(metrics.spearman))")
        print("within ±1  \(figure(metrics.withinOne))")
        print("throughput \(String(format: "%.0f", Double(metrics.count) / seconds)) reviews/s (\(String(format: "%.2f", seconds)) s, tokenizing included)")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
