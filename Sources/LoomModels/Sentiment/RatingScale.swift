import Foundation
import LoomText

/// What a sentiment model predicts: classes (softmax or sigmoid over `SentimentConfiguration.classes`), or a
/// number such as a star rating (`--task regression`: one linear output, mean squared error).
public enum SentimentTask: String, Codable, CaseIterable, Sendable {
    case classes
    case regression
}

/// How a regression model's single output maps to a rating: it is trained on standardized targets
/// (y − mean) / standardDeviation, so its output o means the rating mean + standardDeviation · o, clamped to
/// the training range [minimum, maximum]. Stored in `config.json` (`"ratingScale"`); PyTorch applies the same
/// two lines (`scripts/load_in_pytorch.py`).
public struct RatingScale: Codable, Equatable, Sendable {
    public var mean: Double
    public var standardDeviation: Double
    public var minimum: Double
    public var maximum: Double

    public init(mean: Double, standardDeviation: Double, minimum: Double, maximum: Double) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The scale of `ratings` (population standard deviation; 1 when they are all equal, so that a
    /// constant target still trains).
    public init(of ratings: [Float]) {
        let values = ratings.map(Double.init)
        let mean = values.reduce(0, +) / Double(max(values.count, 1))
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count, 1))
        self.init(mean: mean, standardDeviation: variance > 0 ? variance.squareRoot() : 1,
                  minimum: values.min() ?? 0, maximum: values.max() ?? 0)
    }

    /// The training target for a rating.
    public func standardized(_ rating: Float) -> Float { Float((Double(rating) - mean) / standardDeviation) }

    /// The rating a model output stands for, clamped to the training range.
    public func rating(output: Float) -> Float {
        Float(Swift.min(Swift.max(mean + standardDeviation * Double(output), minimum), maximum))
    }

    func validate() throws {
        try ModelError.requireOption([mean, standardDeviation, minimum, maximum].allSatisfy(\.isFinite)
                                     && standardDeviation > 0 && minimum <= maximum,
                                     "ratingScale must have finite values, a positive standardDeviation and minimum ≤ maximum")
    }
}

extension SentimentData {
    /// Each example's label read as a number (a rating), for `--task regression`; a label that is not a
    /// finite number is an error naming where it came from (file and line).
    public static func ratings(of examples: [LabelledText], source: String) throws -> [Float] {
        guard !examples.isEmpty else { throw ModelError.invalidData("\(source): no labelled examples found") }
        return try examples.map { example in
            guard let value = Double(example.label), value.isFinite, abs(value) <= 1e30 else {
                throw ModelError.invalidData("\(example.source): label '\(example.label)' is not a number; --task regression needs a numeric rating on every line")
            }
            return Float(value)
        }
    }
}
