import Foundation

/// `--class-weight`: per-class loss weights for imbalanced data, as Keras' `class_weight` and scikit-learn's
/// `class_weight="balanced"`: `balanced` gives class c the weight n / (classes · n_c) over the training split;
/// `a=1,b=3` names a weight per class (classes not named keep 1).
public enum ClassWeights {
    /// The weights in class order for `spec`, from the training split's labels.
    /// - Throws: `ModelError.invalidOption` naming an unknown class, a malformed entry or a weight that is not a
    ///   positive number.
    public static func resolve(_ spec: String, classes: [String], trainLabels: [Int32]) throws -> [Float] {
        let trimmed = spec.trimmingCharacters(in: .whitespaces)
        if trimmed == "balanced" {
            var counts = [Int](repeating: 0, count: classes.count)
            for label in trainLabels { counts[Int(label)] += 1 }
            return counts.map { $0 == 0 ? 1 : Float(Double(trainLabels.count) / (Double(classes.count) * Double($0))) }
        }
        var weights = [Float](repeating: 1, count: classes.count)
        for entry in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ModelError.invalidOption("--class-weight: '\(entry)' is not CLASS=WEIGHT; give balanced or e.g. neg=1,pos=3")
            }
            guard let index = classes.firstIndex(of: parts[0]) else {
                throw ModelError.invalidOption("--class-weight: unknown class '\(parts[0])'; the data's classes are \(classes.joined(separator: ", "))")
            }
            guard let weight = Float(parts[1]), weight > 0, weight.isFinite else {
                throw ModelError.invalidOption("--class-weight: the weight of '\(parts[0])' must be a positive number, got '\(parts[1])'")
            }
            weights[index] = weight
        }
        return weights
    }
}
