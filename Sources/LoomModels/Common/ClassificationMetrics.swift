/// Quality figures of a classifier on labelled data: accuracy, per-class precision/recall/F1,
/// the confusion matrix and, for two classes, ROC AUC of the positive-class probability.
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    public var count: Int
    public var accuracy: Double
    /// Row = true class, column = predicted class, in `classes` order.
    public var confusion: [[Int]]
    public var classes: [String]
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    /// ROC AUC for binary tasks (class 1 is positive); nil otherwise or when one class is absent.
    public var rocAUC: Double?
    /// For classes that are all numbers (star ratings as classes): the share of predictions whose class is
    /// within 1 of the true one (|ŷ − y| ≤ 1); nil otherwise.
    public var withinOneAccuracy: Double?

    /// - Parameters:
    ///   - truth: true class indices.
    ///   - predicted: predicted class indices.
    ///   - positiveScores: for two classes, the probability of class 1, used for ROC AUC.
    public init(classes: [String], truth: [Int], predicted: [Int], positiveScores: [Float]? = nil) {
        precondition(truth.count == predicted.count)
        let k = classes.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (t, p) in zip(truth, predicted) { confusion[t][p] += 1 }
        self.classes = classes
        self.confusion = confusion
        count = truth.count
        let correct = (0..<k).reduce(0) { $0 + confusion[$1][$1] }
        accuracy = count == 0 ? 0 : Double(correct) / Double(count)
        let precision = (0..<k).map { c -> Double in
            let column = (0..<k).reduce(0) { $0 + confusion[$1][c] }
            return column == 0 ? 0 : Double(confusion[c][c]) / Double(column)
        }
        let recall = (0..<k).map { c -> Double in
            let row = confusion[c].reduce(0, +)
            return row == 0 ? 0 : Double(confusion[c][c]) / Double(row)
        }
        self.precision = precision
        self.recall = recall
        f1 = (0..<k).map { c in
            let p = precision[c], r = recall[c]
            return p + r == 0 ? 0 : 2 * p * r / (p + r)
        }
        let values = classes.map { Double($0) }
        if k > 2, values.allSatisfy({ $0?.isFinite == true }) {
            let near = zip(truth, predicted).filter { abs(values[$0]! - values[$1]!) <= 1 }.count
            withinOneAccuracy = count == 0 ? 0 : Double(near) / Double(count)
        } else {
            withinOneAccuracy = nil
        }
        if k == 2, let scores = positiveScores {
            rocAUC = Self.rocAUC(scores: scores, positives: truth.map { $0 == 1 })
        } else {
            rocAUC = nil
        }
    }

    /// Area under the ROC curve: the probability that a random positive scores above a random
    /// negative, ties counting one half (Mann–Whitney U with average ranks).
    public static func rocAUC(scores: [Float], positives: [Bool]) -> Double? {
        let positiveCount = positives.filter { $0 }.count
        let negativeCount = positives.count - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        let ranks = RatingMetrics.averageRanks(scores.map(Double.init))
        let rankSum = zip(ranks, positives).reduce(0.0) { $0 + ($1.1 ? $1.0 : 0) }
        let u = rankSum - Double(positiveCount) * Double(positiveCount + 1) / 2
        return u / (Double(positiveCount) * Double(negativeCount))
    }
}
