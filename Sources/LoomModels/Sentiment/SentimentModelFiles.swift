import Foundation
import LoomNN
import LoomTensor
import LoomText

/// Saving and loading a sentiment model folder: `config.json`, `model.safetensors` (PyTorch names),
/// `vocab.txt`, `train-log.jsonl` and `curves.svg`.
public enum SentimentModelFiles {
    static let vocabularyName = "vocab.txt"

    /// Writes a complete model folder atomically (the old folder stays until the new one is complete).
    public static func save(_ model: SentimentModel, vocabulary: Vocabulary, log: [TrainingRecord],
                            to directory: ModelDirectory) throws {
        try directory.replace { staging in
            try staging.writeJSON(model.configuration, to: "config.json")
            try staging.writeWeights(model.parameters, metadata: ["format": "pt", "loom.kind": SentimentConfiguration.kind])
            do {
                try vocabulary.write(to: staging.file(vocabularyName))
            } catch {
                throw ModelError.io(staging.file(vocabularyName), reason: "\(error)")
            }
            try writeLog(log, in: staging)
        }
    }

    /// Rewrites only the log and the curves of an existing folder (each file atomically).
    public static func writeLog(_ log: [TrainingRecord], in directory: ModelDirectory) throws {
        do {
            try Data(TrainingLog.encode(log).utf8).write(to: directory.logURL, options: .atomic)
            try Data(curves(log).svg().utf8).write(to: directory.curvesURL, options: .atomic)
        } catch {
            throw ModelError.io(directory.url, reason: "cannot write the training log: \(error.localizedDescription)")
        }
    }

    /// Loads the model and its vocabulary, checking that config, vocabulary and weights agree.
    public static func load(from directory: ModelDirectory) throws -> (model: SentimentModel, vocabulary: Vocabulary) {
        try directory.requireFiles(["config.json", "model.safetensors", vocabularyName])
        try directory.checkConfigHeader(expectedKind: SentimentConfiguration.kind,
                                        supportedVersion: SentimentConfiguration.currentFormatVersion)
        let configuration = try directory.readJSON(SentimentConfiguration.self, from: "config.json")
        do {
            try configuration.validate()
        } catch {
            throw ModelError.corruptFile(directory.configURL, reason: "\(error)")
        }
        let vocabulary: Vocabulary
        do {
            vocabulary = try Vocabulary(contentsOf: directory.file(vocabularyName))
        } catch {
            throw ModelError.corruptFile(directory.file(vocabularyName), reason: "\(error)")
        }
        guard vocabulary.count == configuration.vocabularySize else {
            throw ModelError.mismatch(directory.file(vocabularyName),
                                      reason: "vocabulary has \(vocabulary.count) tokens but config.json and the weights expect \(configuration.vocabularySize); the vocabulary does not belong to these weights")
        }
        var rng = SeededGenerator(seed: 0)
        let model = try SentimentModel(configuration, rng: &rng)
        try directory.readWeights(into: model.parameters)
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
