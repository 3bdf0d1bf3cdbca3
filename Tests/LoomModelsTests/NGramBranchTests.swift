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

    static func model(classes: Int, cell: CellKind = .gru, l2: Float = 0.01, seed: UInt64 = 3) throws -> SentimentModel {
        var configuration = SentimentConfiguration(classes: (0..<classes).map { "c\($0)" }, vocabularySize: words.count)
        configuration.cell = cell
        configuration.embeddingSize = 4
        configuration.hiddenSize = 3
        configuration.pooling = .mean
        configuration.dropout = 0
        configuration.embeddingDropout = 0
        configuration.maxLength = 6
        var settings = NGramSettings()
        settings.order = 3
        settings.buckets = 5
        settings.l2 = l2
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
    func testExplanationsAreCompleteWithTheBag() throws {
        let model = try Self.model(classes: 2, l2: 0)
        let classifier = try SentimentClassifier(model: model, vocabulary: Vocabulary(tokens: Self.words))
        let text = "the film was not good . not good"
        let explanation = try SentimentExplainer(classifier: classifier).explain(text, options: ExplanationOptions(target: "c1"))
        let ids = classifier.encode(text)
        var rng = SeededGenerator(seed: 1)
        func recurrentLogit(_ scale: Float) -> Double {
            let x = model.embed(ids).data.map { $0 * scale }
            return Double(model.forward(embedded: Tensor(shape: [ids.count, 1, 4], data: x),
                                        mask: Tensor(shape: [ids.count, 1], repeating: 1), training: false, rng: &rng).data[0])
        }
        let bagLogit = Double(model.ngram!.apply([model.ngramFeatures!.features(ids)]).data[0])
        let bias = Double(model.ngram!.bias.value.data[0])
        let difference = (recurrentLogit(1) + bagLogit) / 2 - (recurrentLogit(0) + bias) / 2
        XCTAssertEqual(Double(explanation.logitDifference!), difference, accuracy: 1e-5)
        let sum = explanation.tokens.reduce(0) { $0 + Double($1.attribution) }
        XCTAssertEqual(sum, difference, accuracy: 0.01 * abs(difference) + 1e-4)
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
