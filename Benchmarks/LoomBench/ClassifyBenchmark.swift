import Foundation
import LoomModels
import LoomNN
import LoomTensor
import LoomText

/// Classification speed, tokenizing included: one ~230-word review end to end after the model is loaded,
/// and file mode over many reviews. Uses a trained model folder (`--model DIR`) when given, otherwise a
/// randomly initialised model of the benchmark shape (V=20,000, E=128, H=128): speed does not depend on
/// the weights' values.
func runClassifyBenchmark(arguments: [String]) throws {
    let data = option("data", in: arguments).map { URL(fileURLWithPath: $0) } ?? sharedDataset("imdb/test.tsv")
    guard FileManager.default.fileExists(atPath: data.path) else {
        throw ModelError.missingFile(data)
    }
    let reviews = try LabelledCorpus.read(data).map(\.text)
    let count = min(Int(option("count", in: arguments) ?? "5000") ?? 5000, reviews.count)
    let cells = (option("cell", in: arguments) ?? "lstm,gru").split(separator: ",").compactMap { CellKind(rawValue: String($0)) }
    for cell in cells {
        let classifier: SentimentClassifier
        if let model = option("model", in: arguments) {
            classifier = try SentimentClassifier(directory: URL(fileURLWithPath: model))
        } else {
            var words = TokenizerOptions()
            words.keepPunctuation = false
            let tokenizer = try Tokenizer(options: words)
            var counts: [String: Int] = [:]
            for review in reviews.prefix(5000) { for token in tokenizer.tokenize(review) { counts[token, default: 0] += 1 } }
            let vocabulary = Vocabulary.build(counts: counts, maxSize: 20_000, minCount: 1)
            var configuration = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: vocabulary.count)
            configuration.cell = cell
            configuration.bidirectional = false  // the peer's shape: one direction, last state
            configuration.pooling = .last
            configuration.keepPunctuation = false  // words only: ~230 tokens, as the peer's 230-token input
            var rng = SeededGenerator(seed: 0)
            classifier = try SentimentClassifier(model: try SentimentModel(configuration, rng: &rng), vocabulary: vocabulary)
        }
        // The review whose word count is closest to 230.
        let one = reviews.min { abs($0.split(separator: " ").count - 230) < abs($1.split(separator: " ").count - 230) }!
        let encodedOne = classifier.encode(one)
        let tokenizeOnly = medianSeconds(warmup: 20, repeats: 301) { _ = classifier.encode(one) }
        // As loaded, then with the per-token input projections (`prepareForThroughput`), which a classifier
        // builds by itself once 50,000 tokens have gone through it: after about 210 such reviews.
        classifier.projectionTableThreshold = .max  // no automatic tables while timing "as loaded"
        for prepared in [false, true] {
            if prepared { classifier.prepareForThroughput() }
            let single = medianSeconds(warmup: 20, repeats: 301) { _ = classifier.classify([one]) }
            let modelOnly = medianSeconds(warmup: 20, repeats: 301) { _ = classifier.classify(encoded: [encodedOne]) }
            emit(["bench": "classify_one_review", "cell": classifier.configuration.cell.rawValue,
                  "projection_table": prepared, "words": one.split(separator: " ").count, "tokens": encodedOne.count,
                  "ms": single * 1e3, "model_ms": modelOnly * 1e3, "tokenize_ms": tokenizeOnly * 1e3])
        }
        let batch = Array(reviews.prefix(count))
        let many = medianSeconds(warmup: 1, repeats: 3) { _ = classifier.classify(batch, batchSize: 256) }
        emit(["bench": "classify_file_mode", "cell": classifier.configuration.cell.rawValue, "reviews": count,
              "reviews_per_s": Double(count) / many])
        if option("model", in: arguments) != nil { break }
    }
}
