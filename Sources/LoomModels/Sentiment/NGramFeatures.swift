import Foundation
import LoomText

/// The settings of a sentiment model's n-gram branch (`NGramBag`): which features, and how they are trained.
/// Stored in `config.json` as `"ngrams"`; absent for a model without the branch.
public struct NGramSettings: Codable, Equatable, Sendable {
    /// 1: unigrams (vocabulary ids); 2: and bigrams; 3: and trigrams (hashed into `buckets`). Trigrams gain
    /// on IMDB only with enough buckets for them (0.9202 with 4M against 0.9186 for bigrams in 1M; 0.9142 for
    /// trigrams in 1M, BENCHMARKS.md).
    public var order: Int = 3
    /// Rows for the hashed bigrams and trigrams (fastText's `-bucket`), after the vocabulary's rows.
    public var buckets: Int = 1 << 22
    /// L2 penalty on the branch's weights (a sum of squares, NBSVM's regulariser).
    public var l2: Float = 2e-4
    /// The penalty for a regression's bag: the ridge peer's α = 1 on the summed squared error of 25,000
    /// reviews is 4e-5 per mean squared error of the ratings, about 4e-6 for standardized ones; the
    /// classification default shrinks a rating bag's outputs towards the mean (MAE 2.10 against 1.99 on
    /// IMDB with --preset fast, BENCHMARKS.md).
    public static let regressionL2: Float = 4e-6
    /// The branch learns at this multiple of the learning rate: 1.5 (Adam at 0.003 with the default 2e-3)
    /// is the rate at which the bag alone does best on IMDB (0.918 against 0.912 at 0.01, BENCHMARKS.md).
    public var learningRateScale: Float = 1.5
    /// A regression's bag learns a rating faster at the old 5× (IMDB ratings with --preset fast: MAE 1.81
    /// against 2.12 at 1.5×, BENCHMARKS.md).
    public static let regressionLearningRateScale: Float = 5
    /// Tokens the bag reads: the last `maxLength` of the review, independently of the recurrent branch's
    /// window (a bag is cheap per token, and the whole review beats its last 400 tokens: BENCHMARKS.md).
    /// nil in models saved before it existed: they read the recurrent branch's window
    /// (`SentimentConfiguration.bagLength`).
    public var maxLength: Int? = Self.defaultMaxLength
    /// The bag's weight w in the model's logits, (1 − w)·recurrent + w·bag: chosen by the trainer after each
    /// epoch as the w of {0, 0.05, …, 1} with the lowest validation loss (stacking the two branches on held-out
    /// reviews; on IMDB the bag carries more, BENCHMARKS.md). nil until then, and in models saved before it:
    /// 0.5, the mean (`SentimentConfiguration.bagWeight`).
    public var bagWeight: Float?
    /// All of nearly every review (IMDB's longest training review has about 2,900 tokens), while bounding
    /// what one text costs the bag and the explainer.
    public static let defaultMaxLength = 4000
    /// Scale each feature by its Naive-Bayes log-count ratio (two classes only; 1 otherwise).
    public var naiveBayes: Bool = true

    public init() {}

    public func validate() throws {
        try ModelError.requireOption((1...3).contains(order), "--ngrams must be 1, 2 or 3 (0 for no n-gram branch), got \(order)")
        try ModelError.requireOption(buckets >= 1 && buckets <= 1 << 24, "--ngram-buckets must be between 1 and 16777216, got \(buckets)")
        try ModelError.requireOption(l2 >= 0 && l2.isFinite, "--ngram-l2 must be a non-negative number, got \(l2)")
        try ModelError.requireOption(learningRateScale > 0 && learningRateScale.isFinite && learningRateScale <= 1000,
                                     "--ngram-lr-scale must be a positive number up to 1000, got \(learningRateScale)")
        if let bagWeight {
            try ModelError.requireOption(bagWeight >= 0 && bagWeight <= 1, "the n-gram branch's bagWeight must be between 0 and 1, got \(bagWeight)")
        }
        if let maxLength {
            try ModelError.requireOption(maxLength >= 1 && maxLength <= 1_000_000, "--ngram-max-length must be between 1 and 1,000,000, got \(maxLength)")
        }
    }
}

/// Turns a review's token ids into the distinct feature rows of its n-gram bag: each unigram is its
/// vocabulary id (padding excluded); each bigram (a, b) is `vocabularySize + hash(a, b) mod buckets`,
/// each trigram `vocabularySize + hash(a, b, c) mod buckets`, with fastText's multiplicative hash over ids
/// (`h = h · 116049371 + id`, wrapping at 2⁶⁴, starting from the first id). An n-gram with a padding id in it
/// is skipped, so occluding a token (padding it) removes every feature it is part of.
/// `scripts/load_in_pytorch.py` computes the same rows.
public struct NGramFeatures: Sendable {
    public static let multiplier: UInt64 = 116_049_371
    public let vocabularySize: Int
    public let order: Int
    public let buckets: Int

    public init(vocabularySize: Int, settings: NGramSettings) {
        self.vocabularySize = vocabularySize
        order = settings.order
        buckets = settings.buckets
    }

    /// Rows of the bag's table: the vocabulary, then the buckets (none for unigrams only).
    public var rows: Int { vocabularySize + (order >= 2 ? buckets : 0) }

    /// The row of the n-gram `ids[start..<start + length]` (length 2 or 3).
    func hashedRow(_ ids: [Int32], start: Int, length: Int) -> Int32 {
        var h = UInt64(UInt32(bitPattern: ids[start]))
        for k in 1..<length { h = h &* Self.multiplier &+ UInt64(UInt32(bitPattern: ids[start + k])) }
        return Int32(vocabularySize + Int(h % UInt64(buckets)))
    }

    /// Each n-gram occurrence in order: its row and the positions of its tokens (unigrams first, then
    /// bigrams, then trigrams), padding skipped. The bag's input is their distinct rows (`features`).
    public func occurrences(_ ids: [Int32]) -> [(row: Int32, start: Int, length: Int)] {
        var result: [(row: Int32, start: Int, length: Int)] = []
        result.reserveCapacity(ids.count * order)
        for (t, id) in ids.enumerated() where id != Vocabulary.padID { result.append((id, t, 1)) }
        if order >= 2 {
            for length in 2...order where ids.count >= length {
                for t in 0...(ids.count - length) where !ids[t..<(t + length)].contains(Vocabulary.padID) {
                    result.append((hashedRow(ids, start: t, length: length), t, length))
                }
            }
        }
        return result
    }

    /// The distinct feature rows of one review, ascending (NBSVM's binarized counts).
    public func features(_ ids: [Int32]) -> [Int32] {
        var rows = occurrences(ids).map(\.row)
        rows.sort()
        var distinct: [Int32] = []
        distinct.reserveCapacity(rows.count)
        for row in rows where distinct.last != row { distinct.append(row) }
        return distinct
    }

    /// The Naive-Bayes log-count ratio of every row (Wang & Manning 2012): r = log((p/‖p‖₁) / (q/‖q‖₁)),
    /// p = α + the number of class-1 reviews with the feature, q the same for class 0, α = 1. Rows no
    /// review has get log(‖q‖₁/‖p‖₁), close to 0.
    public static func naiveBayesRatios(features: [[Int32]], labels: [Int32], rows: Int, smoothing: Double = 1) -> [Float] {
        var positive = [Double](repeating: smoothing, count: rows), negative = positive
        for (list, label) in zip(features, labels) {
            if label == 1 {
                for f in list { positive[Int(f)] += 1 }
            } else {
                for f in list { negative[Int(f)] += 1 }
            }
        }
        let p = positive.reduce(0, +), q = negative.reduce(0, +)
        return (0..<rows).map { Float(((positive[$0] / p) / (negative[$0] / q)).logOrZero) }
    }

    /// TF-IDF weights for the bag of a regression (the ridge-regression peer's features): every row's smoothed
    /// inverse document frequency, idf = ln((1 + n) / (1 + df)) + 1 (scikit-learn's `smooth_idf`), divided by
    /// the root mean square over the reviews of ‖idf(review's features)‖₂ — a fixed stand-in for TF-IDF's
    /// per-review L2 normalisation, so that a typical review's feature vector has unit length.
    public static func idfScale(features: [[Int32]], rows: Int) -> [Float] {
        var documentFrequency = [Double](repeating: 0, count: rows)
        for list in features { for f in list { documentFrequency[Int(f)] += 1 } }
        let n = Double(features.count)
        let idf = documentFrequency.map { Foundation.log((1 + n) / (1 + $0)) + 1 }
        let squaredNorms = features.reduce(0.0) { sum, list in sum + list.reduce(0.0) { $0 + idf[Int($1)] * idf[Int($1)] } }
        let norm = (squaredNorms / max(n, 1)).squareRoot()
        return idf.map { Float($0 / max(norm, 1e-12)) }
    }
}

private extension Double {
    var logOrZero: Double { self > 0 && isFinite ? Foundation.log(self) : 0 }
}
