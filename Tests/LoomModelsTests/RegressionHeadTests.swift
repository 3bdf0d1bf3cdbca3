import XCTest
import LoomNN
import LoomTensor
import LoomText
@testable import LoomModels

/// `--task regression`: the rating scale, the head's loss and gradients, a synthetic rating task the trainer
/// must fit, the metrics, and the refusals where classes are needed.
final class RegressionHeadTests: XCTestCase {
    func testRatingScaleStandardizesAndClamps() throws {
        let scale = RatingScale(of: [1, 3, 5])
        XCTAssertEqual(scale.mean, 3)
        XCTAssertEqual(scale.standardDeviation, (8.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(scale.standardized(5), Float(2 / (8.0 / 3).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(scale.rating(output: scale.standardized(4)), 4, accuracy: 1e-6)
        XCTAssertEqual(scale.rating(output: 100), 5, "clamped to the training range")
        XCTAssertEqual(scale.rating(output: -100), 1)
        XCTAssertEqual(RatingScale(of: [7, 7]).standardDeviation, 1, "a constant target keeps a usable scale")
    }

    static func model(ngrams: Bool, cell: CellKind = .gru) throws -> SentimentModel {
        var configuration = SentimentConfiguration(classes: [], vocabularySize: NGramBranchTests.words.count)
        configuration.task = .regression
        configuration.ratingScale = RatingScale(mean: 5.5, standardDeviation: 3, minimum: 1, maximum: 10)
        configuration.cell = cell
        configuration.embeddingSize = 4
        configuration.hiddenSize = 3
        configuration.pooling = .mean
        configuration.dropout = 0
        configuration.embeddingDropout = 0
        configuration.maxLength = 6
        if ngrams {
            var settings = NGramSettings()
            settings.order = 2
            settings.buckets = 5
            settings.l2 = 0.01
            configuration.ngrams = settings
        }
        var rng = SeededGenerator(seed: 5)
        let model = try SentimentModel(configuration, rng: &rng)
        if let bag = model.ngram {
            bag.weight.value = Tensor(shape: [bag.rows, 1], data: (0..<bag.rows).map { Float(sin(Double($0) * 1.3)) * 0.5 })
            model.setNGramScale((0..<bag.rows).map { Float(cos(Double($0) * 0.7)) })
        }
        return model
    }

    /// MSE on the standardized ratings, by hand: output o for rating y gives (o − (y − 5.5)/3)², gradient
    /// 2(o − t)/N; and the whole model's gradient (both branches, each on its own loss) against central
    /// differences.
    func testLossByHandAndGradientsMatchFiniteDifferences() throws {
        var seed = SeededGenerator(seed: 2)
        let head = ClassifierHead(featureSize: 2, classes: 0, ratingScale: RatingScale(mean: 5.5, standardDeviation: 3, minimum: 1, maximum: 10),
                                  dropout: 0, rng: &seed)
        XCTAssertEqual(head.outputSize, 1)
        let (loss, gradient) = head.loss(logits: Tensor(shape: [2, 1], data: [0.5, -1]), targets: .ratings([8.5, 2.5]))
        // targets 1 and −1: ((0.5 − 1)² + (−1 + 1)²) / 2 = 0.125; gradients (0.5 − 1), 0.
        XCTAssertEqual(loss, 0.125, accuracy: 1e-6)
        XCTAssertEqual(gradient.data[0], -0.5, accuracy: 1e-6)
        XCTAssertEqual(gradient.data[1], 0, accuracy: 1e-6)
        XCTAssertEqual(head.ratings(logits: Tensor(shape: [2, 1], data: [1, 10]))!, [8.5, 10])

        for (ngrams, cell) in [(false, CellKind.gru), (true, .lstm), (true, .gru)] {
            let model = try Self.model(ngrams: ngrams, cell: cell)
            let batch = PaddedBatch(sequences: [[2, 3, 4, 5, 6, 2, 3], [7, 8], [9, 4, 4, 10]], maxLength: 6)
            let targets = SentimentTargets.ratings([9, 1, 6.5])
            var rng = SeededGenerator(seed: 1)
            func objective() -> Double {
                let logits = model.forward(batch, training: false, rng: &rng)
                guard let (recurrent, ngram) = model.lastBranchLogits, ngrams else {
                    return Double(model.loss(logits: logits, targets: targets).loss)
                }
                return Double(model.loss(logits: recurrent, targets: targets).loss) + Double(model.loss(logits: ngram, targets: targets).loss)
                    + Double(model.ngram!.penalty)
            }
            zeroGradients(model.parameters)
            let logits = model.forward(batch, training: true, rng: &rng)
            model.backward(model.trainingLoss(logits: logits, targets: targets).gradient)
            assertGradientsMatchFiniteDifferences(model.trainableParameters, samples: 9, "\(cell) ngrams=\(ngrams)", loss: objective)
        }
    }

    /// Reviews whose rating is 5.5 + 1.5 × (number of "good") − 1.5 × (number of "bad"): the trainer must
    /// learn it far better than always answering the mean, through the CLI's whole path (files, reload).
    func testTrainerFitsASyntheticRatingTask() throws {
        var rng = SeededGenerator(seed: 11)
        func review(_ index: Int) -> LabelledText {
            let good = Int(rng.next() % 4), bad = Int(rng.next() % 4)
            var words = Array(repeating: "good", count: good) + Array(repeating: "bad", count: bad) + ["film", "plot"]
            words.shuffle(using: &rng)
            return LabelledText(text: words.joined(separator: " "), label: String(5.5 + 1.5 * Double(good - bad)),
                                source: "synthetic:\(index + 1)")
        }
        let examples = (0..<600).map(review), unseen = (0..<200).map(review)
        var architecture = SentimentConfiguration(classes: [], vocabularySize: 0)
        architecture.task = .regression
        architecture.embeddingSize = 8
        architecture.hiddenSize = 8
        var settings = NGramSettings()
        settings.buckets = 64
        settings.l2 = NGramSettings.regressionL2
        architecture.ngrams = settings
        var options = SentimentTrainingOptions()
        options.epochs = 8
        options.minCount = 1
        options.batchSize = 16
        options.learningRate = 0.01
        let output = ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-rating-\(UUID())"))
        defer { try? FileManager.default.removeItem(at: output.url) }
        let summary = try SentimentTrainer(architecture: architecture, options: options).train(examples, source: "synthetic", output: output)
        XCTAssertNotNil(summary.bestValidationMeanAbsoluteError)
        XCTAssertFalse(summary.chanceLevel)
        let classifier = try SentimentClassifier(directory: output.url)
        XCTAssertTrue(classifier.configuration.isRegression)
        XCTAssertEqual(classifier.configuration.classes, [])
        let metrics = try classifier.evaluateRatings(unseen)
        let truth = unseen.map { Double($0.label)! }
        let mean = truth.reduce(0, +) / Double(truth.count)
        let baseline = truth.reduce(0) { $0 + abs($1 - mean) } / Double(truth.count)
        XCTAssertLessThan(metrics.meanAbsoluteError, 0.35 * baseline, "MAE \(metrics.meanAbsoluteError), the mean's \(baseline)")
        XCTAssertGreaterThan(metrics.spearman ?? 0, 0.9)
        // classify gives the rating; classes and explanations are refused with a usage error.
        let prediction = classifier.classify(["good good good film"])[0]
        XCTAssertEqual(Double(prediction.rating!), 10, accuracy: 1.2)
        XCTAssertEqual(prediction.probabilities, [])
        XCTAssertThrowsError(try classifier.evaluate(unseen)) { XCTAssertTrue("\($0)".contains("predicts a rating"), "\($0)") }
        XCTAssertThrowsError(try SentimentExplainer(classifier: classifier).explain("good film")) {
            XCTAssertTrue("\($0)".contains("predicts a rating"), "\($0)")
        }
    }

    func testBadRatingsAndOptionsAreRefused() throws {
        let examples = [LabelledText(text: "a", label: "7", source: "r.tsv:1"), LabelledText(text: "b", label: "nan", source: "r.tsv:2")]
        XCTAssertThrowsError(try SentimentData.ratings(of: examples, source: "r.tsv")) {
            XCTAssertTrue("\($0)".contains("r.tsv:2: label 'nan' is not a number"), "\($0)")
        }
        XCTAssertThrowsError(try SentimentData.ratings(of: [LabelledText(text: "a", label: "pos", source: "r.tsv:4")], source: "r.tsv")) {
            XCTAssertTrue("\($0)".contains("r.tsv:4"), "\($0)")
        }
        var architecture = SentimentConfiguration(classes: [], vocabularySize: 0)
        architecture.task = .regression
        var options = SentimentTrainingOptions()
        options.classWeight = "balanced"
        let good = (0..<20).map { LabelledText(text: "film \($0)", label: String($0 % 10 + 1), source: "r.tsv:\($0 + 1)") }
        let nowhere = ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-never-\(UUID())"))
        XCTAssertThrowsError(try SentimentTrainer(architecture: architecture, options: options).train(good, source: "r.tsv", output: nowhere)) {
            XCTAssertTrue("\($0)".contains("--class-weight is for classes"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: nowhere.url.path))
        // An untrusted config.json: a regression without its scale, a classifier with one, a bad scale.
        var broken = try Self.model(ngrams: false).configuration
        broken.ratingScale = nil
        XCTAssertThrowsError(try broken.validate())
        broken.ratingScale = RatingScale(mean: .nan, standardDeviation: 1, minimum: 1, maximum: 10)
        XCTAssertThrowsError(try broken.validate())
        broken.ratingScale = RatingScale(mean: 5, standardDeviation: 0, minimum: 1, maximum: 10)
        XCTAssertThrowsError(try broken.validate())
        broken.classes = ["neg", "pos"]
        broken.ratingScale = RatingScale(mean: 5, standardDeviation: 1, minimum: 1, maximum: 10)
        XCTAssertThrowsError(try broken.validate())
        broken.task = nil
        XCTAssertThrowsError(try broken.validate(), "a classifier has no ratingScale")
    }

    func testRatingMetricsByHand() {
        // Errors 0, 1, 1, 0: MAE 0.5, RMSE √0.5, all within ±1; Pearson = Σdxdy / √(ΣdxΣdy) = 4/5, and the
        // ranks are the values themselves, so Spearman is 0.8 too.
        let metrics = RatingMetrics(truth: [1, 2, 3, 4], predicted: [1, 3, 2, 4])
        XCTAssertEqual(metrics.meanAbsoluteError, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics.rootMeanSquareError, 0.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(metrics.withinOne, 1)
        XCTAssertEqual(metrics.pearson!, 0.8, accuracy: 1e-12)
        XCTAssertEqual(metrics.spearman!, 0.8, accuracy: 1e-12)
        XCTAssertEqual(RatingMetrics.averageRanks([3, 1, 1, 2]), [4, 1.5, 1.5, 3], "ties share their mean rank")
        // A monotone but not linear prediction: Spearman 1, Pearson below 1; a constant one has no correlation.
        let curved = RatingMetrics(truth: [1, 2, 3, 10], predicted: [1, 4, 9, 100])
        XCTAssertEqual(curved.spearman!, 1, accuracy: 1e-12)
        XCTAssertLessThan(curved.pearson!, 1)
        XCTAssertNil(RatingMetrics(truth: [1, 2], predicted: [5, 5]).pearson)
        XCTAssertEqual(RatingMetrics(truth: [1, 2], predicted: [5, 5]).withinOne, 0)
    }

    func testWithinOneAccuracyForNumericClasses() {
        // Classes 1, 2, 3, 10: truth 1 predicted 2 (near), 3 predicted 10 (far), 10 predicted 10, 2 predicted 3.
        let metrics = ClassificationMetrics(classes: ["1", "2", "3", "10"], truth: [0, 2, 3, 1], predicted: [1, 3, 3, 2])
        XCTAssertEqual(metrics.accuracy, 0.25)
        XCTAssertEqual(metrics.withinOneAccuracy!, 0.75)
        XCTAssertNil(ClassificationMetrics(classes: ["a", "b", "c"], truth: [0], predicted: [1]).withinOneAccuracy)
    }
}
