import XCTest
import LoomNN
import LoomTensor
import LoomText
@testable import LoomModels

final class SentimentModelTests: XCTestCase {
    /// The whole model wired together (embedding → recurrent → pooling → dense → loss): analytic gradients of
    /// every parameter must match central finite differences. Each layer is checked alone in LoomNNTests;
    /// this catches wiring mistakes (time-major layout, reshapes, masks, name prefixes).
    func testWholeModelGradientsMatchFiniteDifferences() throws {
        for (cell, pooling, bidirectional, classes) in [(CellKind.lstm, Pooling.mean, false, 2), (.gru, .mean, true, 3), (.gru, .max, false, 2), (.lstm, .max, false, 2),
                                                       (.rnn, .last, false, 2), (.lstm, .last, true, 3),
                                                       (.lstm, .attention, true, 2), (.gru, .attention, false, 3)] {
            var configuration = SentimentConfiguration(classes: (0..<classes).map { "c\($0)" }, vocabularySize: 9)
            configuration.cell = cell
            configuration.pooling = pooling
            configuration.bidirectional = bidirectional
            configuration.embeddingSize = 3
            configuration.hiddenSize = 4
            configuration.dropout = 0
            configuration.embeddingDropout = 0
            configuration.maxLength = 6
            var rng = SeededGenerator(seed: 5)
            let model = try SentimentModel(configuration, rng: &rng)
            let batch = PaddedBatch(sequences: [[2, 3, 4, 5, 6], [7, 8], [1, 4, 4]], maxLength: 6)
            let targets: [Int32] = classes == 2 ? [1, 0, 1] : [2, 0, 1]
            func loss() -> Double {
                Double(model.loss(logits: model.forward(batch, training: false, rng: &rng), targets: targets).loss)
            }
            zeroGradients(model.parameters)
            let logits = model.forward(batch, training: true, rng: &rng)
            model.backward(model.loss(logits: logits, targets: targets).gradient)
            // Step 1e-2 on float32 values of order 1: truncation error O(h²) ≈ 1e-4 relative, rounding ≈ 1e-7/h ≈ 1e-5.
            // Max pooling is only piecewise smooth: a step that large can move the maximum to another time step
            // (seen with GRU), so it gets 1e-3, where rounding (≈ 1e-4) is still far inside the tolerance.
            let h: Float = pooling == .max ? 1e-3 : 1e-2
            assertGradientsMatchFiniteDifferences(model.parameters, samples: 7, h: h, "\(cell) \(pooling) bi=\(bidirectional)", loss: loss)
            XCTAssertEqual(model.parameters.first?.name, "embedding.weight")
            XCTAssertTrue(model.parameters.contains { $0.name == "\(cell.rawValue).weight_hh_l0" })
            XCTAssertEqual(model.parameters.suffix(2).map(\.name), ["fc.weight", "fc.bias"])
        }
    }

    /// More than two classes use a softmax head; a keyword per class is easy to learn.
    func testThreeClassTrainingLearnsKeywords() throws {
        var rng = SeededGenerator(seed: 11)
        let words = ["the", "a", "film", "story", "was", "quite", "really", "and", "then", "it"]
        let keywords = ["sport": "match", "politics": "senate", "science": "atom"]
        var examples: [LabelledText] = []
        for i in 0..<300 {
            let label = ["sport", "politics", "science"][i % 3]
            var text = (0..<6).map { _ in words[Int(rng.next() % UInt64(words.count))] }
            text.insert(keywords[label]!, at: Int(rng.next() % 6))
            examples.append(LabelledText(text: text.joined(separator: " "), label: label, source: "synthetic:\(i + 1)"))
        }
        var architecture = SentimentConfiguration(classes: [], vocabularySize: 0)
        architecture.embeddingSize = 8
        architecture.hiddenSize = 8
        var options = SentimentTrainingOptions()
        options.epochs = 8
        options.patience = 8
        options.learningRate = 0.02
        options.minCount = 1
        options.batchSize = 16
        let output = ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-3class-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: output.url) }
        let summary = try SentimentTrainer(architecture: architecture, options: options)
            .train(examples, source: "synthetic", output: output)
        XCTAssertEqual(summary.classes, ["politics", "science", "sport"])
        XCTAssertGreaterThanOrEqual(summary.bestValidationAccuracy ?? 0, 0.9)
        let classifier = try SentimentClassifier(directory: output.url)
        XCTAssertEqual(classifier.configuration.outputSize, 3)
        let predictions = classifier.classify(["the film was senate quite really it", "a story match and then the was",
                                               "it was the atom film and then"])
        XCTAssertEqual(predictions.map(\.label), ["politics", "sport", "science"])
        for prediction in predictions { XCTAssertEqual(prediction.probabilities.reduce(0, +), 1, accuracy: 1e-5) }
    }

    /// Reloading a saved model gives bit-identical probabilities, with and without the projection table.
    func testReloadedModelGivesIdenticalProbabilities() throws {
        let (model, vocabulary) = try tinyModel(seed: 2)
        let folder = ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-reload-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: folder.url) }
        try SentimentModelFiles.save(model, vocabulary: vocabulary, log: [], to: folder)
        let original = try SentimentClassifier(model: model, vocabulary: vocabulary)
        let reloaded = try SentimentClassifier(directory: folder.url)
        let texts = ["good film", "bad plot, bad film", "film"]
        let expected = original.classify(texts).map(\.probabilities)
        XCTAssertEqual(reloaded.classify(texts).map(\.probabilities), expected)
        reloaded.prepareForThroughput()
        for (a, b) in zip(reloaded.classify(texts).map(\.probabilities), expected) {
            XCTAssertEqual(a[1], b[1], accuracy: 1e-6)
        }
    }

    /// The projection tables are built once enough tokens have been classified, over one call or many, and
    /// the probabilities stay those of the model without them.
    func testProjectionTablesBuiltAfterThresholdAcrossCalls() throws {
        let (model, vocabulary) = try tinyModel(seed: 4)
        let classifier = try SentimentClassifier(model: model, vocabulary: vocabulary)
        classifier.projectionTableThreshold = 10
        let text = "good film bad plot"  // 4 tokens a call
        let before = classifier.classify([text])[0].probabilities
        XCTAssertFalse(classifier.hasProjectionTables)
        _ = classifier.classify([text])
        XCTAssertFalse(classifier.hasProjectionTables, "8 tokens so far")
        let after = classifier.classify([text])[0].probabilities
        XCTAssertTrue(classifier.hasProjectionTables, "12 tokens so far")
        XCTAssertEqual(after[1], before[1], accuracy: 1e-6)
    }

    /// A two-class model over a six-word vocabulary (embedding 4, hidden 5).
    private func tinyModel(seed: UInt64) throws -> (SentimentModel, Vocabulary) {
        var configuration = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: 6)
        configuration.embeddingSize = 4
        configuration.hiddenSize = 5
        var rng = SeededGenerator(seed: seed)
        return (try SentimentModel(configuration, rng: &rng),
                try Vocabulary(tokens: ["<pad>", "<unk>", "good", "bad", "film", "plot"]))
    }
}

/// A model keeps the tokenization it was trained with: the web-text rules are on for new configurations
/// and off for a `config.json` written before they existed (no `webText` key).
final class SentimentTokenizerRecordTests: XCTestCase {
    func testWebTextIsOnForNewModelsAndOffForOlderConfigurations() throws {
        let configuration = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: 10)
        XCTAssertTrue(configuration.tokenizerOptions.webText)
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(configuration)) as? [String: Any])
        XCTAssertEqual(json["webText"] as? Bool, true)
        json["webText"] = nil
        let older = try JSONDecoder().decode(SentimentConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(older.webText)
        XCTAssertFalse(older.tokenizerOptions.webText)
        let tokenizer = try Tokenizer(options: older.tokenizerOptions)
        XCTAssertEqual(tokenizer.tokenize("fun :)"), ["fun", ":", ")"])
        XCTAssertEqual(try Tokenizer(options: configuration.tokenizerOptions).tokenize("fun :)"), ["fun", ":)"])
    }
}
