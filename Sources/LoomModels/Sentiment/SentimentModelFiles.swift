import Foundation
import LoomNN
import LoomTensor
import LoomText

/// Saving and loading a sentiment model folder: `config.json`, `model.safetensors` (PyTorch names),
/// `vocab.txt`, `train-log.jsonl` and `curves.svg`.
public enum SentimentModelFiles {
    static let vocabularyName = "vocab.txt"

    /// Writes a complete model folder atomically (the old folder stays until the new one is complete).
    /// - Parameter provenance: `training.json`'s contents (how the model was made), when known.
    public static func save(_ model: SentimentModel, vocabulary: Vocabulary, log: [TrainingRecord],
                            provenance: Data? = nil, to directory: ModelDirectory) throws {
        try directory.replace { staging in
            try staging.writeJSON(model.configuration, to: "config.json")
            try staging.writeWeights(model.parameters, metadata: ["format": "pt", "loom.kind": SentimentConfiguration.kind])
            do {
                try vocabulary.write(to: staging.file(vocabularyName))
            } catch {
                throw ModelError.io(staging.file(vocabularyName), reason: "\(error)")
            }
            try writeLog(log, in: staging)
            if let provenance { try staging.writeFile(provenance, to: trainingFileName) }
        }
    }

    /// `training.json`: how the model was made (`TrainingProvenance`).
    static let trainingFileName = "training.json"

    /// Rewrites only the log and the curves of an existing folder (each file atomically).
    public static func writeLog(_ log: [TrainingRecord], in directory: ModelDirectory) throws {
        try TrainingLog.write(log, chart: curves, in: directory)
    }

    /// Loads the model and its vocabulary, checking that config, vocabulary and weights agree. All three
    /// files are read together (`ModelDirectory.readFiles`), and the weights' size is checked against the
    /// configuration before the model is allocated.
    public static func load(from directory: ModelDirectory) throws -> (model: SentimentModel, vocabulary: Vocabulary) {
        // The config first: a folder of another kind is named as such, not by the first file it lacks.
        let files = try directory.readFiles(required: ["config.json"], optional: ["model.safetensors", vocabularyName])
        let configData = files["config.json"]!
        try ModelDirectory.checkConfigHeader(configData, source: directory.configURL, folder: directory.url,
                                             expectedKind: SentimentConfiguration.kind,
                                             supportedVersion: SentimentConfiguration.currentFormatVersion)
        let configuration = try ModelDirectory.decodeJSON(SentimentConfiguration.self, from: configData,
                                                          source: directory.configURL)
        do {
            try configuration.validate()
        } catch {
            throw ModelError.corruptFile(directory.configURL, reason: "\(error)")
        }
        try directory.require(["model.safetensors", vocabularyName], in: files)
        let vocabularyURL = directory.file(vocabularyName)
        let vocabulary: Vocabulary
        do {
            vocabulary = try Vocabulary(fileContents: files[vocabularyName]!, path: vocabularyURL.path)
        } catch {
            throw ModelError.corruptFile(vocabularyURL, reason: "\(error)")
        }
        guard vocabulary.count == configuration.vocabularySize else {
            throw ModelError.mismatch(vocabularyURL,
                                      reason: "vocabulary has \(vocabulary.count) tokens but config.json and the weights expect \(configuration.vocabularySize); the vocabulary does not belong to these weights")
        }
        let tensors = try ModelDirectory.decodeWeights(files["model.safetensors"]!, source: directory.weightsURL)
        try ModelDirectory.checkParameterCount(tensors, expected: configuration.parameterCount, source: directory.weightsURL)
        var rng = SeededGenerator(seed: 0)
        let model = try SentimentModel(configuration, randomize: false, rng: &rng)
        try ModelDirectory.assign(tensors, to: model.parameters, source: directory.weightsURL)
        return (model, vocabulary)
    }

    /// Loss and accuracy per epoch, training against validation.
    static func curves(_ log: [TrainingRecord]) -> CurvesChart {
        let epochs = log.map { Double($0.epoch) }
        func series(_ name: String, _ color: String, _ values: [Double?]) -> CurvesChart.Series {
            CurvesChart.Series(name: name, color: color,
                               points: zip(epochs, values).compactMap { x, y in y.map { (x, $0) } })
        }
        return CurvesChart(panels: [
            .init(title: "Loss", xLabel: "epoch", series: [
                series("train", "#1f77b4", log.map { $0.trainLoss }),
                series("validation", "#d62728", log.map { $0.validationLoss }),
            ]),
            .init(title: "Accuracy", xLabel: "epoch", series: [
                series("train", "#1f77b4", log.map { $0.trainAccuracy }),
                series("validation", "#d62728", log.map { $0.validationAccuracy }),
            ]),
        ])
    }
}
