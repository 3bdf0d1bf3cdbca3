import XCTest
import LoomNN
import LoomTensor
import LoomText
@testable import LoomModels

/// `--class-weight` and `--labels`: resolving the spec, the weighted loss and its gradient by hand, the
/// trainer's use of both, and their errors.
final class ClassWeightTests: XCTestCase {
    func testResolvingBalancedAndExplicitWeights() throws {
        // 6 reviews: 4 of class 0, 2 of class 1 → n/(C·n_c) = 6/8, 6/4.
        XCTAssertEqual(try ClassWeights.resolve("balanced", classes: ["neg", "pos"], trainLabels: [0, 0, 0, 0, 1, 1]), [0.75, 1.5])
        XCTAssertEqual(try ClassWeights.resolve("pos=3", classes: ["neg", "pos"], trainLabels: []), [1, 3])
        XCTAssertEqual(try ClassWeights.resolve("b=2, a=0.5", classes: ["a", "b", "c"], trainLabels: []), [0.5, 2, 1])
        for bad in ["good=2", "pos", "pos=0", "pos=-1", "pos=nan", "pos=1,", "=2"] {
            XCTAssertThrowsError(try ClassWeights.resolve(bad, classes: ["neg", "pos"], trainLabels: []), bad) { error in
                XCTAssertTrue("\(error)".contains("--class-weight"), "\(bad): \(error)")
            }
        }
        XCTAssertThrowsError(try ClassWeights.resolve("good=2", classes: ["neg", "pos"], trainLabels: [])) { error in
            XCTAssertTrue("\(error)".contains("neg, pos"), "names the classes there are: \(error)")
        }
    }

    /// The weighted mean Σ w[y]ℓ / Σ w[y] and its gradient w[y](p − onehot)/Σw, computed by hand, for the
    /// one-logit (sigmoid) and the softmax head.
    func testWeightedLossAndGradientByHand() {
        // Sigmoid: logits 0.5, −1, 2; targets 1, 0, 0; class weights neg 2, pos 0.5 → per-review 0.5, 2, 2.
        let x: [Double] = [0.5, -1, 2], y: [Double] = [1, 0, 0], w: [Double] = [0.5, 2, 2]
        let (loss, gradient) = Loss.binaryCrossEntropyWithLogits(Tensor(shape: [3], data: x.map(Float.init)),
                                                                 targets: y.map(Float.init), weights: w.map(Float.init))
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        let losses = zip(x, y).map { v, t in -(t * log(sigmoid(v)) + (1 - t) * log(1 - sigmoid(v))) }
        let sum = w.reduce(0, +)
        XCTAssertEqual(Double(loss), zip(w, losses).map(*).reduce(0, +) / sum, accuracy: 1e-6)
        for i in 0..<3 { XCTAssertEqual(Double(gradient.data[i]), w[i] * (sigmoid(x[i]) - y[i]) / sum, accuracy: 1e-6) }

        // Softmax, three classes weighted 1, 2, 4; rows of class 2 and 0.
        let logits: [Double] = [0.1, 0.2, 0.3, 1.0, -1.0, 0.0]
        let targets: [Int32] = [2, 0]
        let weights: [Double] = [1, 2, 4]
        let (softLoss, softGradient) = Loss.softmaxCrossEntropy(Tensor(shape: [2, 3], data: logits.map(Float.init)), targets: targets,
                                                                classWeights: weights.map(Float.init))
        var expectedLoss = 0.0, total = 0.0
        var expectedGradient = [Double](repeating: 0, count: 6)
        for row in 0..<2 {
            let z = Array(logits[(row * 3)..<(row * 3 + 3)])
            let e = z.map { exp($0) }, s = e.reduce(0, +)
            let target = Int(targets[row]), weight = weights[target]
            expectedLoss += weight * (log(s) - z[target])
            total += weight
            for j in 0..<3 { expectedGradient[row * 3 + j] = weight * (e[j] / s - (j == target ? 1 : 0)) }
        }
        XCTAssertEqual(Double(softLoss), expectedLoss / total, accuracy: 1e-6)
        for i in 0..<6 { XCTAssertEqual(Double(softGradient.data[i]), expectedGradient[i] / total, accuracy: 1e-6) }
        // Equal weights are the plain mean.
        let plain = Loss.softmaxCrossEntropy(Tensor(shape: [2, 3], data: logits.map(Float.init)), targets: targets)
        let ones = Loss.softmaxCrossEntropy(Tensor(shape: [2, 3], data: logits.map(Float.init)), targets: targets, classWeights: [3, 3, 3])
        XCTAssertEqual(plain.loss, ones.loss, accuracy: 1e-6)
    }

    /// On data that is 90% one class, where the keyword of the rare class is ambiguous, a heavy weight on it
    /// moves predictions towards it; `--labels` orders the outputs; both errors name the problem.
    func testTrainerUsesWeightsAndLabelOrder() throws {
        var examples: [LabelledText] = []
        for i in 0..<300 {
            let rare = i % 10 == 0
            examples.append(LabelledText(text: rare ? "meh film plot" : (i % 3 == 0 ? "meh fine film" : "fine film plot"),
                                         label: rare ? "bad" : "good", source: "synthetic:\(i + 1)"))
        }
        var architecture = SentimentConfiguration(classes: [], vocabularySize: 0)
        architecture.embeddingSize = 4
        architecture.hiddenSize = 4
        var options = SentimentTrainingOptions()
        options.epochs = 4
        options.minCount = 1
        options.batchSize = 16
        options.learningRate = 0.02
        options.labels = ["good", "bad"]
        func train(_ weight: String?) throws -> SentimentClassifier {
            var options = options
            options.classWeight = weight
            let output = ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-weights-\(UUID())"))
            defer { try? FileManager.default.removeItem(at: output.url) }
            _ = try SentimentTrainer(architecture: architecture, options: options).train(examples, source: "synthetic", output: output)
            return try SentimentClassifier(directory: output.url)
        }
        let plain = try train(nil), weighted = try train("bad=20")
        XCTAssertEqual(plain.configuration.classes, ["good", "bad"])
        let text = "meh film plot"
        XCTAssertGreaterThan(weighted.classify([text])[0].probabilities[1], plain.classify([text])[0].probabilities[1] + 0.1)
        var bad = options
        bad.classWeight = "ugly=2"
        XCTAssertThrowsError(try SentimentTrainer(architecture: architecture, options: bad)
            .train(examples, source: "synthetic", output: ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-never-\(UUID())")))) {
            XCTAssertTrue("\($0)".contains("unknown class 'ugly'"), "\($0)")
        }
        bad = options
        bad.labels = ["good"]
        XCTAssertThrowsError(try SentimentTrainer(architecture: architecture, options: bad)
            .train(examples, source: "synthetic", output: ModelDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("loom-never-\(UUID())")))) {
            XCTAssertTrue("\($0)".contains("synthetic:1: label 'bad' is not among --labels good"), "\($0)")
        }
    }
}
