import Foundation
import LoomNN
import LoomSystem
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
    /// How the model was made (`TrainingProvenance`).
    public static let trainingFileName = "training.json"

    /// Loads the best weights and the vocabulary, checking that config, vocabulary and weights agree. The
    /// files are read together (`ModelDirectory.readFiles`), and the weights' size is checked against the
    /// configuration before the model is allocated.
    public static func load(from directory: ModelDirectory) throws -> (model: CharLanguageModel, vocabulary: CharVocabulary) {
        // The config first: a folder of another kind is named as such, not by the first file it lacks.
        let files = try directory.readFiles(required: ["config.json"], optional: ["model.safetensors", vocabularyName])
        let configuration = try parseConfiguration(files["config.json"]!, in: directory)
        try directory.require(["model.safetensors", vocabularyName], in: files)
        let vocabulary = try parseVocabulary(files[vocabularyName]!, in: directory, expectedCount: configuration.vocabularySize)
        let model = try buildModel(configuration, weights: files["model.safetensors"]!, source: directory.weightsURL)
        return (model, vocabulary)
    }

    /// A model of `configuration` holding the weights in `data` (safetensors bytes), checked for size
    /// before anything is allocated and for names and shapes after.
    static func buildModel(_ configuration: CharModelConfiguration, weights data: Data, source: URL) throws -> CharLanguageModel {
        let tensors = try ModelDirectory.decodeWeights(data, source: source)
        try ModelDirectory.checkParameterCount(tensors, expected: configuration.parameterCount, source: source)
        var rng = SeededGenerator(seed: 0)
        let model = try CharLanguageModel(configuration, rng: &rng)
        try ModelDirectory.assign(tensors, to: model.parameters, source: source)
        return model
    }

    /// Reads `config.json`, checking the model kind and format version first.
    public static func loadConfiguration(from directory: ModelDirectory) throws -> CharModelConfiguration {
        let files = try directory.readFiles(required: ["config.json"])
        return try parseConfiguration(files["config.json"]!, in: directory)
    }

    static func parseConfiguration(_ data: Data, in directory: ModelDirectory) throws -> CharModelConfiguration {
        try ModelDirectory.checkConfigHeader(data, source: directory.configURL, folder: directory.url,
                                             expectedKind: CharModelConfiguration.kind,
                                             supportedVersion: CharModelConfiguration.currentFormatVersion)
        let configuration = try ModelDirectory.decodeJSON(CharModelConfiguration.self, from: data, source: directory.configURL)
        do {
            try configuration.validate()
        } catch {
            throw ModelError.corruptFile(directory.configURL, reason: "\(error)")
        }
        return configuration
    }

    /// Reads `vocab.txt` and checks its size against the configuration.
    static func loadVocabulary(from directory: ModelDirectory, expectedCount: Int) throws -> CharVocabulary {
        let files = try directory.readFiles(required: [vocabularyName])
        return try parseVocabulary(files[vocabularyName]!, in: directory, expectedCount: expectedCount)
    }

    static func parseVocabulary(_ data: Data, in directory: ModelDirectory, expectedCount: Int) throws -> CharVocabulary {
        let source = directory.file(vocabularyName)
        let vocabulary: CharVocabulary
        do {
            vocabulary = try CharVocabulary(fileContents: data, path: source.path)
        } catch {
            throw ModelError.corruptFile(source, reason: "\(error)")
        }
        guard vocabulary.count == expectedCount else {
            throw ModelError.mismatch(source, reason: "vocabulary has \(vocabulary.count) characters but config.json and the weights expect \(expectedCount); the vocabulary does not belong to these weights")
        }
        return vocabulary
    }

    /// Rewrites `train-log.jsonl`, `train-log.csv` and `curves.svg` in `directory`; `steps` adds the training loss
    /// between evaluations to the chart.
    static func writeLog(_ log: [TrainingRecord], steps: [CurvePoint] = [], in directory: ModelDirectory) throws {
        try TrainingLog.write(log, chart: { curves($0, steps: steps) }, in: directory)
    }

    /// Reads `train-log.jsonl` (empty when the file is missing).
    static func readLog(in directory: ModelDirectory) throws -> [TrainingRecord] { try TrainingLog.read(in: directory) }

    /// Training and validation loss (nats per character) against the step: the training loss every few steps
    /// (`steps`, light) as well as its mean at each evaluation.
    static func curves(_ log: [TrainingRecord], steps: [CurvePoint] = []) -> CurvesChart {
        var series: [CurvesChart.Series] = []
        if !steps.isEmpty {
            series.append(CurvesChart.Series(name: "train (steps)", color: "#aec7e8",
                                             points: steps.map { (x: Double($0.step), y: $0.loss) }))
        }
        series.append(CurvesChart.Series(name: "train", color: "#1f77b4",
                                         points: log.map { (x: Double($0.step), y: $0.trainLoss) }))
        series.append(CurvesChart.Series(name: "validation", color: "#d62728",
                                         points: log.compactMap { record in record.validationLoss.map { (x: Double(record.step), y: $0) } }))
        return CurvesChart(panels: [
            .init(title: "Loss (nats per character)", xLabel: "step", series: series),
        ])
    }
}
