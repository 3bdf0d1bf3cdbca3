import XCTest
import LoomTensor
@testable import LoomNN

/// Loss values that can be worked out by hand, stability at extreme logits, and finite-difference
/// checks of each gradient.
///
/// Finite-difference tolerance: the loss is summed in Double and rounded once to Float32, so each
/// evaluation is off by ≤ 2⁻²⁴·|L| ≈ 6e-8·|L|; with h = 1e-2 that is ≤ 3e-6·|L| after dividing by 2h.
/// Truncation is h²/6·|ℓ'''|, with |σ''| ≤ 0.1 for BCE and similar bounds for softmax, divided by N:
/// about 2e-6. So 1e-4 is a comfortable bound against gradients of order 1/N ≈ 0.1.
final class LossTests: XCTestCase {
    typealias G = LayerGradCheck
    let ln2: Float = 0.693147181

    func testBinaryCrossEntropyReferenceValues() {
        // Logit 0: σ = 1/2, so the loss is ln 2 for target 0, 1 or ½, and the gradient σ − y.
        for y: Float in [0, 1, 0.5] {
            let (loss, grad) = Loss.binaryCrossEntropyWithLogits(Tensor(shape: [1], data: [0]), targets: [y])
            XCTAssertEqual(loss, ln2, accuracy: 1e-7)
            XCTAssertEqual(grad.data[0], 0.5 - y, accuracy: 1e-7)
        }
        // Logit 100, target 0: max(100, 0) − 0 + log1p(e⁻¹⁰⁰) = 100 exactly in Float; naive
        // −log(1 − σ(100)) would be −log(0) = ∞.
        let far = Loss.binaryCrossEntropyWithLogits(Tensor(shape: [2], data: [100, -100]), targets: [0, 1])
        XCTAssertEqual(far.loss, 100)
        XCTAssertEqual(far.gradient.data, [0.5, -0.5], "σ − y over N = 2")
        // Confident and right: loss e⁻¹⁰⁰ ≈ 4e-44, finite and non-negative; gradient ~0.
        let right = Loss.binaryCrossEntropyWithLogits(Tensor(shape: [2], data: [100, -100]), targets: [1, 0])
        XCTAssertTrue(right.loss >= 0 && right.loss < 1e-30)
        XCTAssertTrue(right.gradient.data.allSatisfy { abs($0) < 1e-30 })
        // Mean over N: (ln 2 + 100) / 2.
        let mixed = Loss.binaryCrossEntropyWithLogits(Tensor(shape: [2, 1], data: [0, 100]), targets: [1, 0])
        XCTAssertEqual(mixed.loss, (ln2 + 100) / 2, accuracy: 1e-5)
        XCTAssertEqual(mixed.gradient.shape, [2, 1])
        // Logit ln 3 with target 1: σ = 3/4, loss −ln(3/4) = 0.287682072.
        let ln3 = Float(1.098612289)
        XCTAssertEqual(Loss.binaryCrossEntropyWithLogits(Tensor(shape: [1], data: [ln3]), targets: [1]).loss, 0.287682072, accuracy: 1e-6)
    }

    func testSoftmaxCrossEntropyReferenceValues() {
        // Uniform logits over C classes: p = 1/C, loss ln C, gradient (1/C − onehot)/N.
        for c in [2, 5, 65] {
            let logits = Tensor(shape: [3, c], repeating: 7.5)
            let (loss, grad) = Loss.softmaxCrossEntropy(logits, targets: [0, Int32(c - 1), 1])
            XCTAssertEqual(loss, Float(log(Double(c))), accuracy: 1e-6)
            XCTAssertEqual(grad.data[0], (1 / Float(c) - 1) / 3, accuracy: 1e-7)
            XCTAssertEqual(grad.data[1], 1 / Float(c) / 3, accuracy: 1e-7)
        }
        // [1, 2, 3], target 2: ln(e + e² + e³) − 3 = 0.407605964.
        XCTAssertEqual(Loss.softmaxCrossEntropy(Tensor(shape: [1, 3], data: [1, 2, 3]), targets: [2]).loss, 0.407605964, accuracy: 1e-6)
        // Large logits: log-sum-exp keeps it finite. [1000, 0] with target 1 → 1000; target 0 → e⁻¹⁰⁰⁰ ≈ 0.
        let big = Loss.softmaxCrossEntropy(Tensor(shape: [2, 2], data: [1000, 0, 1000, 0]), targets: [1, 0])
        XCTAssertEqual(big.loss, 500)
        XCTAssertEqual(big.gradient.data, [0.5, -0.5, 0, 0])
    }

    func testSoftmaxCrossEntropyIgnoresRowsWithTheIgnoreIndex() {
        let logits = Tensor(shape: [3, 2], data: [0, 0, 5, -5, 0, 0])
        let (loss, grad) = Loss.softmaxCrossEntropy(logits, targets: [0, -1, 1], ignoreIndex: -1)
        XCTAssertEqual(loss, ln2, accuracy: 1e-6, "mean over the 2 counted rows")
        XCTAssertEqual(Array(grad.data[2..<4]), [0, 0])
        XCTAssertEqual(grad.data[0], -0.25, accuracy: 1e-7)
        let none = Loss.softmaxCrossEntropy(Tensor(shape: [1, 2], data: [1, 2]), targets: [-1], ignoreIndex: -1)
        XCTAssertEqual(none.loss, 0)
    }

    func testMeanSquaredErrorReferenceValues() {
        // ((1−1)² + (2−0)² + (3−0)²)/3 = 13/3; gradient 2(p − t)/3.
        let (loss, grad) = Loss.meanSquaredError(Tensor(shape: [3], data: [1, 2, 3]), targets: Tensor(shape: [3], data: [1, 0, 0]))
        XCTAssertEqual(loss, 13.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(grad.data[0], 0)
        XCTAssertEqual(grad.data[1], 4.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(grad.data[2], 2, accuracy: 1e-6)
    }

    func testLossGradientsMatchFiniteDifferences() {
        let x = G.randomTensor([6], seed: 1, scale: 3)
        let y: [Float] = [0, 1, 1, 0, 0.3, 1]
        G.assertClose(G.numericGradient(of: x) { Double(Loss.binaryCrossEntropyWithLogits($0, targets: y).loss) },
                      Loss.binaryCrossEntropyWithLogits(x, targets: y).gradient, tolerance: 1e-4, "BCE")

        let logits = G.randomTensor([4, 5], seed: 2, scale: 2)
        let classes: [Int32] = [0, 4, 2, 2]
        G.assertClose(G.numericGradient(of: logits) { Double(Loss.softmaxCrossEntropy($0, targets: classes).loss) },
                      Loss.softmaxCrossEntropy(logits, targets: classes).gradient, tolerance: 1e-4, "softmax CE")
        let ignoring: [Int32] = [0, -100, 2, -100]
        G.assertClose(G.numericGradient(of: logits) { Double(Loss.softmaxCrossEntropy($0, targets: ignoring, ignoreIndex: -100).loss) },
                      Loss.softmaxCrossEntropy(logits, targets: ignoring, ignoreIndex: -100).gradient, tolerance: 1e-4,
                      "softmax CE with ignored rows")

        let p = G.randomTensor([2, 3], seed: 3), t = G.randomTensor([2, 3], seed: 4)
        G.assertClose(G.numericGradient(of: p) { Double(Loss.meanSquaredError($0, targets: t).loss) },
                      Loss.meanSquaredError(p, targets: t).gradient, tolerance: 1e-4, "MSE")
    }
}
