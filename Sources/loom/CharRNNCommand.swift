import ArgumentParser
import Foundation
import LoomModels
import LoomNN
import LoomSystem

/// `loom charrnn …`: character-level language models.
struct CharRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charrnn",
        abstract: "Character-level language models: train on any text, then generate with `loom sample`.",
        subcommands: [CharRNNTrainCommand.self, CharRNNEvalCommand.self])
}

/// The library's defaults, the one place the help texts of `charrnn train` read them from (the options
/// themselves are optional: on --resume an option not given keeps the run's setting).
private let charArchitectureDefaults = CharModelConfiguration(vocabularySize: 1)
private let charTrainingDefaults = CharTrainingOptions()

extension LearningRateSchedule: ExpressibleByArgument {}
extension CharPreset: ExpressibleByArgument {}

/// `loom charrnn train`: trains (or resumes) a character model and writes its folder.
struct CharRNNTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a character-level RNN/LSTM/GRU on plain-text files.",
        discussion: """
        The last --validation fraction of the text is held out. Training reads the rest as --batch-size \
        parallel lanes in windows of --seq-length characters, carrying the hidden state from one window to \
        the next (truncated BPTT), with Adam and gradient clipping; the learning rate warms up over --warmup \
        steps, then follows a cosine down to --min-lr over the run, as nanoGPT's (the run's length is its \
        --steps, --epochs or --time-limit, whichever ends it first; --schedule decay multiplies it by --decay \
        every epoch instead, as char-rnn). Dropout (--dropout between layers, --output-dropout before the \
        output layer) is on in training only. Every --eval-every steps (and at the end) it measures the validation loss (nats and bits \
        per character), prints a short sample and rewrites the model folder atomically: the best weights so \
        far as the model, plus a resume/ part from which --resume continues exactly where the run stopped. \
        Ctrl-C (or SIGTERM) finishes the current step, writes a checkpoint and exits 130 (143); --resume \
        continues from it. --out must be a new folder, an empty one, or a character model folder (which is \
        replaced); anything else is refused unless --force.

        With none of --steps, --epochs and --time-limit, training runs 10 epochs. --steps and --epochs count from the \
        start of the run, also when resuming.

        Examples:
          # tiny model on the bundled tales (about a minute on two cores)
          loom charrnn train --corpus corpora/tales.txt --out models/tales \\
            --layers 1 --hidden 128 --steps 300
          loom sample --model models/tales --prompt "Once upon a time"

          # Tiny Shakespeare, 30 minutes (validation 1.43 nats/char on two cores)
          loom charrnn train --corpus input.txt --out models/shakespeare \\
            --preset quality --time-limit 1800

          # continue a stopped run up to 5000 steps in total
          loom charrnn train --resume models/shakespeare --steps 5000
        """)

    @Option(name: .customLong("corpus"), parsing: .upToNextOption,
            help: ArgumentHelp("UTF-8 text files to train on, read in order.", valueName: "file"))
    var corpus: [String] = []

    @Option(help: ArgumentHelp("Model folder to write (default: the --resume folder).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Continue the run saved in this model folder, with its settings.", valueName: "dir"))
    var resume: String?

    @Flag(help: "Replace --out even when it is not a character model folder (never the current folder, home, / or an input).")
    var force = false

    @Option(help: "Architecture preset: standard (2×256 LSTM, dropout 0.2) or quality (2×384, dropout 0.25, the cosine from the start: Tiny Shakespeare 1.43 nats/char in 30 minutes on two cores); options given as well override it. (default: standard)")
    var preset: CharPreset?

    @Option(help: "Recurrent cell: lstm, gru or rnn. (default: \(charArchitectureDefaults.cell.rawValue))")
    var cell: CellKind?

    @Option(help: "Recurrent layers. (default: \(charArchitectureDefaults.layers))")
    var layers: Int?

    @Option(help: "Hidden units per layer. (default: \(charArchitectureDefaults.hiddenSize))")
    var hidden: Int?

    @Option(help: "Character embedding size. (default: \(charArchitectureDefaults.embeddingSize))")
    var embedding: Int?

    @Option(name: .customLong("seq-length"), help: "Characters per training window (BPTT length). (default: \(charTrainingDefaults.sequenceLength))")
    var seqLength: Int?

    @Option(name: .customLong("batch-size"), help: "Parallel lanes of text per step. (default: \(charTrainingDefaults.batchSize))")
    var batchSize: Int?

    @Option(name: .customLong("learning-rate"), help: "Adam learning rate. (default: \(charTrainingDefaults.learningRate))")
    var learningRate: Float?

    @Option(help: "Learning-rate schedule: cosine (warm-up, then a cosine down to --min-lr over the run) or decay (× --decay every epoch). (default: \(charTrainingDefaults.schedule.rawValue))")
    var schedule: LearningRateSchedule?

    @Option(help: "Warm-up steps of the cosine schedule. (default: \(charTrainingDefaults.warmupSteps))")
    var warmup: Int?

    @Option(help: "With --schedule cosine: the share of the run at the full rate before the cosine descent, in [0, 1). (default: \(charTrainingDefaults.holdFraction))")
    var hold: Double?

    @Option(name: .customLong("min-lr"), help: "Where the cosine schedule ends. (default: \(charTrainingDefaults.minLearningRate))")
    var minLearningRate: Float?

    @Option(help: "With --schedule decay: learning-rate factor applied at the start of every epoch after the first; 1 = none. (default: \(charTrainingDefaults.decay))")
    var decay: Float?

    @Option(name: .customLong("decay-after"), help: "With --schedule decay: epochs at the full rate before the decay starts (char-rnn's learning_rate_decay_after). (default: \(charTrainingDefaults.decayAfter))")
    var decayAfter: Int?

    @Option(help: "Dropout between recurrent layers (no effect with one layer). (default: \(charArchitectureDefaults.dropout))")
    var dropout: Float?

    @Option(name: .customLong("output-dropout"), help: "Dropout on the top layer's outputs, before the output layer. (default: \(charArchitectureDefaults.outputDropout))")
    var outputDropout: Float?

    @Option(help: "Global gradient-norm limit. (default: \(charTrainingDefaults.clip))")
    var clip: Float?

    @Option(help: "Stop after this many steps in total.")
    var steps: Int?

    @Option(help: "Stop after this many epochs in total.")
    var epochs: Int?

    @Option(name: .customLong("eval-every"), help: "Evaluate, sample and checkpoint every this many steps. (default: \(charTrainingDefaults.evaluateEvery))")
    var evalEvery: Int?

    @Option(help: "Fraction of the text (its end) held out for validation, in [0, 1). (default: \(charTrainingDefaults.validationFraction))")
    var validation: Double?

    @Option(help: "Seed for initialisation, data order and dropout. (default: \(charTrainingDefaults.seed))")
    var seed: UInt64?

    @Option(name: .customLong("time-limit"), help: ArgumentHelp("Stop after this many seconds of training.", valueName: "seconds"))
    var timeLimit: Double?

    @Option(name: .customLong("sample-length"), help: "Characters of the sample printed at each evaluation; 0 for none. (default: \(charTrainingDefaults.sampleLength))")
    var sampleLength: Int?

    @Flag(help: "No progress bar, evaluation lines or samples; only the final summary.")
    var quiet = false

    @Flag(help: "One JSON line per evaluation on stdout, then a summary line (progress stays on stderr).")
    var json = false

    func run() throws {
        try reportingErrors { try train() }
    }

    private func train() throws {
        BLASNotice.warnIfUnavailable()
        let reporter = ProgressReporter(enabled: !quiet)
        let observer = CharTrainingObserver(reporter: reporter, json: json)
        let corpusURLs = corpus.map { URL(commandLinePath: $0) }
        let outputPath = out ?? resume
        guard let outputPath else { throw ModelError.invalidOption("give the model folder to write with --out DIR") }
        let checkedOutput = try OutputCheck.url(forPath: outputPath)
        if resume == nil {
            guard !corpus.isEmpty else { throw ModelError.invalidOption("give the text to train on with --corpus FILE…") }
        }
        try OutputCheck(kind: CharModelConfiguration.kind, inputs: corpusURLs, force: force).check(checkedOutput)
        Interruption.install()
        let summary: CharTrainingSummary
        let outputURL: URL
        if let resume {
            if preset != nil { throw ModelError.invalidOption("--preset chooses a new run's architecture; a resumed run keeps its own (leave --preset out)") }
            var overrides = CharResumeOverrides()
            overrides.cell = cell
            overrides.layers = layers
            overrides.hiddenSize = hidden
            overrides.embeddingSize = embedding
            overrides.dropout = dropout
            overrides.outputDropout = outputDropout
            overrides.schedule = schedule
            overrides.warmupSteps = warmup
            overrides.minLearningRate = minLearningRate
            overrides.holdFraction = hold
            overrides.sequenceLength = seqLength
            overrides.batchSize = batchSize
            overrides.learningRate = learningRate
            overrides.decay = decay
            overrides.decayAfter = decayAfter
            overrides.clip = clip
            overrides.validationFraction = validation
            overrides.seed = seed
            overrides.maxSteps = steps
            overrides.epochs = epochs
            overrides.evaluateEvery = evalEvery
            overrides.timeLimit = timeLimit
            overrides.sampleLength = quiet ? 0 : sampleLength
            let source = URL(commandLinePath: resume)
            outputURL = checkedOutput
            summary = try CharTrainer.resume(
                from: ModelDirectory(source), corpus: corpus.isEmpty ? nil : corpusURLs,
                overrides: overrides, output: ModelDirectory(outputURL), observer: observer.handle)
        } else {
            var architecture = (preset ?? .standard).architecture(vocabularySize: 1)
            if let cell { architecture.cell = cell }
            if let layers { architecture.layers = layers }
            if let hidden { architecture.hiddenSize = hidden }
            if let embedding { architecture.embeddingSize = embedding }
            if let dropout { architecture.dropout = dropout }
            if let outputDropout { architecture.outputDropout = outputDropout }
            var options = CharTrainingOptions()
            (preset ?? .standard).apply(to: &options)
            if let seqLength { options.sequenceLength = seqLength }
            if let batchSize { options.batchSize = batchSize }
            if let learningRate { options.learningRate = learningRate }
            if let decay { options.decay = decay }
            if let decayAfter { options.decayAfter = decayAfter }
            if let schedule { options.schedule = schedule }
            if let warmup { options.warmupSteps = warmup }
            if let minLearningRate { options.minLearningRate = minLearningRate }
            if let hold { options.holdFraction = hold }
            if let clip { options.clip = clip }
            if let validation { options.validationFraction = validation }
            if let seed { options.seed = seed }
            options.maxSteps = steps
            options.epochs = epochs
            if let evalEvery { options.evaluateEvery = evalEvery }
            options.timeLimit = timeLimit
            if let sampleLength { options.sampleLength = sampleLength }
            if quiet { options.sampleLength = 0 }
            outputURL = checkedOutput
            summary = try CharTrainer(architecture: architecture, options: options)
                .train(corpus: corpusURLs, output: ModelDirectory(outputURL),
                       observer: observer.handle)
        }
        reporter.log("")
        if let signal = summary.interruptedBy {
            try exitInterrupted(by: signal, step: summary.steps, savedTo: outputURL)
        }
        if json {
            struct Summary: Encodable {
                var event = "summary"
                var model: String
                var bestStep: Int
                var bestValidationLoss: Double?
                var steps: Int
                var epoch: Int
                var seconds: Double
                var stopReason: String
            }
            try printJSONLine(Summary(model: outputURL.path, bestStep: summary.bestStep,
                                      bestValidationLoss: summary.bestValidationLoss, steps: summary.steps,
                                      epoch: summary.epoch, seconds: summary.seconds, stopReason: summary.stopReason))
            return
        }
        var line = "saved \(outputURL.path): best step \(summary.bestStep)"
        if let best = summary.bestValidationLoss {
            line += String(format: ", validation loss %.4f nats/char (%.4f bits/char)", best, best / log(2.0))
        }
        line += " · \(summary.steps) steps, stopped: \(summary.stopReason)"
        print(line)
    }
}

/// Turns training events into a progress bar and evaluation lines on stderr.
final class CharTrainingObserver {
    let reporter: ProgressReporter
    /// Also print each evaluation as a JSON line on stdout.
    let json: Bool

    init(reporter: ProgressReporter, json: Bool = false) {
        self.reporter = reporter
        self.json = json
    }

    func handle(_ event: CharTrainingEvent) {
        switch event {
        case .message(let text):
            reporter.log(text)
        case .step(let p):
            var status = "epoch \(p.epoch) · step \(p.step)" + (p.totalSteps.map { "/\($0)" } ?? "")
            status += String(format: " · loss %.3f", p.averageLoss)
            if let validation = p.validationLoss { status += String(format: " · val %.3f", validation) }
            status += " · \(ProgressReporter.compact(p.charactersPerSecond)) chars/s"
            if let left = p.secondsLeft { status += " · ETA \(ProgressReporter.duration(left))" }
            // The bar is the share of the whole run (its step, epoch or time limit), not of an epoch.
            reporter.update(fraction: p.fraction, label: "training", status: status)
        case .evaluation(let record, let improved, let sample):
            if json {
                print((try? JSONOutput.line(TrainingEventLine(event: "evaluation", improved: improved, record: record))) ?? "")
                fflush(stdout)
            }
            var line = String(format: "step %d (epoch %d): train %.4f", record.step, record.epoch, record.trainLoss)
            if let validation = record.validationLoss {
                line += String(format: " · val %.4f nats/char (%.4f bits/char)", validation, validation / log(2.0))
            }
            line += " · \(ProgressReporter.compact(record.tokensPerSecond)) chars/s · lr \(String(format: "%.2e", record.learningRate))"
            line += improved ? " · saved as best" : ""
            reporter.log(line)
            if !sample.isEmpty { reporter.log("┆ " + sample.replacingOccurrences(of: "\n", with: "\n┆ ")) }
        }
    }
}

/// `loom charrnn eval`: the loss of a character model on a text.
struct CharRNNEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a character model's loss (nats and bits per character) on a text.",
        discussion: """
        With --validation F (default 0.1) only the last F of the text is scored, the part training holds out, \
        read as --batch-size lanes in windows of --seq-length characters with the state carried, exactly as \
        training's validation: so the figure equals the one training logged. --validation 1 scores the whole text.

        Examples:
          loom charrnn eval --model shakespeare --corpus ../shared/datasets/tinyshakespeare/input.txt
          loom charrnn eval --model models/tales --corpus corpora/tales.txt --validation 1 --json
        """)

    @OptionGroup var model: CharModelOption

    @Option(name: .customLong("corpus"), parsing: .upToNextOption, help: ArgumentHelp("UTF-8 text files, read in order.", valueName: "file"))
    var corpus: [String] = []

    @Option(help: "Fraction of the text (its end) to score, in (0, 1].")
    var validation: Double = 0.1

    @Option(name: .customLong("batch-size"), help: "Lanes the text is read in.")
    var batchSize: Int = 32

    @Option(name: .customLong("seq-length"), help: "Characters per window.")
    var seqLength: Int = 100

    @Flag(help: "Print one JSON line.")
    var json = false

    func validate() throws {
        if corpus.isEmpty { throw ValidationError("give the text to score with --corpus FILE…") }
        if !(validation > 0 && validation <= 1) { throw ValidationError("--validation must be in (0, 1], got \(validation)") }
        if batchSize < 1 || batchSize > 100_000 { throw ValidationError("--batch-size must be between 1 and 100000, got \(batchSize)") }
        if seqLength < 1 || seqLength > 100_000 { throw ValidationError("--seq-length must be between 1 and 100000, got \(seqLength)") }
    }

    struct Report: Encodable {
        var characters: Int
        var nats: Double
        var bits: Double
    }

    func run() throws {
        try reportingErrors {
            let sampler = try CharSampler(directory: model.folder())
            let files = corpus.map { URL(commandLinePath: $0) }
            let texts = try CharCorpus.readTexts(files)
            let encoded = try CharCorpus(sources: files, texts: texts, vocabulary: sampler.vocabulary, validationFraction: validation)
            let text = encoded.validation
            guard text.count >= 2 else { throw ModelError.invalidData("\(corpus.joined(separator: ", ")): fewer than 2 characters to score") }
            let nats = sampler.model.meanLoss(on: text, lanes: batchSize, sequenceLength: seqLength)
            let report = Report(characters: text.count, nats: nats, bits: nats / log(2.0))
            if json { try printJSONLine(report); return }
            print(String(format: "%d characters: %.4f nats/char (%.4f bits/char)", report.characters, nats, report.bits))
        }
    }
}
