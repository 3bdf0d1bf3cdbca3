import XCTest
import LoomNN
import LoomTensor
import LoomText
@testable import LoomModels

/// Explanations: the quadrature rule, integrated gradients' completeness and its gradients against finite
/// differences, occlusion against running the occluded reviews one by one, attention weights, and the
/// token offsets they report.
final class SentimentExplainerTests: XCTestCase {
    static let words = ["<pad>", "<unk>", "good", "bad", "film", "plot", "the", "was", "not", "great", "dull", "."]

    /// A small random classifier (untrained: attributions are then spread over every token, which is what
    /// the completeness checks want).
    static func classifier(cell: CellKind, pooling: Pooling, bidirectional: Bool, classes: Int = 2,
                           seed: UInt64 = 7) throws -> SentimentClassifier {
        var configuration = SentimentConfiguration(classes: (0..<classes).map { "c\($0)" }, vocabularySize: words.count)
        configuration.cell = cell
        configuration.pooling = pooling
        configuration.bidirectional = bidirectional
        configuration.embeddingSize = 6
        configuration.hiddenSize = 5
        configuration.maxLength = 8
        var rng = SeededGenerator(seed: seed)
        let model = try SentimentModel(configuration, rng: &rng)
        return try SentimentClassifier(model: model, vocabulary: Vocabulary(tokens: words))
    }

    func testGaussLegendreMatchesTheClosedFormAndIntegratesPolynomialsExactly() {
        // Three nodes on [0, 1]: (1 ∓ √(3/5))/2 and 1/2, weights 5/18, 8/18, 5/18.
        let three = GaussLegendre(count: 3)
        let r = (3.0 / 5).squareRoot()
        for (node, expected) in zip(three.nodes, [(1 - r) / 2, 0.5, (1 + r) / 2]) { XCTAssertEqual(node, expected, accuracy: 1e-14) }
        for (weight, expected) in zip(three.weights, [5.0 / 18, 8.0 / 18, 5.0 / 18]) { XCTAssertEqual(weight, expected, accuracy: 1e-14) }
        for n in [1, 2, 7, 32, 100] {
            let rule = GaussLegendre(count: n)
            XCTAssertEqual(rule.weights.reduce(0, +), 1, accuracy: 1e-12, "n=\(n)")
            XCTAssertEqual(rule.nodes, rule.nodes.sorted())
            // ∫₀¹ x^k dx = 1/(k+1) for every degree k < 2n.
            for k in [0, n, 2 * n - 1] {
                let integral = zip(rule.nodes, rule.weights).reduce(0.0) { $0 + $1.1 * pow($1.0, Double(k)) }
                XCTAssertEqual(integral, 1 / Double(k + 1), accuracy: 1e-12, "n=\(n) k=\(k)")
            }
        }
    }

    /// Completeness (Sundararajan et al.'s axiom): the attributions sum to F(review) − F(baseline), checked
    /// against F computed separately by inference on the review and on zero embeddings.
    func testIntegratedGradientsAreCompleteForEveryCellAndHead() throws {
        for (cell, pooling, bidirectional, classes) in [(CellKind.lstm, Pooling.max, true, 2), (.gru, .mean, false, 2),
                                                       (.rnn, .last, false, 3), (.gru, .attention, true, 2),
                                                       (.lstm, .attention, false, 3)] {
            let classifier = try Self.classifier(cell: cell, pooling: pooling, bidirectional: bidirectional, classes: classes)
            let explainer = SentimentExplainer(classifier: classifier)
            zeroGradients(classifier.model.parameters)
            defer {
                // Explaining leaves no gradient behind in the model (it asks for the input gradient only).
                XCTAssertTrue(classifier.model.parameters.allSatisfy { $0.grad.data.allSatisfy { $0 == 0 } }, "\(cell) \(pooling)")
            }
            let text = "the film was not good . the plot was dull"
            for target in classifier.configuration.classes {
                let explanation = try explainer.explain(text, options: ExplanationOptions(target: target))
                let what = "\(cell) \(pooling) bi=\(bidirectional) target \(target)"
                let sum = explanation.tokens.reduce(0) { $0 + Double($1.attribution) }
                // The logit difference, computed independently of the explainer's batch.
                let model = classifier.model
                let ids = classifier.encode(text)
                var rng = SeededGenerator(seed: 1)
                func score(_ scale: Float) -> Double {
                    let x = model.embed(ids).data.map { $0 * scale }
                    let logits = model.forward(embedded: Tensor(shape: [ids.count, 1, 6], data: x),
                                               mask: Tensor(shape: [ids.count, 1], repeating: 1), training: false, rng: &rng)
                    let index = classifier.configuration.classes.firstIndex(of: target)!
                    return classes == 2 ? Double(logits.data[0]) * (index == 1 ? 1 : -1) : Double(logits.data[index])
                }
                let difference = score(1) - score(0)
                XCTAssertEqual(Double(explanation.logitDifference!), difference, accuracy: 1e-5, what)
                XCTAssertEqual(sum, difference, accuracy: max(0.01 * abs(difference), 1e-4) + 1e-5, what)
                XCTAssertEqual(Double(explanation.completenessGap!), abs(sum - difference), accuracy: 1e-4, what)
                XCTAssertEqual(explanation.tokens.map(\.token), text.split(separator: " ").suffix(8).map(String.init))
            }
        }
    }

    /// The gradient integrated gradients is built on: ∂F/∂(embedded input) from the model's backward pass
    /// against central differences of F.
    func testEmbeddedInputGradientMatchesFiniteDifferences() throws {
        for (cell, pooling) in [(CellKind.lstm, Pooling.attention), (.gru, .max), (.rnn, .mean)] {
            let classifier = try Self.classifier(cell: cell, pooling: pooling, bidirectional: true)
            let model = classifier.model
            let ids: [Int32] = [6, 4, 7, 9, 11]
            let x = model.embed(ids)
            let input = x.reshaped([5, 1, 6])
            let mask = Tensor(shape: [5, 1], repeating: 1)
            var rng = SeededGenerator(seed: 2)
            _ = model.forward(embedded: input, mask: mask, training: false, rng: &rng)
            let gradient = model.backwardToEmbedded(Tensor(shape: [1, 1], data: [1]))
            zeroGradients(model.parameters)
            let h: Float = pooling == .max ? 1e-3 : 1e-2
            for index in stride(from: 0, to: 30, by: 1) {
                var plus = input, minus = input
                plus.data[index] += h
                minus.data[index] -= h
                let f = { (t: Tensor) in Double(model.forward(embedded: t, mask: mask, training: false, rng: &rng).data[0]) }
                let numeric = (f(plus) - f(minus)) / Double(2 * h)
                XCTAssertEqual(Double(gradient.data[index]), numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(cell) \(pooling) [\(index)]")
            }
        }
    }

    func testAdaptiveStepsDoubleUntilTheGapIsSmallAndFixedStepsAreKept() throws {
        let classifier = try Self.classifier(cell: .lstm, pooling: .max, bidirectional: false, seed: 3)
        let explainer = SentimentExplainer(classifier: classifier)
        let text = "good film . the plot was great , not dull"
        let fixed = try explainer.explain(text, options: ExplanationOptions(steps: 1, adaptiveSteps: false))
        XCTAssertEqual(fixed.steps, 1)
        let adaptive = try explainer.explain(text, options: ExplanationOptions(steps: 1))
        XCTAssertLessThanOrEqual(adaptive.completenessGap!, max(0.01 * abs(adaptive.logitDifference!), 1e-4))
        XCTAssertGreaterThanOrEqual(adaptive.steps!, 1)
        if fixed.completenessGap! > max(0.01 * abs(fixed.logitDifference!), 1e-4) { XCTAssertGreaterThan(adaptive.steps!, 1) }
        XCTAssertThrowsError(try explainer.explain(text, options: ExplanationOptions(steps: 0)))
        XCTAssertThrowsError(try explainer.explain(text, options: ExplanationOptions(steps: 1_000_000)))
    }

    /// Occlusion against its definition: each review with one token replaced by padding, classified alone.
    /// In batches of 3 occluded reviews (fewer than the tokens) and in one.
    func testOcclusionMatchesClassifyingEachOccludedReviewAlone() throws {
        for (pooling, batch) in [(Pooling.max, 64), (.attention, 64), (.max, 3)] {
            let classifier = try Self.classifier(cell: .gru, pooling: pooling, bidirectional: true)
            let explainer = SentimentExplainer(classifier: classifier)
            explainer.pointsPerBatch = batch
            let text = "the plot was not great . good film"
            let explanation = try explainer.explain(text, options: ExplanationOptions(method: .occlusion, target: "c1"))
            let ids = classifier.encode(text)
            let full = classifier.probabilities(encoded: [ids])[0][1]
            for (t, token) in explanation.tokens.enumerated() {
                var occluded = ids
                occluded[t] = Vocabulary.padID
                let expected = full - classifier.probabilities(encoded: [occluded])[0][1]
                XCTAssertEqual(token.attribution, expected, accuracy: 1e-5, "\(pooling) batch \(batch) token \(t)")
            }
        }
    }

    func testAttentionExplanationIsTheModelsWeights() throws {
        let classifier = try Self.classifier(cell: .lstm, pooling: .attention, bidirectional: true)
        let explanation = try SentimentExplainer(classifier: classifier).explain("good film , bad plot",
                                                                                 options: ExplanationOptions(method: .attention))
        XCTAssertEqual(explanation.tokens.reduce(0) { $0 + $1.attribution }, 1, accuracy: 1e-5)
        XCTAssertTrue(explanation.tokens.allSatisfy { $0.attribution > 0 })
        let noAttention = try Self.classifier(cell: .lstm, pooling: .max, bidirectional: true)
        XCTAssertThrowsError(try SentimentExplainer(classifier: noAttention).explain("good", options: ExplanationOptions(method: .attention))) {
            XCTAssertTrue("\($0)".contains("attention"))
        }
    }

    func testLongTextsExplainTheTokensTheModelReadsAndEmptyTextsAreAnError() throws {
        let classifier = try Self.classifier(cell: .gru, pooling: .mean, bidirectional: false)
        let explainer = SentimentExplainer(classifier: classifier)
        let text = "good good bad the film was not great . dull plot"  // 11 tokens, maxLength 8
        let explanation = try explainer.explain(text, options: ExplanationOptions(method: .occlusion))
        XCTAssertEqual(explanation.truncatedTokens, 3)
        XCTAssertEqual(explanation.tokens.map(\.token), ["the", "film", "was", "not", "great", ".", "dull", "plot"])
        XCTAssertEqual(explanation.tokens.first?.start, 14)
        XCTAssertThrowsError(try explainer.explain("   ")) { XCTAssertTrue("\($0)".contains("nothing to explain")) }
    }

    func testReportsEscapeTheReviewText() throws {
        let classifier = try Self.classifier(cell: .gru, pooling: .max, bidirectional: false)
        let text = "good <script>alert(1)</script> \u{1B}[2J film"
        let explanation = try SentimentExplainer(classifier: classifier).explain(text)
        let html = ExplanationReport.html([(text, explanation)], modelName: "m<1>")
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("&lt;script&gt;"))
        XCTAssertTrue(html.contains("m&lt;1&gt;"))
        let terminal = ExplanationReport.terminal(text: text, explanation: explanation)
        XCTAssertFalse(terminal.contains("\u{1B}[2J"))
        // Every traced token is shaded or left as it is, and the text reads the same without the colours.
        let plain = terminal.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        XCTAssertEqual(plain, text.replacingOccurrences(of: "\u{1B}", with: "\u{FFFD}"))
    }
}
