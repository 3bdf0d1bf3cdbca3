import Foundation
import LoomModels

/// An HTTP-facing failure: a status, a stable code for scripts and a message for people.
struct APIError: Error, Sendable {
    var status: Int
    var code: String
    var message: String

    static func badRequest(_ message: String, code: String = "invalid_request") -> APIError {
        APIError(status: 400, code: code, message: message)
    }
}

/// One loaded sentiment model. The classifier reuses its buffers between calls, so calls are serialised
/// by the actor; the weights are loaded once at start.
actor SentimentService {
    let name: String
    let classes: [String]
    private let classifier: SentimentClassifier

    init(name: String, folder: URL) throws {
        self.name = name
        classifier = try SentimentClassifier(directory: folder)
        classes = classifier.configuration.classes
    }

    func classify(_ texts: [String]) -> [ClassifyResult] {
        classifier.classify(texts).map { prediction in
            ClassifyResult(label: prediction.label, probability: prediction.probability,
                           probabilities: Dictionary(uniqueKeysWithValues: zip(classes, prediction.probabilities)))
        }
    }
}

/// One loaded character model; generations run one at a time (the stepper holds the state).
actor GenerationService {
    let name: String
    private let sampler: CharSampler

    init(name: String, folder: URL) throws {
        self.name = name
        sampler = try CharSampler(directory: folder)
    }

    /// Throws when the model cannot take `prompt` (empty, or characters it never saw), before a stream starts.
    func check(prompt: String) throws {
        _ = try sampler.encodePrompt(prompt, skipUnknown: false)
    }

    /// Generates `length` characters after `prompt`, handing chunks of text to `onChunk` as they come.
    func generate(prompt: String, length: Int, strategy: SamplingStrategy, seed: UInt64,
                  onChunk: (String) -> Void) throws -> String {
        var text = "", pending = ""
        _ = try sampler.generate(prompt: prompt, length: length, strategy: strategy, seed: seed, record: false) { _, character in
            text += character
            pending += character
            if pending.utf8.count >= 16 {
                onChunk(pending)
                pending = ""
            }
        }
        if !pending.isEmpty { onChunk(pending) }
        return text
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
    init(_ models: [(name: String, folder: URL)]) throws {
        for (name, folder) in models {
            struct Header: Decodable { var kind: String }
            let kind = try ModelDirectory(folder).readJSON(Header.self, from: "config.json").kind
            switch kind {
            case SentimentConfiguration.kind: sentiment[name] = try SentimentService(name: name, folder: folder)
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
