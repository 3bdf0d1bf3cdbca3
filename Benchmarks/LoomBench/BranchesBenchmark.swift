import Foundation
import LoomModels
import LoomText

/// Which branch of a two-branch sentiment model carries its accuracy: the recurrent branch alone, the n-gram
/// bag alone, and their logits mixed as (1 − w)·recurrent + w·bag for w = 0, 0.1, …, 1 (the model itself
/// uses w = 0.5, the mean), on labelled data (default: the IMDB test reviews). A diagnosis of the recipe,
/// not a way to tune it on the test set.
///
///     loom-bench branches --model models/imdb [--data ../shared/datasets/imdb/test.tsv]
func runBranchesBenchmark(arguments: [String]) throws {
    let data = option("data", in: arguments).map { URL(fileURLWithPath: $0) } ?? sharedDataset("imdb/test.tsv")
    guard FileManager.default.fileExists(atPath: data.path) else { throw ModelError.missingFile(data) }
    guard let folder = option("model", in: arguments) else { throw ModelError.invalidOption("give --model DIR (a model with an n-gram branch)") }
    let classifier = try SentimentClassifier(directory: URL(fileURLWithPath: folder))
    guard !classifier.configuration.isRegression, classifier.configuration.ngrams != nil else {
        throw ModelError.invalidOption("\(folder) has no n-gram branch (or predicts ratings): nothing to compare")
    }
    let examples = try LabelledCorpus.read(data)
    let truth = try SentimentData.labelIndices(examples, classes: classifier.configuration.classes)
    let encoded = SentimentData.encode(examples.map(\.text), tokenizer: classifier.tokenizer, vocabulary: classifier.vocabulary,
                                       maxLength: classifier.configuration.encodedLength)
    let branches = classifier.branchLogits(encoded: encoded)
    /// The predicted class of one row of logits: one logit (binary) is class 1 when positive.
    func predicted(_ logits: [Float]) -> Int32 {
        logits.count == 1 ? (logits[0] > 0 ? 1 : 0) : Int32(logits.indices.max { logits[$0] < logits[$1] } ?? 0)
    }
    func accuracy(bagWeight w: Float) -> Double {
        let correct = zip(branches, truth).filter { branch, label in
            predicted(zip(branch.recurrent, branch.bag!).map { (1 - w) * $0 + w * $1 }) == label
        }.count
        return Double(correct) / Double(max(truth.count, 1))
    }
    let weights = (0...10).map { Float($0) / 10 }
    var record: [String: Any] = ["bench": "branches", "model": folder, "reviews": truth.count,
                                 "recurrent_alone": accuracy(bagWeight: 0), "bag_alone": accuracy(bagWeight: 1),
                                 "mean": accuracy(bagWeight: 0.5)]
    record["by_bag_weight"] = Dictionary(uniqueKeysWithValues: weights.map { (String(format: "%.1f", $0), accuracy(bagWeight: $0)) })
    emit(record)
}
