import Foundation

/// Quality figures of a rating (regression) model on labelled data: mean absolute and root-mean-square
/// error, Pearson's and Spearman's correlation, and the share of predictions within ±1 of the truth.
public struct RatingMetrics: Codable, Equatable, Sendable {
    public var count: Int
    public var meanAbsoluteError: Double
    public var rootMeanSquareError: Double
    /// Pearson's r; nil when either side is constant (or there are fewer than two examples).
    public var pearson: Double?
    /// Spearman's ρ: Pearson's r of the average ranks (ties share their mean rank, as SciPy's `spearmanr`).
    public var spearman: Double?
    /// The share of predictions within 1 of the true rating (|ŷ − y| ≤ 1).
    public var withinOne: Double

    public init(truth: [Float], predicted: [Float]) {
        precondition(truth.count == predicted.count)
        let y = truth.map(Double.init), p = predicted.map(Double.init)
        count = y.count
        let n = Double(max(count, 1))
        meanAbsoluteError = zip(y, p).reduce(0) { $0 + abs($1.0 - $1.1) } / n
        rootMeanSquareError = (zip(y, p).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / n).squareRoot()
        withinOne = Double(zip(y, p).filter { abs($0 - $1) <= 1 }.count) / n
        pearson = Self.pearson(y, p)
        spearman = Self.pearson(Self.averageRanks(y), Self.averageRanks(p))
    }

    /// Pearson's correlation of two samples; nil when one is constant or shorter than 2.
    static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count >= 2, x.count == y.count else { return nil }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// 1-based ranks of `values`, ties sharing the mean of their ranks.
    static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = averageRank }
            start = end + 1
        }
        return ranks
    }
}
