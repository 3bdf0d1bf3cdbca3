import Foundation
import LoomModels
import LoomNN

/// An HTTP-facing failure: a status, a stable code for scripts and a message for people.
struct APIError: Error, Sendable {
    var status: Int
    var code: String
    var message: String

    static func modelNotFound(_ name: String) -> APIError {
        APIError(status: 404, code: "model_not_found", message: "no model named '\(name)' is loaded")
    }

    static func badRequest(_ message: String, code: String = "invalid_request") -> APIError {
        APIError(status: 400, code: code, message: message)
    }
}

/// One loaded sentiment model: its weights loaded once and shared read-only by `workers` classifiers, each
/// with its own tokenizer and scratch on its own thread, fed by a `MicroBatcher`. A rating model (`--task
/// regression`) answers each text with its rating; it cannot be explained (explanations need classes).
final class SentimentService: Sendable {
    let name: String
    let classes: [String]
    let isRegression: Bool
    let batcher: MicroBatcher<ClassifyResult>

    init(name: String, folder: URL, workers: Int, batching: MicroBatcher<ClassifyResult>.Settings,
         maxQueuedExplanations: Int, metrics: ServerMetrics) throws {
        self.name = name
        // One worker spreads each batch (or a lone review's hidden units) over the cores itself; several
        // workers each run alone on their thread, the workers being the parallelism. Either way the BLAS
        // thread count stays as the server set it at start (one), never toggled per request.
        let primary = try SentimentClassifier(directory: folder,
                                              parallelism: workers > 1 ? RecurrentParallelism(maximumSlices: 1) : nil)
        primary.prepareForThroughput()
        let classes = primary.configuration.classes
        self.classes = classes
        let isRegression = primary.configuration.isRegression
        self.isRegression = isRegression
        var classifiers = [primary]
        for _ in 1..<max(1, workers) { classifiers.append(try primary.makeSibling()) }
        batcher = MicroBatcher(settings: batching, name: "classify-\(name)", workers: classifiers.map { classifier in
            { texts in
                classifier.classify(texts).map { prediction in
                    if isRegression { return ClassifyResult(rating: prediction.rating) }
                    return ClassifyResult(label: prediction.label, probability: prediction.probability,
                                          probabilities: Dictionary(uniqueKeysWithValues: zip(classes, prediction.probabilities)))
                }
            }
        }, onBatch: { report in metrics.recordBatch(report) })
        explainer = isRegression ? nil
            : try ExplainWorker(folder: folder, name: name, capacity: maxQueuedExplanations, deadline: batching.deadline)
    }

    func classify(_ texts: [String]) async throws -> [ClassifyResult] {
        try await batcher.submit(texts)
    }

    /// Explains one text (`SentimentExplainer`, the code behind `loom classify --explain`).
    func explain(_ text: String, options: ExplanationOptions) async throws -> Explanation {
        guard let explainer else {
            throw APIError.badRequest("model '\(name)' predicts a rating (--task regression); explanations need a classifier")
        }
        return try await explainer.explain(text, options: options)
    }

    /// nil for a rating model.
    private let explainer: ExplainWorker?
}

/// Runs explanations one at a time on a bounded queue of their own (`BoundedSerialQueue`: at most `capacity`
/// waiting or running, 503 beyond it or past the deadline), over a model instance of their own: an
/// explanation runs the training forward and backward passes, whose caches cannot be shared with the
/// classifiers (or with another explanation).
final class ExplainWorker: @unchecked Sendable {
    /// Touched only on `queue`'s thread.
    private let explainer: SentimentExplainer
    private let queue: BoundedSerialQueue

    init(folder: URL, name: String, capacity: Int, deadline: Double) throws {
        let classifier = try SentimentClassifier(directory: folder, parallelism: RecurrentParallelism(maximumSlices: 1))
        explainer = SentimentExplainer(classifier: classifier)
        queue = BoundedSerialQueue(name: "explain-\(name)", capacity: capacity, deadline: deadline)
    }

    func explain(_ text: String, options: ExplanationOptions) async throws -> Explanation {
        try await queue.run { try self.explainer.explain(text, options: options) }
    }
}

/// One loaded character model. Each request gets a generation of its own (its state and scratch) over the
/// shared weights, run by the server's `GenerationScheduler`.
final class GenerationService: @unchecked Sendable {
    let name: String
    /// Read only after init: `makeGeneration` and `encodePrompt` only read the weights and vocabulary.
    private let sampler: CharSampler

    init(name: String, folder: URL) throws {
        self.name = name
        sampler = try CharSampler(directory: folder)
    }

    /// Throws when the model cannot take `prompt` (empty, or characters it never saw), before a stream starts.
    func check(prompt: String) throws {
        _ = try sampler.encodePrompt(prompt, skipUnknown: false)
    }

    func makeGeneration(prompt: String, length: Int, strategy: SamplingStrategy, seed: UInt64, twoThreads: Bool) throws -> CharGeneration {
        try sampler.makeGeneration(prompt: prompt, length: length, strategy: strategy, seed: seed, twoThreads: twoThreads)
    }
}

/// Every model the server loaded, by name and kind.
struct ModelRegistry: Sendable {
    var sentiment: [String: SentimentService] = [:]
    var generation: [String: GenerationService] = [:]
    var cards: [String: ModelCard] = [:]
    /// Names in the order they were given.
    var order: [String] = []

    /// Loads every model of `configuration`; a model of another kind than sentiment/charrnn is an error.
    init(_ models: [(name: String, folder: URL)], workers: Int, batching: MicroBatcher<ClassifyResult>.Settings,
         maxQueuedExplanations: Int, metrics: ServerMetrics) throws {
        for (name, folder) in models {
            struct Header: Decodable { var kind: String }
            let kind = try ModelDirectory(folder).readJSON(Header.self, from: "config.json").kind
            switch kind {
            case SentimentConfiguration.kind: sentiment[name] = try SentimentService(name: name, folder: folder, workers: workers,
                                                                                     batching: batching, maxQueuedExplanations: maxQueuedExplanations,
                                                                                     metrics: metrics)
            case CharModelConfiguration.kind: generation[name] = try GenerationService(name: name, folder: folder)
            default: throw ModelError.wrongModelKind(folder, found: kind, expected: "sentiment or charrnn")
            }
            cards[name] = try? BundledModels.card(in: folder)
            order.append(name)
        }
    }

    func kind(of name: String) -> String? {
        if sentiment[name] != nil { return SentimentConfiguration.kind }
        if generation[name] != nil { return CharModelConfiguration.kind }
        return nil
    }

    /// The sentiment model a request names, or the only one when it names none.
    func sentimentModel(_ name: String?) throws -> SentimentService {
        try pick(name, from: sentiment, kind: "sentiment")
    }

    func generationModel(_ name: String?) throws -> GenerationService {
        try pick(name, from: generation, kind: "character")
    }

    private func pick<T>(_ name: String?, from models: [String: T], kind: String) throws -> T {
        if let name {
            if let model = models[name] { return model }
            let known = order.filter { models[$0] != nil }
            throw APIError(status: 404, code: "model_not_found",
                           message: "no \(kind) model named '\(name)' is loaded (loaded: \(known.joined(separator: ", ")))")
        }
        guard models.count == 1, let only = models.values.first else {
            throw APIError.badRequest(models.isEmpty ? "no \(kind) model is loaded" :
                                        "several \(kind) models are loaded; name one in \"model\"", code: "model_required")
        }
        return only
    }
}
