import Foundation
import LoomSystem
import LoomTensor
import LoomText

/// Labelled reviews turned into class indices and token ids for one model.
public struct EncodedExamples {
    /// Token ids per review, truncated to the model's maximum length (keeping the end).
    public var sequences: [[Int32]]
    /// Class index per review; for a regression, the rounded rating (strata for the validation split).
    public var labels: [Int32]
    /// The rating per review, for a regression model; nil for classes.
    public var ratings: [Float]?

    public var count: Int { sequences.count }

    public init(sequences: [[Int32]], labels: [Int32], ratings: [Float]? = nil) {
        self.sequences = sequences
        self.labels = labels
        self.ratings = ratings
    }

    /// What the model should give for each review: the ratings when there are, else the class indices.
    public var targets: SentimentTargets { ratings.map { .ratings($0) } ?? .classes(labels) }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> EncodedExamples {
        EncodedExamples(sequences: indices.map { sequences[$0] }, labels: indices.map { labels[$0] },
                        ratings: ratings.map { r in indices.map { r[$0] } })
    }
}

/// Turning labelled text into model input: class discovery, tokenizing on all cores, splitting.
public enum SentimentData {
    /// The classes found in `examples`, in output order: `["neg", "pos"]` for the usual binary case
    /// (so class 1 is positive), otherwise the labels sorted. Fewer than two classes is an error.
    public static func classes(of examples: [LabelledText], source: String) throws -> [String] {
        guard !examples.isEmpty else { throw ModelError.invalidData("\(source): no labelled examples found") }
        let labels = Set(examples.map(\.label))
        if labels.count < 2 {
            throw ModelError.invalidData("\(source): every example has the label '\(labels.first ?? "")'; a classifier needs at least two classes")
        }
        if labels == ["neg", "pos"] { return ["neg", "pos"] }
        return Labels.ordered(labels)
    }

    /// The classes in the order `given` (`--labels`), written as the data's labels are (trimmed, lower-cased;
    /// pos/positive/1 and neg/negative/0 as pos and neg when the data is binary). Every label of the data
    /// must be among them (else an error naming the first review with another label, file and line).
    public static func classes(of examples: [LabelledText], source: String, given: [String]) throws -> [String] {
        let found = try classes(of: examples, source: source)
        let binary = found.allSatisfy(Labels.isBinary)
        let classes = given.map { binary ? Labels.canonical($0) : Labels.cleaned($0) }
        try ModelError.requireOption(!classes.contains(where: \.isEmpty), "--labels: a class name is empty")
        try ModelError.requireOption(Set(classes).count == classes.count, "--labels: \(given.joined(separator: ",")) names a class twice")
        let known = Set(classes)
        if let other = examples.first(where: { !known.contains($0.label) }) {
            throw ModelError.invalidData("\(other.source): label '\(other.label)' is not among --labels \(classes.joined(separator: ","))")
        }
        return classes
    }

    /// Class index of every example; a label outside `classes` is an error naming where it came from.
    public static func labelIndices(_ examples: [LabelledText], classes: [String]) throws -> [Int32] {
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Int32($0)) })
        return try examples.map { example in
            guard let value = index[example.label] else {
                throw ModelError.invalidData("\(example.source): unknown label '\(example.label)'; this model knows \(classes.joined(separator: ", "))")
            }
            return value
        }
    }

    /// Tokenizes every text, using all cores; results keep the input order.
    public static func tokenize(_ texts: [String], tokenizer: Tokenizer) -> [[String]] {
        // A few texts: no thread hand-off (and no processor count, which Foundation reads from /proc and cgroups).
        if texts.count < 128 { return texts.map { tokenizer.tokenize($0) } }
        let chunks = min(texts.count / 64, Machine.processorCount * 4)
        return ParallelFor.map(texts.count, chunks: chunks) { range in range.map { tokenizer.tokenize(texts[$0]) } }
            .flatMap { $0 }
    }

    /// Token ids, keeping the last `maxLength` tokens of each review.
    public static func encode(_ tokens: [[String]], vocabulary: Vocabulary, maxLength: Int) -> [[Int32]] {
        tokens.map { vocabulary.encode(Array($0.suffix(maxLength))) }
    }

    /// Token ids of every text, keeping the last `maxLength` tokens: the product's route from text to ids,
    /// looked up in the vocabulary's C table as the tokenizer produces them (no Swift string per token; the
    /// same ids as `encode(tokenize(texts))`, tested in TokenTableTests). Many texts use all cores.
    public static func encode(_ texts: [String], tokenizer: Tokenizer, vocabulary: Vocabulary, maxLength: Int) -> [[Int32]] {
        // A few texts: no thread hand-off.
        let threads = texts.count < 128 ? 1 : Machine.processorCount
        return vocabulary.encode(texts: texts, tokenizer: tokenizer, threads: threads).map { ids in
            ids.count > maxLength ? Array(ids.suffix(maxLength)) : ids
        }
    }

    /// A stratified split: `fraction` of each class (at least one example of each class when the class
    /// has two or more) goes to validation, chosen with `rng`. Returns (train, validation) indices.
    public static func stratifiedSplit(labels: [Int32], fraction: Double, rng: inout SeededGenerator) -> (train: [Int], validation: [Int]) {
        guard fraction > 0 else { return (Array(labels.indices), []) }
        var byClass: [Int32: [Int]] = [:]
        for (i, label) in labels.enumerated() { byClass[label, default: []].append(i) }
        var train: [Int] = [], validation: [Int] = []
        for label in byClass.keys.sorted() {
            var members = byClass[label]!
            members.shuffle(using: &rng)
            var held = Int((Double(members.count) * fraction).rounded())
            if members.count >= 2 { held = min(max(held, 1), members.count - 1) } else { held = 0 }
            validation += members.prefix(held)
            train += members.dropFirst(held)
        }
        return (train.sorted(), validation.sorted())
    }

    /// Batches of indices with similar lengths, so little compute goes to padding: indices are shuffled,
    /// sorted by length within windows of `50 × batchSize`, cut into batches, and the batches shuffled.
    public static func bucketedBatches(lengths: [Int], batchSize: Int, rng: inout SeededGenerator) -> [[Int]] {
        var order = Array(lengths.indices)
        order.shuffle(using: &rng)
        let window = batchSize * 50
        var sorted: [Int] = []
        sorted.reserveCapacity(order.count)
        var start = 0
        while start < order.count {
            let end = min(start + window, order.count)
            sorted += order[start..<end].sorted { lengths[$0] < lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
            start = end
        }
        var batches = stride(from: 0, to: sorted.count, by: batchSize).map { Array(sorted[$0..<min($0 + batchSize, sorted.count)]) }
        batches.shuffle(using: &rng)
        return batches
    }

    /// Batches of indices in length order, for evaluation (no shuffling needed).
    public static func lengthOrderedBatches(lengths: [Int], batchSize: Int) -> [[Int]] {
        let sorted = lengths.indices.sorted { lengths[$0] < lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
        return stride(from: 0, to: sorted.count, by: batchSize).map { Array(sorted[$0..<min($0 + batchSize, sorted.count)]) }
    }
}
