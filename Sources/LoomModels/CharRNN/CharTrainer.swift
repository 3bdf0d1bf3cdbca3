import Foundation
import LoomNN
import LoomTensor
import LoomText

/// Trains a `CharLanguageModel` on plain text, as char-rnn does: character vocabulary from the corpus,
/// the last `validationFraction` held out, the training text cut into `batchSize` lanes read in windows of
/// `sequenceLength` with the hidden state carried from one window to the next (truncated BPTT), a new
/// offset and lane order each epoch, Adam with global-norm clipping and per-epoch learning-rate decay.
///
/// Every `evaluateEvery` steps (and when training stops) it measures the validation loss, appends a
/// record to the log, and rewrites the model folder atomically: the best weights so far as the model,
/// plus a `resume/` part holding the last weights, optimizer state, position, carried hidden state and
/// random generator, from which `resume(from:…)` continues exactly (N steps + resume M steps gives the
/// same losses as N+M steps in one go).
public struct CharTrainer {
    /// Architecture; `vocabularySize` is filled in from the corpus.
    public var architecture: CharModelConfiguration
    public var options: CharTrainingOptions

    public init(architecture: CharModelConfiguration, options: CharTrainingOptions) {
        self.architecture = architecture
        self.options = options
    }

    /// Trains a new model on the files `corpus` and writes it to `output`.
    ///
    /// An existing `output` folder is replaced at the first checkpoint, unless it holds a model of another
    /// kind (then nothing is written and an error says so).
    public func train(corpus sources: [URL], output: ModelDirectory,
                      observer: (CharTrainingEvent) -> Void = { _ in }) throws -> CharTrainingSummary {
        try options.validate()
        try Self.refuseForeignFolder(output)
        let texts = try CharCorpus.readTexts(sources)
        let vocabulary = CharCorpus.vocabulary(of: texts)
        var configuration = architecture
        configuration.vocabularySize = vocabulary.count
        try configuration.validate()
        let corpus = try CharCorpus(sources: sources, texts: texts, vocabulary: vocabulary,
                                    validationFraction: options.validationFraction)
        try Self.checkSizes(corpus, options: options)
        try MemoryBudget.check(MemoryBudget.trainingBytes(parameters: configuration.parameterCount,
                                                          activationsPerStep: configuration.activationsPerStep(
                                                              batchSize: options.batchSize, sequenceLength: options.sequenceLength)),
                               what: "this model and batch")
        var rng = SeededGenerator(seed: options.seed)
        let model = try CharLanguageModel(configuration, rng: &rng)
        let state = CharTrainingState(options: options, corpus: sources.map(\.path), corpusFingerprint: corpus.fingerprint,
                                      corpusCharacters: corpus.ids.count, step: 0, epoch: 1, window: 0, layout: nil,
                                      rng: rng, optimizerSteps: 0, bestStep: nil, bestLoss: nil,
                                      lastValidationLoss: nil, pending: CharPendingAverages(), seconds: 0,
                                      started: Date())
        let session = CharTrainingSession(model: model, vocabulary: vocabulary, corpus: corpus, state: state,
                                          optimizer: Adam(learningRate: options.learningRate), carried: nil,
                                          log: [], bestWeights: nil, output: output)
        observer(.message(Self.describe(corpus, vocabulary: vocabulary, model: model, options: options)))
        return try session.run(observer: observer)
    }

    /// Continues the run saved in `directory` exactly where it stopped.
    /// - Parameters:
    ///   - corpus: the corpus files; nil reads the paths the run was started with. Either way the text must
    ///     be the same (checked by a hash).
    ///   - overrides: settings given again (see `CharResumeOverrides`).
    ///   - output: where to write; nil writes back into `directory`.
    /// Nothing is written before every check has passed.
    public static func resume(from directory: ModelDirectory, corpus sources: [URL]? = nil,
                              overrides: CharResumeOverrides = CharResumeOverrides(), output: ModelDirectory? = nil,
                              observer: (CharTrainingEvent) -> Void = { _ in }) throws -> CharTrainingSummary {
        let configuration = try CharModelFiles.loadConfiguration(from: directory)
        if let output, output.url != directory.url { try refuseForeignFolder(output) }
        var state = try CharTrainingCheckpoint.readState(from: directory)
        let options = try overrides.apply(to: state.options, architecture: configuration)
        state.options = options
        let vocabulary = try CharModelFiles.loadVocabulary(from: directory, expectedCount: configuration.vocabularySize)
        let files = sources ?? state.corpus.map { URL(fileURLWithPath: $0) }
        let texts = try CharCorpus.readTexts(files)
        let corpus = try CharCorpus(sources: files, texts: texts, vocabulary: vocabulary,
                                    validationFraction: options.validationFraction)
        guard corpus.fingerprint == state.corpusFingerprint, corpus.ids.count == state.corpusCharacters else {
            throw ModelError.invalidData("\(files.map(\.path).joined(separator: ", ")): not the corpus this run was trained on (\(corpus.ids.count) characters, the run had \(state.corpusCharacters), or the text differs); resume with the original --corpus files")
        }
        try checkSizes(corpus, options: options)
        try state.validate(corpus: corpus, source: directory.file(CharTrainingCheckpoint.stateName))
        // Both weight files are checked against the configuration before any model is allocated.
        let weightFiles = try directory.readFiles(required: ["model.safetensors", CharTrainingCheckpoint.weightsName])
        let bestModel = try CharModelFiles.buildModel(configuration, weights: weightFiles["model.safetensors"]!,
                                                      source: directory.weightsURL)
        let model = try CharModelFiles.buildModel(configuration, weights: weightFiles[CharTrainingCheckpoint.weightsName]!,
                                                  source: directory.file(CharTrainingCheckpoint.weightsName))
        let optimizer = Adam(learningRate: options.learningRate)  // the session sets each step's rate
        try CharTrainingCheckpoint.readOptimizer(from: directory, parameters: model.parameters, optimizer: optimizer,
                                                 stepCount: state.optimizerSteps)
        let carried = try CharTrainingCheckpoint.readHidden(
            from: directory, layers: configuration.layers, batch: options.batchSize, hidden: configuration.hiddenSize,
            hasCell: configuration.cell.hasCellState)
        if state.window > 0 && (carried == nil || state.layout == nil) {
            throw ModelError.corruptFile(directory.file(CharTrainingCheckpoint.stateName),
                                         reason: "the run stopped inside an epoch but its layout or hidden state is missing")
        }
        let bestWeights = Dictionary(uniqueKeysWithValues: bestModel.parameters.map { ($0.name, $0.value) })
        let log = try CharModelFiles.readLog(in: directory)
        let session = CharTrainingSession(model: model, vocabulary: vocabulary, corpus: corpus, state: state,
                                          optimizer: optimizer, carried: carried, log: log, bestWeights: bestWeights,
                                          output: output ?? directory)
        if let reason = session.stopReason(sessionSeconds: 0) {
            throw ModelError.invalidOption("the run in \(directory.url.path) already stopped (\(reason)) at step \(state.step); pass a larger --steps or --epochs to continue it")
        }
        observer(.message("resuming \(directory.url.path) at step \(state.step), epoch \(state.epoch)"))
        observer(.message(describe(corpus, vocabulary: vocabulary, model: model, options: options)))
        return try session.run(observer: observer)
    }

    /// Rejects corpora too small for one window per lane, or a validation part too short to measure.
    static func checkSizes(_ corpus: CharCorpus, options: CharTrainingOptions) throws {
        let minimum = CharEpochLayout.minimumCharacters(batchSize: options.batchSize, sequenceLength: options.sequenceLength)
        let source = corpus.sources.map(\.path).joined(separator: ", ")
        guard corpus.trainCount >= minimum else {
            throw ModelError.invalidData("\(source): too small to train on: \(corpus.trainCount) training characters, but one window of --seq-length \(options.sequenceLength) (+1 for the target) for each of --batch-size \(options.batchSize) lanes needs \(minimum); use a larger corpus or smaller --seq-length / --batch-size")
        }
        if options.validationFraction > 0 && corpus.validation.count < 2 {
            throw ModelError.invalidData("\(source): the validation part (last \(options.validationFraction) of the text) holds \(corpus.validation.count) characters, too few to measure; use a larger corpus or --validation 0")
        }
    }

    /// Throws when `output` holds a model of another kind, so a typo cannot destroy it.
    static func refuseForeignFolder(_ output: ModelDirectory) throws {
        guard FileManager.default.fileExists(atPath: output.configURL.path) else { return }
        struct Header: Decodable { var kind: String? }
        let header = try? JSONDecoder().decode(Header.self, from: Data(contentsOf: output.configURL))
        if let kind = header?.kind, kind == CharModelConfiguration.kind { return }
        throw ModelError.wrongModelKind(output.url, found: header?.kind ?? "unknown",
                                        expected: "\(CharModelConfiguration.kind) (refusing to overwrite it; choose another --out)")
    }

    static func describe(_ corpus: CharCorpus, vocabulary: CharVocabulary, model: CharLanguageModel,
                         options: CharTrainingOptions) -> String {
        let parameters = model.parameters.reduce(0) { $0 + $1.value.count }
        let c = model.configuration
        return "\(corpus.trainCount) training and \(corpus.validation.count) validation characters, \(vocabulary.count) distinct; model \(c.layers)×\(c.cell.rawValue) \(c.hiddenSize) (embedding \(c.embeddingSize)), \(parameters) parameters; batch \(options.batchSize) × \(options.sequenceLength) characters"
    }
}
