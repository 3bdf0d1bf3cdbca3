import XCTest
import LoomNN
import LoomTensor
import LoomText
@testable import LoomModels

/// The n-gram branch: its features by hand, the Naive-Bayes ratios by hand, the bag against PyTorch
/// (Fixtures/make_ngram_fixtures.py), the two-branch model's gradients against finite differences, its
/// inference path, explanations, training on a task only bigrams solve, and reloading.
final class NGramBranchTests: XCTestCase {
    func testFeaturesByHand() {
        var settings = NGramSettings()
        settings.order = 3
        settings.buckets = 7
        let features = NGramFeatures(vocabularySize: 12, settings: settings)
        XCTAssertEqual(features.rows, 19)
        // Unigrams 2, 3, 4, 5; bigrams (2,3): (2·116049371 + 3) mod 7 = 4 → row 16, (4,5): 0 → 12,
        // (5,2): 1 → 13, (2,3) again; every other bigram and every trigram but (4,5,2) and (5,2,3) holds the padding.
        let ids: [Int32] = [2, 3, 0, 4, 5, 2, 3]
        func trigram(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> Int32 {
            let m = NGramFeatures.multiplier
            return Int32(12 + Int(((a &* m &+ b) &* m &+ c) % 7))
        }
        let expected = Set<Int32>([2, 3, 4, 5, 16, 12, 13, trigram(4, 5, 2), trigram(5, 2, 3)]).sorted()
        XCTAssertEqual(features.features(ids), expected)
        XCTAssertEqual(features.occurrences(ids).count, 6 + 4 + 2)
        // Unigrams only: the vocabulary rows, no buckets.
        settings.order = 1
        let unigrams = NGramFeatures(vocabularySize: 12, settings: settings)
        XCTAssertEqual(unigrams.rows, 12)
        XCTAssertEqual(unigrams.features([5, 5, 1, 0]), [1, 5])
        XCTAssertEqual(unigrams.features([]), [])
    }

    /// r = log((p/‖p‖₁)/(q/‖q‖₁)) with α = 1, on three rows.
    func testNaiveBayesRatiosByHand() {
        // Row 0 in both positive reviews, row 1 in the negative one, row 2 nowhere.
        let r = NGramFeatures.naiveBayesRatios(features: [[0], [0], [1]], labels: [1, 1, 0], rows: 3)
        let p = [3.0, 1, 1], q = [1.0, 2, 1]
        for i in 0..<3 {
            XCTAssertEqual(Double(r[i]), log((p[i] / 5) / (q[i] / 4)), accuracy: 1e-6, "row \(i)")
        }
    }

    struct FixtureFile: Decodable { var torch: String; var cases: [Fixture] }
    struct Fixture: Decodable {
        var name: String
        var vocabularySize, order, buckets, outputs: Int
        var sequences, features: [[Int32]]
        var weight, bias, scale, output, lossWeights, gradWeight, gradBias: [Float]
    }

    /// Features, outputs and gradients against PyTorch's `embedding_bag` (sum mode, per-sample weights).
    func testAgainstPyTorch() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("ngram_fixtures.json")
        let file = try JSONDecoder().decode(FixtureFile.self, from: Data(contentsOf: url))
        XCTAssertEqual(file.cases.count, 3)
        for fixture in file.cases {
            var settings = NGramSettings()
            settings.order = fixture.order
            settings.buckets = fixture.buckets
            let features = NGramFeatures(vocabularySize: fixture.vocabularySize, settings: settings)
            let lists = fixture.sequences.map(features.features)
            XCTAssertEqual(lists, fixture.features, fixture.name)
            let bag = NGramBag(rows: features.rows, outputSize: fixture.outputs, l2: 0, name: "ngram")
            bag.weight.value = Tensor(shape: [features.rows, fixture.outputs], data: fixture.weight)
            bag.bias.value = Tensor(shape: [fixture.outputs], data: fixture.bias)
            bag.scale.value = Tensor(shape: [features.rows], data: fixture.scale)
            let out = bag.forward(lists)
            bag.backward(Tensor(shape: out.shape, data: fixture.lossWeights))
            for (what, ours, theirs) in [("output", out.data, fixture.output), ("d weight", bag.weight.grad.data, fixture.gradWeight),
                                         ("d bias", bag.bias.grad.data, fixture.gradBias)] {
                XCTAssertEqual(ours.count, theirs.count, "\(fixture.name) \(what)")
                for (a, b) in zip(ours, theirs) { XCTAssertEqual(a, b, accuracy: 1e-5 + 1e-5 * abs(b), "\(fixture.name) \(what)") }
            }
            XCTAssertEqual(bag.parameters.map(\.name), ["ngram.weight", "ngram.bias", "ngram.scale"])
        }
    }

    static let words = ["<pad>", "<unk>", "good", "bad", "film", "plot", "the", "was", "not", "great", "dull", "."]

    /// A two-branch model: the recurrent branch reads the last 6 tokens, the bag the last `bagLength`
    /// (default: its own default window, longer than any text here; nil: the recurrent branch's, as in
    /// models saved before the bag had a window).
    static func model(classes: Int, cell: CellKind = .gru, l2: Float = 0.01, seed: UInt64 = 3,
                      bagLength: Int? = NGramSettings.defaultMaxLength, pooling: Pooling = .mean) throws -> SentimentModel {
        var configuration = SentimentConfiguration(classes: (0..<classes).map { "c\($0)" }, vocabularySize: words.count)
        configuration.cell = cell
        configuration.embeddingSize = 4
        configuration.hiddenSize = 3
        configuration.pooling = pooling
        configuration.dropout = 0
        configuration.embeddingDropout = 0
        configuration.maxLength = 6
        var settings = NGramSettings()
        settings.order = 3
        settings.buckets = 5
        settings.l2 = l2
        settings.maxLength = bagLength
        configuration.ngrams = settings
        var rng = SeededGenerator(seed: seed)
        let model = try SentimentModel(configuration, rng: &rng)
        // Non-zero bag weights and scales, so every term of the gradient is exercised.
        let rows = model.ngram!.rows
        model.ngram!.weight.value = Tensor(shape: [rows, configuration.outputSize],
                                           data: (0..<(rows * configuration.outputSize)).map { Float(sin(Double($0) * 1.7)) * 0.5 })
        model.setNGramScale((0..<rows).map { Float(cos(Double($0) * 0.9)) })
        model.ngram!.bias.value = Tensor(shape: [configuration.outputSize], data: (0..<configuration.outputSize).map { Float($0) * 0.1 - 0.05 })
        return model
    }

    /// The training gradient is that of CE(recurrent branch) + CE(bag) + l2·Σw², every trainable parameter
    /// against central differences; the scales get none; the logits are the branches' mean.
    func testTwoBranchGradientsMatchFiniteDifferences() throws {
        for (classes, cell) in [(2, CellKind.gru), (3, .lstm)] {
            let model = try Self.model(classes: classes, cell: cell)
            let batch = PaddedBatch(sequences: [[2, 3, 4, 5, 6, 2, 3], [7, 8], [9, 4, 4, 10]], maxLength: 6)
            let targets: [Int32] = classes == 2 ? [1, 0, 1] : [2, 0, 1]
            var rng = SeededGenerator(seed: 1)
            func objective() -> Double {
                let logits = model.forward(batch, training: false, rng: &rng)
                let (recurrent, ngram) = model.lastBranchLogits!
                for (i, value) in logits.data.enumerated() {
                    XCTAssertEqual(value, (recurrent.data[i] + ngram.data[i]) / 2, accuracy: 1e-6)
                }
                return Double(model.loss(logits: recurrent, targets: targets).loss) + Double(model.loss(logits: ngram, targets: targets).loss)
                    + Double(model.ngram!.penalty)
            }
            zeroGradients(model.parameters)
            let logits = model.forward(batch, training: true, rng: &rng)
            let (reported, gradient) = model.trainingLoss(logits: logits, targets: targets)
            XCTAssertEqual(Double(reported), Double(model.loss(logits: logits, targets: targets).loss) + Double(model.ngram!.penalty), accuracy: 1e-5)
            model.backward(gradient)
            assertGradientsMatchFiniteDifferences(model.trainableParameters, samples: 9, "\(cell) classes=\(classes)", loss: objective)
            XCTAssertFalse(model.trainableParameters.contains { $0.name == "ngram.scale" })
            XCTAssertEqual(model.parameters.suffix(3).map(\.name), ["ngram.weight", "ngram.bias", "ngram.scale"])
            XCTAssertEqual(model.parameters.reduce(0) { $0 + $1.value.count }, model.configuration.parameterCount)
        }
    }

    /// Inference (the classifier's path, with and without projection tables) gives the training forward's
    /// probabilities, and a saved model reloads to the same ones.
    func testInferenceAndReloadMatchTheForwardPass() throws {
        let model = try Self.model(classes: 2)
        let vocabulary = try Vocabulary(tokens: Self.words)
        let classifier = try SentimentClassifier(model: model, vocabulary: vocabulary)
        let texts = ["the film was not good . not good at all", "great plot", "dull dull film"]
        let ids = texts.map(classifier.encode)
        var rng = SeededGenerator(seed: 0)
        let forward = model.probabilities(logits: model.forward(PaddedBatch(sequences: ids, maxLength: 6), training: false, rng: &rng))
        let inferred = classifier.probabilities(encoded: ids)
        for (a, b) in zip(forward, inferred) { XCTAssertEqual(a[1], b[1], accuracy: 1e-5) }
        let folder = ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-ngram-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: folder.url) }
        try SentimentModelFiles.save(model, vocabulary: vocabulary, log: [], to: folder)
        let reloaded = try SentimentClassifier(directory: folder.url)
        XCTAssertEqual(reloaded.configuration.ngrams, model.configuration.ngrams)
        XCTAssertEqual(reloaded.classify(texts).map(\.probabilities), classifier.classify(texts).map(\.probabilities))
    }

    /// Integrated gradients stay complete with the bag: the attributions sum to the model's logit for the
    /// review minus its logit at the baseline (zero embeddings and no n-gram), computed here independently.
    /// With the two windows apart (8 tokens: the bag reads all of them, the recurrent branch the last 6),
    /// the first tokens' attributions are their bag shares alone, and the sum is still complete.
    func testExplanationsAreCompleteWithTheBag() throws {
        for (bagLength, weight) in [(NGramSettings.defaultMaxLength, Float(0.5)), (4, 0.5), (nil, 0.5), (NGramSettings.defaultMaxLength, 0.8)] {
            let model = try Self.model(classes: 2, l2: 0, bagLength: bagLength)
            model.setBagWeight(weight)
            let classifier = try SentimentClassifier(model: model, vocabulary: Vocabulary(tokens: Self.words))
            let text = "the film was not good . not good"
            let explanation = try SentimentExplainer(classifier: classifier).explain(text, options: ExplanationOptions(target: "c1"))
            let ids = classifier.encode(text)
            let window = bagLength ?? 6
            XCTAssertEqual(ids.count, max(6, min(window, 8)), "encoded to the longer window")
            XCTAssertEqual(explanation.tokens.count, ids.count)
            let recurrentIDs = Array(ids.suffix(6))
            var rng = SeededGenerator(seed: 1)
            func recurrentLogit(_ scale: Float) -> Double {
                let x = model.embed(recurrentIDs).data.map { $0 * scale }
                return Double(model.forward(embedded: Tensor(shape: [6, 1, 4], data: x),
                                            mask: Tensor(shape: [6, 1], repeating: 1), training: false, rng: &rng).data[0])
            }
            let bagLogit = Double(model.ngram!.apply([model.ngramFeatures!.features(Array(ids.suffix(window)))]).data[0])
            let bias = Double(model.ngram!.bias.value.data[0])
            let w = Double(weight)
            let difference = (1 - w) * (recurrentLogit(1) - recurrentLogit(0)) + w * (bagLogit - bias)
            XCTAssertEqual(Double(explanation.logitDifference!), difference, accuracy: 1e-5, "bag window \(window)")
            let sum = explanation.tokens.reduce(0) { $0 + Double($1.attribution) }
            XCTAssertEqual(sum, difference, accuracy: 0.01 * abs(difference) + 1e-4, "bag window \(window)")
            let shares = model.ngramTokenContributions(ids)!
            for t in 0..<(ids.count - 6) {
                XCTAssertEqual(explanation.tokens[t].attribution, shares[t], accuracy: 1e-6, "token \(t) is the bag's alone")
            }
            for t in 0..<max(0, ids.count - window) { XCTAssertEqual(shares[t], 0, "token \(t) is before the bag's window") }
            XCTAssertEqual(shares.reduce(0, +), weight * Float(bagLogit - bias), accuracy: 1e-5)
        }
    }

    /// The trainer's bag weight is the grid point whose mixed logits have the lowest mean loss on the given
    /// reviews (each loss computed here from the probabilities), and the model then predicts with it, also
    /// after a save and reload; a weight outside [0, 1] in a saved configuration is refused.
    func testTheBagWeightIsChosenOnValidationAndKept() throws {
        let model = try Self.model(classes: 2)
        let sequences: [[Int32]] = [[2, 3, 4, 5], [6, 7, 8, 9, 10], [2, 2, 11], [9, 4], [3, 10, 5, 6, 7, 8, 2], [11, 9, 3]]
        let labels: [Int32] = [1, 0, 1, 0, 0, 1]
        let examples = EncodedExamples(sequences: sequences, labels: labels)
        let chosen = SentimentTrainer.chooseBagWeight(model, outputs: SentimentTrainer.branchOutputs(model, on: examples, batchSize: 4, maxLength: 6))
        func meanLoss(_ w: Float) -> Double {
            model.setBagWeight(w)
            var rng = SeededGenerator(seed: 0)
            let p = model.probabilities(logits: model.forward(PaddedBatch(sequences: sequences, maxLength: 6), training: false, rng: &rng))
            return zip(p, labels).map { -log(Double($0[Int($1)])) }.reduce(0, +) / Double(labels.count)
        }
        let losses = SentimentTrainer.bagWeightGrid.map(meanLoss)
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        XCTAssertEqual(chosen, SentimentTrainer.bagWeightGrid[best], "losses \(losses)")
        model.setBagWeight(chosen)
        let vocabulary = try Vocabulary(tokens: Self.words)
        let classifier = try SentimentClassifier(model: model, vocabulary: vocabulary)
        let branches = classifier.branchLogits(encoded: sequences)
        for (b, branch) in branches.enumerated() {
            let z = (1 - chosen) * branch.recurrent[0] + chosen * branch.bag![0]
            XCTAssertEqual(classifier.probabilities(encoded: [sequences[b]])[0][1], 1 / (1 + exp(-z)), accuracy: 1e-5)
        }
        let folder = ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-bagweight-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: folder.url) }
        try SentimentModelFiles.save(model, vocabulary: vocabulary, log: [], to: folder)
        let reloaded = try SentimentClassifier(directory: folder.url)
        XCTAssertEqual(reloaded.configuration.bagWeight, chosen)
        XCTAssertEqual(reloaded.probabilities(encoded: sequences), classifier.probabilities(encoded: sequences))
        var bad = NGramSettings()
        bad.bagWeight = 1.5
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("bagWeight"), "\($0)") }
    }

    /// The bag reads its own window of each review, the recurrent branch the last `maxLength` tokens:
    /// the classifier's probabilities are those of the two branches computed apart, for a window longer
    /// than the recurrent one, a shorter one, and none (a model saved before the window existed reads the
    /// recurrent branch's 6 tokens and encodes no more).
    func testTheBagReadsItsOwnWindow() throws {
        let text = "the film was not good . not good at all . dull plot"  // 13 tokens
        for bagLength in [10, 3, nil] {
            let model = try Self.model(classes: 2, bagLength: bagLength)
            let classifier = try SentimentClassifier(model: model, vocabulary: Vocabulary(tokens: Self.words))
            let ids = classifier.encode(text)
            let window = bagLength ?? 6
            XCTAssertEqual(model.configuration.bagLength, window)
            XCTAssertEqual(ids.count, max(6, window))
            var rng = SeededGenerator(seed: 0)
            let recurrent = model.forward(PaddedBatch(sequences: [Array(ids.suffix(6))], maxLength: 6), training: false, rng: &rng)
            let recurrentLogit = model.lastBranchLogits!.recurrent.data[0]
            XCTAssertNotNil(recurrent)
            let bagLogit = model.ngram!.apply([model.ngramFeatures!.features(Array(ids.suffix(window)))]).data[0]
            let expected = 1 / (1 + exp(-(recurrentLogit + bagLogit) / 2))
            XCTAssertEqual(classifier.probabilities(encoded: [ids])[0][1], expected, accuracy: 1e-5, "bag window \(window)")
            XCTAssertEqual(classifier.classify([text])[0].probabilities[1], expected, accuracy: 1e-5, "bag window \(window)")
        }
        // Attention weights cover every token the model encodes: 0 for those only the bag reads.
        let attending = try SentimentClassifier(model: Self.model(classes: 2, bagLength: 10, pooling: .attention),
                                                vocabulary: Vocabulary(tokens: Self.words))
        let weights = try XCTUnwrap(attending.attentionWeights(encoded: attending.encode(text)))
        XCTAssertEqual(weights.count, 10)
        XCTAssertEqual(Array(weights.prefix(4)), [0, 0, 0, 0])
        XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-5)
        // A saved configuration without the key decodes to nil (the old behaviour); a new one keeps its window.
        let old = #"{"order": 2, "buckets": 16, "l2": 0.0002, "learningRateScale": 5, "naiveBayes": true}"#
        XCTAssertNil(try JSONDecoder().decode(NGramSettings.self, from: Data(old.utf8)).maxLength)
        let saved = try JSONEncoder().encode(NGramSettings())
        XCTAssertEqual(try JSONDecoder().decode(NGramSettings.self, from: saved).maxLength, NGramSettings.defaultMaxLength)
        var bad = NGramSettings()
        bad.maxLength = 0
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("--ngram-max-length")) }
    }

    /// A task no unigram solves: "not good" is negative, "good" alone positive. Trained with --ngrams 2 the
    /// model must learn it, with Naive-Bayes scales computed from the training split.
    func testTrainingLearnsABigramTask() throws {
        var rng = SeededGenerator(seed: 5)
        let filler = ["the", "film", "was", "plot", "and", "it", "a"]
        var examples: [LabelledText] = []
        for i in 0..<400 {
            let negative = i % 2 == 0
            var words = (0..<5).map { _ in filler[Int(rng.next() % UInt64(filler.count))] }
            words.insert(contentsOf: negative ? ["not", "good"] : ["good", "not"], at: Int(rng.next() % 5))
            examples.append(LabelledText(text: words.joined(separator: " "), label: negative ? "neg" : "pos", source: "synthetic:\(i + 1)"))
        }
        var architecture = SentimentConfiguration(classes: [], vocabularySize: 0)
        architecture.embeddingSize = 4
        architecture.hiddenSize = 4
        var settings = NGramSettings()
        settings.buckets = 64
        architecture.ngrams = settings
        var options = SentimentTrainingOptions()
        options.epochs = 6
        options.minCount = 1
        options.batchSize = 16
        options.learningRate = 0.01
        let output = ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-ngram-train-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: output.url) }
        let summary = try SentimentTrainer(architecture: architecture, options: options).train(examples, source: "synthetic", output: output)
        XCTAssertGreaterThanOrEqual(summary.bestValidationAccuracy ?? 0, 0.95)
        let classifier = try SentimentClassifier(directory: output.url)
        let scale = classifier.model.ngram!.scale.value.data
        XCTAssertTrue(scale.contains { $0 != 1 }, "Naive-Bayes scales were not set")
        // The bag alone separates the two bigrams: its share for "not good" speaks for neg.
        let contributions = classifier.model.ngramTokenContributions(classifier.encode("not good"))!
        XCTAssertLessThan(contributions.reduce(0, +), 0)
        XCTAssertEqual(classifier.classify(["the film was not good", "good not the plot"]).map(\.label), ["neg", "pos"])
    }
}
