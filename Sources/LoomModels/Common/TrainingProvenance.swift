import Foundation
import LoomTensor

/// Loom's version, as `loom --version` prints it and `training.json` records it.
public enum LoomVersion {
    public static let current = "0.1.0"
}

/// `training.json` beside a trained model: how it was made — the training options, the data it saw (paths,
/// size, a content fingerprint, class counts), the Loom version and BLAS kernel, when it started, how long it
/// took and how it ended — so a model folder says where it came from. `loom info --model DIR` prints it.
public struct TrainingProvenance<Options: Codable & Sendable>: Codable, Sendable {
    public static var fileName: String { "training.json" }

    public var loomVersion = LoomVersion.current
    /// The OpenBLAS kernel that ran (e.g. "Haswell"), and the library's own description.
    public var blasCore = BLAS.coreName
    public var blas = BLAS.configuration
    /// When the run started, ISO 8601 (UTC).
    public var started: String
    /// Wall time of training so far, in seconds.
    public var seconds: Double
    public var options: Options
    public var data: TrainingData
    /// Figures of the saved model (best validation accuracy or loss, its epoch or step, …).
    public var metrics: [String: Double]
    /// Why the run stopped, once it has.
    public var stopReason: String?

    public init(started: Date, seconds: Double, options: Options, data: TrainingData, metrics: [String: Double],
                stopReason: String? = nil) {
        self.started = ISO8601DateFormatter().string(from: started)
        self.seconds = seconds
        self.options = options
        self.data = data
        self.metrics = metrics
        self.stopReason = stopReason
    }

    /// The file's bytes (pretty-printed, keys sorted).
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// The data a model was trained on, as `training.json` records it.
public struct TrainingData: Codable, Equatable, Sendable {
    /// The files or folders read.
    public var paths: [String]
    /// Reviews (sentiment) or characters (character models) in all.
    public var examples: Int
    public var trainExamples: Int
    public var validationExamples: Int
    /// FNV-1a 64 of the content (labels and texts, or the character ids), hex: equal data, equal fingerprint.
    public var fingerprint: String
    /// Examples of each class (sentiment models).
    public var classCounts: [String: Int]?

    public init(paths: [String], examples: Int, trainExamples: Int, validationExamples: Int, fingerprint: String,
                classCounts: [String: Int]? = nil) {
        self.paths = paths
        self.examples = examples
        self.trainExamples = trainExamples
        self.validationExamples = validationExamples
        self.fingerprint = fingerprint
        self.classCounts = classCounts
    }
}

/// The 64-bit FNV-1a hash (Fowler–Noll–Vo), the content fingerprint of training data and resume checks.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01B3
    }

    public mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for byte in bytes { add(byte) }
    }

    /// The hash as lowercase hex without leading zeros.
    public var hex: String { String(value, radix: 16) }
}
