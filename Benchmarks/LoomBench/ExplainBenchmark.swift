import Foundation
import LoomModels
import LoomTensor
import LoomText

/// Explanations: speed on one ~230-token review, and faithfulness on IMDB test reviews.
///
/// Faithfulness is the deletion curve (Samek et al. 2017, "Evaluating the visualization of what a deep
/// neural network has learned"): delete the k most-attributed tokens (k = 1…K, ranked for the predicted
/// class) from what the model reads and record the drop in the predicted class's probability;
/// AOPC = 1/(K+1) · Σ_{k=0…K} (p(review) − p(review without its top k)), averaged over reviews. Random
/// ranking is the floor. Reviews are a seeded sample of the test file (it is sorted by label).
///
///     loom-bench explain --model bundled/imdb-sentiment --count 1000 --k 20 [--methods ig,occlusion,random]
func runExplainBenchmark(arguments: [String]) throws {
    let data = option("data", in: arguments).map { URL(fileURLWithPath: $0) } ?? sharedDataset("imdb/test.tsv")
    guard FileManager.default.fileExists(atPath: data.path) else { throw ModelError.missingFile(data) }
    let modelFolder = URL(fileURLWithPath: option("model", in: arguments) ?? "bundled/imdb-sentiment")
    let classifier = try SentimentClassifier(directory: modelFolder)
    classifier.prepareForThroughput()
    let explainer = SentimentExplainer(classifier: classifier)
    var reviews = try LabelledCorpus.read(data).map(\.text)
    var rng = SeededGenerator(seed: 42)
    reviews.shuffle(using: &rng)
    let modelName = modelFolder.lastPathComponent

    // Speed: the review whose token count is closest to 230; IG at exactly 32 steps.
    let one = reviews.prefix(2000).min { abs(classifier.encode($0).count - 230) < abs(classifier.encode($1).count - 230) }!
    let tokens = classifier.encode(one).count
    let fixed = ExplanationOptions(method: .integratedGradients, steps: 32, adaptiveSteps: false)
    let igSeconds = try medianSeconds(warmup: 2, repeats: 11) { _ = try explainer.explain(one, options: fixed) }
    let occlusionSeconds = try medianSeconds(warmup: 2, repeats: 11) {
        _ = try explainer.explain(one, options: ExplanationOptions(method: .occlusion))
    }
    emit(["bench": "explain_one_review", "model": modelName, "tokens": tokens,
          "ig32_ms": igSeconds * 1e3, "occlusion_ms": occlusionSeconds * 1e3])

    let count = min(Int(option("count", in: arguments) ?? "1000") ?? 1000, reviews.count)
    let K = Int(option("k", in: arguments) ?? "20") ?? 20
    var methods = (option("methods", in: arguments) ?? "ig,occlusion,attention,random").split(separator: ",").map(String.init)
    if classifier.configuration.pooling != .attention { methods.removeAll { $0 == "attention" } }
    var sums = [String: [Double]]()  // per method: Σ over reviews of the drop at k = 0…K
    var steps: [Int] = []
    let start = Date()
    for (number, review) in reviews.prefix(count).enumerated() {
        let ids = classifier.encode(review)
        guard ids.count > K else { continue }
        let base = try explainer.explain(review, options: ExplanationOptions(method: .occlusion))
        let predicted = classifier.configuration.classes.firstIndex(of: base.prediction.label)!
        let full = base.prediction.probabilities[predicted]
        for method in methods {
            let scores: [Float]
            switch method {
            case "random":
                var order = SeededGenerator(seed: UInt64(number))
                scores = ids.map { _ in order.nextUniform() }
            case "occlusion":
                scores = base.tokens.map(\.attribution)
            default:
                let explanation = try explainer.explain(review, options: ExplanationOptions(method: AttributionMethod(rawValue: method)!))
                if let used = explanation.steps { steps.append(used) }
                scores = explanation.tokens.map(\.attribution)
            }
            let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
            let deleted = (1...K).map { k -> [Int32] in
                let removed = Set(ranked.prefix(k))
                return ids.indices.filter { !removed.contains($0) }.map { ids[$0] }
            }
            let probabilities = classifier.probabilities(encoded: deleted, batchSize: K)
            var row = [0.0]
            for k in 0..<K { row.append(Double(full - probabilities[k][predicted])) }
            let total = sums[method] ?? [Double](repeating: 0, count: K + 1)
            sums[method] = zip(total, row).map { $0 + $1 }
        }
        if (number + 1) % 100 == 0 {
            FileHandle.standardError.write(Data("explain: \(number + 1)/\(count) reviews, \(Int(Date().timeIntervalSince(start))) s\n".utf8))
        }
    }
    let evaluated = Double(count)
    let randomAOPC = (sums["random"].map { $0.reduce(0, +) / Double(K + 1) / evaluated })
    for method in methods {
        guard let sum = sums[method] else { continue }
        let curve = sum.map { $0 / evaluated }
        let aopc = curve.reduce(0, +) / Double(K + 1)
        var record: [String: Any] = ["bench": "explain_aopc", "model": modelName, "method": method, "reviews": count, "k": K,
                                     "aopc": aopc, "drop_at_k": curve.map { ($0 * 1e4).rounded() / 1e4 }]
        if let randomAOPC, randomAOPC > 0 { record["vs_random"] = aopc / randomAOPC }
        if method == "ig", !steps.isEmpty {
            let sorted = steps.sorted()
            record["ig_steps_median"] = sorted[sorted.count / 2]
            record["ig_steps_max"] = sorted.last!
        }
        emit(record)
    }
}
