import Foundation

/// One line of `train-log.jsonl`: what happened in one epoch (sentiment) or one evaluation (char model).
public struct TrainingRecord: Codable, Equatable, Sendable {
    /// 1-based epoch the record closes (or is in, for step-wise evaluations).
    public var epoch: Int
    /// Optimiser steps taken since the run began.
    public var step: Int
    /// Mean training loss (nats) since the previous record.
    public var trainLoss: Double
    public var trainAccuracy: Double?
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    /// A regression model's mean absolute error on validation (its accuracies are the share within ±1).
    public var validationMeanAbsoluteError: Double?
    /// A two-branch sentiment model: the n-gram bag's weight in the logits chosen on validation after this
    /// epoch (`NGramSettings.bagWeight`).
    public var bagWeight: Double?
    /// Mean global gradient norm before clipping, so exploding gradients show up in the log.
    public var gradientNorm: Double
    /// Learning rate in force during the period.
    public var learningRate: Double
    /// Training throughput: real (unpadded) tokens or characters per second.
    public var tokensPerSecond: Double
    /// Wall time of the period.
    public var seconds: Double

    public init(epoch: Int, step: Int, trainLoss: Double, trainAccuracy: Double? = nil, validationLoss: Double? = nil,
                validationAccuracy: Double? = nil, gradientNorm: Double, learningRate: Double,
                tokensPerSecond: Double, seconds: Double) {
        self.epoch = epoch
        self.step = step
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.gradientNorm = gradientNorm
        self.learningRate = learningRate
        self.tokensPerSecond = tokensPerSecond
        self.seconds = seconds
    }
}

/// The training history of a model: JSON lines on disk, one record per line.
public enum TrainingLog {
    /// JSON lines text for the records, keys sorted, one record a line.
    public static func encode(_ records: [TrainingRecord]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return records.map { String(decoding: (try? encoder.encode($0)) ?? Data(), as: UTF8.self) + "\n" }.joined()
    }

    /// Rewrites `train-log.jsonl` and `curves.svg` (drawn from the records by `chart`) in `directory`, each
    /// file atomically.
    static func write(_ records: [TrainingRecord], chart: ([TrainingRecord]) -> CurvesChart,
                      in directory: ModelDirectory) throws {
        try directory.writeFile(Data(encode(records).utf8), to: "train-log.jsonl")
        try directory.writeFile(Data(csv(records).utf8), to: "train-log.csv")
        try directory.writeFile(Data(chart(records).svg().utf8), to: "curves.svg")
    }

    /// The records as CSV in Keras' `CSVLogger` layout: a header, then one row per record, `epoch` first and the
    /// other columns in alphabetical order (Keras sorts its log keys), Keras' names where it has one (`loss`,
    /// `accuracy`, `val_loss`, `val_accuracy`, `learning_rate`); an empty cell where a value was not measured.
    /// `bag_weight` (a two-branch model's chosen n-gram weight) and `val_mae` (a regression's validation mean
    /// absolute error) appear only when some record has them. Epochs count from 1, as Loom's log does (Keras
    /// counts from 0).
    public static func csv(_ records: [TrainingRecord]) -> String {
        func cell(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        let hasBag = records.contains { $0.bagWeight != nil }
        let hasMAE = records.contains { $0.validationMeanAbsoluteError != nil }
        // (column, value) in the header's order; the optional columns where their names sort.
        let columns: [(name: String, value: (TrainingRecord) -> String)?] = [
            ("epoch", { String($0.epoch) }),
            ("accuracy", { cell($0.trainAccuracy) }),
            hasBag ? ("bag_weight", { cell($0.bagWeight) }) : nil,
            ("gradient_norm", { cell($0.gradientNorm) }),
            ("learning_rate", { cell($0.learningRate) }),
            ("loss", { cell($0.trainLoss) }),
            ("seconds", { cell($0.seconds) }),
            ("step", { String($0.step) }),
            ("tokens_per_second", { cell($0.tokensPerSecond) }),
            ("val_accuracy", { cell($0.validationAccuracy) }),
            ("val_loss", { cell($0.validationLoss) }),
            hasMAE ? ("val_mae", { cell($0.validationMeanAbsoluteError) }) : nil,
        ]
        let present = columns.compactMap { $0 }
        var text = present.map(\.name).joined(separator: ",") + "\n"
        for record in records {
            text += present.map { $0.value(record) }.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Reads a folder's `train-log.jsonl` (empty when the file is missing).
    static func read(in directory: ModelDirectory) throws -> [TrainingRecord] {
        guard let data = FileManager.default.contents(atPath: directory.logURL.path) else { return [] }
        return try decode(String(decoding: data, as: UTF8.self), source: directory.logURL)
    }

    /// Parses JSON lines; a malformed line is an error naming the file and line.
    public static func decode(_ text: String, source: URL) throws -> [TrainingRecord] {
        var records: [TrainingRecord] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do {
                records.append(try JSONDecoder().decode(TrainingRecord.self, from: Data(line.utf8)))
            } catch {
                throw ModelError.corruptFile(source, reason: "line \(index + 1) is not a training record")
            }
        }
        return records
    }
}
