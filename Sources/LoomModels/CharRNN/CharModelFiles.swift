import Foundation
import LoomNN
import LoomTensor
import LoomText

/// Reading and writing a character model folder:
///
/// ```
/// config.json          CharModelConfiguration (kind "charrnn")
/// model.safetensors    the best weights so far (by validation loss), PyTorch names
/// vocab.txt            the CharVocabulary file
/// train-log.jsonl      one TrainingRecord per evaluation
/// curves.svg           training and validation loss per step
/// resume/              where the run stopped, for `--resume` (see `CharTrainingCheckpoint`)
/// ```
/// The whole folder is replaced atomically at every checkpoint (`ModelDirectory.replace`), so an
/// interrupted run leaves the previous complete checkpoint.
public enum CharModelFiles {
    public static let vocabularyName = "vocab.txt"

    /// Loads the best weights and the vocabulary, checking that config, vocabulary and weights agree.
    public static func load(from directory: ModelDirectory) throws -> (model: CharLanguageModel, vocabulary: CharVocabulary) {
        let configuration = try loadConfiguration(from: directory)
        try directory.requireFiles(["model.safetensors", vocabularyName])
        let vocabulary = try loadVocabulary(from: directory, expectedCount: configuration.vocabularySize)
        var rng = SeededGenerator(seed: 0)
        let model = try CharLanguageModel(configuration, rng: &rng)
        try directory.readWeights(into: model.parameters)
        return (model, vocabulary)
    }

    /// Reads `config.json`, checking the model kind and format version first.
    public static func loadConfiguration(from directory: ModelDirectory) throws -> CharModelConfiguration {
        try directory.requireFiles(["config.json"])
        try directory.checkConfigHeader(expectedKind: CharModelConfiguration.kind,
                                        supportedVersion: CharModelConfiguration.currentFormatVersion)
        let configuration = try directory.readJSON(CharModelConfiguration.self, from: "config.json")
        do {
            try configuration.validate()
        } catch {
            throw ModelError.corruptFile(directory.configURL, reason: "\(error)")
        }
        return configuration
    }

    /// Reads `vocab.txt` and checks its size against the configuration.
    static func loadVocabulary(from directory: ModelDirectory, expectedCount: Int) throws -> CharVocabulary {
        let source = directory.file(vocabularyName)
        let vocabulary: CharVocabulary
        do {
            vocabulary = try CharVocabulary(contentsOf: source)
        } catch {
            throw ModelError.corruptFile(source, reason: "\(error)")
        }
        guard vocabulary.count == expectedCount else {
            throw ModelError.mismatch(source, reason: "vocabulary has \(vocabulary.count) characters but config.json and the weights expect \(expectedCount); the vocabulary does not belong to these weights")
        }
        return vocabulary
    }

    /// Writes named tensors as safetensors, turning failures into `ModelError.io`.
    static func writeTensors(_ tensors: [String: Tensor], metadata: [String: String], to url: URL) throws {
        do {
            try SafeTensors.write(tensors, metadata: metadata, to: url)
        } catch {
            throw ModelError.io(url, reason: "cannot write: \(error)")
        }
    }

    /// Reads a safetensors file, turning failures into `ModelError` naming the file.
    static func readTensors(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard FileManager.default.fileExists(atPath: url.path) else { throw ModelError.missingFile(url) }
        do {
            return try SafeTensors.read(url)
        } catch {
            throw ModelError.corruptFile(url, reason: "\(error)")
        }
    }

    /// Rewrites `train-log.jsonl` and `curves.svg` in `directory`.
    static func writeLog(_ log: [TrainingRecord], in directory: ModelDirectory) throws {
        do {
            try Data(TrainingLog.encode(log).utf8).write(to: directory.logURL, options: .atomic)
            try Data(curves(log).svg().utf8).write(to: directory.curvesURL, options: .atomic)
        } catch {
            throw ModelError.io(directory.url, reason: "cannot write the training log: \(error.localizedDescription)")
        }
    }

    /// Reads `train-log.jsonl` (empty when the file is missing).
    static func readLog(in directory: ModelDirectory) throws -> [TrainingRecord] {
        guard let data = FileManager.default.contents(atPath: directory.logURL.path) else { return [] }
        return try TrainingLog.decode(String(decoding: data, as: UTF8.self), source: directory.logURL)
    }

    /// Training and validation loss (nats per character) against the step.
    static func curves(_ log: [TrainingRecord]) -> CurvesChart {
        CurvesChart(panels: [
            .init(title: "Loss (nats per character)", xLabel: "step", series: [
                .init(name: "train", color: "#1f77b4", points: log.map { (Double($0.step), $0.trainLoss) }),
                .init(name: "validation", color: "#d62728",
                      points: log.compactMap { record in record.validationLoss.map { (Double(record.step), $0) } }),
            ]),
        ])
    }
}
