import XCTest
import LoomTensor
@testable import LoomNN

/// Finite-difference checks of Embedding, Dense and Dropout (tolerances explained in LayerGradCheck).
final class LayerGradientTests: XCTestCase {
    typealias G = LayerGradCheck

    // MARK: Embedding

    func testEmbeddingForwardLooksUpRowsAndPaddingRowStartsAtZero() {
        var rng = SeededGenerator(seed: 1)
        let embedding = Embedding(vocabularySize: 5, dimension: 3, paddingIndex: 0, rng: &rng)
        XCTAssertEqual(embedding.weight.name, "weight")
        XCTAssertEqual(embedding.weight.value.shape, [5, 3])
        XCTAssertEqual(Array(embedding.weight.value.data[0..<3]), [0, 0, 0])
        let out = embedding.forward([4, 0, 2])
        XCTAssertEqual(out.shape, [3, 3])
        XCTAssertEqual(Array(out.data[0..<3]), Array(embedding.weight.value.data[12..<15]))
        XCTAssertEqual(Array(out.data[3..<6]), [0, 0, 0])
        XCTAssertEqual(Array(out.data[6..<9]), Array(embedding.weight.value.data[6..<9]))
        // N(0, 1) init: over 20,000 draws the mean is within 0.03 (4σ of the mean) and the std near 1.
        let big = Embedding(vocabularySize: 2001, dimension: 10, paddingIndex: nil, name: "embedding", rng: &rng)
        XCTAssertEqual(big.weight.name, "embedding.weight")
        let values = big.weight.value.data.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(std, 1, accuracy: 0.03)
    }

    func testEmbeddingGradientMatchesFiniteDifferencesAndSkipsPaddingRow() {
        var rng = SeededGenerator(seed: 2)
        let embedding = Embedding(vocabularySize: 6, dimension: 3, paddingIndex: 0, rng: &rng)
        // Give the padding row a non-zero value, so the forward pass does depend on it: PyTorch's
        // padding_idx still gives it no gradient.
        for j in 0..<3 { embedding.weight.value.data[j] = 0.5 }
        let ids: [Int32] = [2, 0, 5, 2, 1, 0, 2]  // repeated ids must accumulate
        let r = G.weights(ids.count * 3, seed: 3)
        _ = embedding.forward(ids)
        embedding.backward(Tensor(shape: [ids.count, 3], data: r))
        let numeric = G.numericGradient(of: embedding.weight) { G.objective(embedding.apply(ids), r) }
        let grad = embedding.weight.grad
        XCTAssertEqual(Array(grad.data[0..<3]), [0, 0, 0], "padding row gets no gradient")
        G.assertClose(Array(numeric[3...]), Tensor(shape: [15], data: Array(grad.data[3...])), "dL/dweight (rows 1–5)")
        XCTAssertEqual(Array(grad.data[12..<15]), [0, 0, 0], "row 4 is never looked up")
        // A second backward accumulates.
        embedding.backward(Tensor(shape: [ids.count, 3], data: r))
        for i in 0..<grad.count { XCTAssertEqual(embedding.weight.grad.data[i], 2 * grad.data[i], accuracy: 1e-6) }
    }

    func testEmbeddingWithoutPaddingIndexGivesRowZeroGradient() {
        var rng = SeededGenerator(seed: 4)
        let embedding = Embedding(vocabularySize: 3, dimension: 2, paddingIndex: nil, rng: &rng)
        XCTAssertNotEqual(Array(embedding.weight.value.data[0..<2]), [0, 0])
        _ = embedding.forward([0, 0])
        embedding.backward(Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
        XCTAssertEqual(embedding.weight.grad.data, [4, 6, 0, 0, 0, 0])
    }

    // MARK: Dense

    func testDenseForwardMatchesHandComputedValuesAndPyTorchInitBound() {
        var rng = SeededGenerator(seed: 5)
        let dense = Dense(inputSize: 3, outputSize: 2, name: "fc", rng: &rng)
        XCTAssertEqual(dense.parameters.map(\.name), ["fc.weight", "fc.bias"])
        dense.weight.value = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        dense.bias.value = Tensor(shape: [2], data: [0.5, -1])
        // [1 0 -1]·Wᵀ = [1-3, 4-6] = [-2, -2], + b = [-1.5, -3]; [2 1 0] → [4, 13] + b = [4.5, 12]
        let y = dense.forward(Tensor(shape: [2, 3], data: [1, 0, -1, 2, 1, 0]))
        XCTAssertEqual(y.shape, [2, 2])
        XCTAssertEqual(y.data, [-1.5, -3, 4.5, 12])
        XCTAssertEqual(dense.apply(Tensor(shape: [1, 3], data: [1, 0, -1])).data, [-1.5, -3])
        // nn.Linear init: W and b in ±1/√in.
        let wide = Dense(inputSize: 400, outputSize: 50, rng: &rng)
        XCTAssertTrue(wide.weight.value.data.allSatisfy { abs($0) <= 0.05 })
        XCTAssertTrue(wide.bias.value.data.allSatisfy { abs($0) <= 0.05 })
        XCTAssertGreaterThan(wide.weight.value.data.map(abs).max()!, 0.049)
    }

    func testDenseGradientsMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 6)
        let dense = Dense(inputSize: 5, outputSize: 3, rng: &rng)
        let x = G.randomTensor([4, 5], seed: 7)
        let r = G.weights(4 * 3, seed: 8)
        _ = dense.forward(x)
        let dx = dense.backward(Tensor(shape: [4, 3], data: r))
        XCTAssertEqual(dx.shape, [4, 5])
        G.assertClose(G.numericGradient(of: x) { G.objective(dense.apply($0), r) }, dx, "dL/dx")
        G.assertClose(G.numericGradient(of: dense.weight) { G.objective(dense.apply(x), r) }, dense.weight.grad, "dL/dW")
        G.assertClose(G.numericGradient(of: dense.bias) { G.objective(dense.apply(x), r) }, dense.bias.grad, "dL/db")
    }

    func testDenseAcceptsRank3InputAndAccumulatesGradients() {
        var rng = SeededGenerator(seed: 9)
        let dense = Dense(inputSize: 3, outputSize: 4, rng: &rng)
        let x = G.randomTensor([2, 3, 3], seed: 10)
        let r = G.weights(2 * 3 * 4, seed: 11)
        let y = dense.forward(x)
        XCTAssertEqual(y.shape, [2, 3, 4])
        let dx = dense.backward(Tensor(shape: [2, 3, 4], data: r))
        XCTAssertEqual(dx.shape, [2, 3, 3])
        G.assertClose(G.numericGradient(of: x) { G.objective(dense.apply($0), r) }, dx, "dL/dx rank 3")
        let once = dense.weight.grad
        _ = dense.forward(x)
        _ = dense.backward(Tensor(shape: [2, 3, 4], data: r))
        for i in 0..<once.count { XCTAssertEqual(dense.weight.grad.data[i], 2 * once.data[i], accuracy: 1e-5) }
        zeroGradients(dense.parameters)
        XCTAssertTrue(dense.weight.grad.data.allSatisfy { $0 == 0 } && dense.bias.grad.data.allSatisfy { $0 == 0 })
    }

    // MARK: Dropout

    func testDropoutGradientReusesTheForwardMask() {
        let x = G.randomTensor([4, 6], seed: 12)
        let r = G.weights(24, seed: 13)
        var dropout = Dropout(rate: 0.5)
        var rng = SeededGenerator(seed: 14)
        let y = dropout.forward(x, training: true, rng: &rng)
        let mask = dropout.mask
        XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == 2 }, "kept elements are scaled by 1/(1 - 0.5)")
        XCTAssertTrue(mask.contains(0) && mask.contains(2))
        for i in 0..<24 { XCTAssertEqual(y.data[i], x.data[i] * mask[i]) }
        let dx = dropout.backward(Tensor(shape: [4, 6], data: r))
        // f(x) = dropout(x) with the generator re-seeded each time, so the same mask is drawn.
        let numeric = G.numericGradient(of: x) { input in
            var d = Dropout(rate: 0.5)
            var g = SeededGenerator(seed: 14)
            return G.objective(d.forward(input, training: true, rng: &g), r)
        }
        G.assertClose(numeric, dx, "dL/dx through dropout")
    }

    func testDropoutIsIdentityInInferenceAndKeepsTheExpectation() {
        var rng = SeededGenerator(seed: 15)
        let x = G.randomTensor([3, 3], seed: 16)
        var dropout = Dropout(rate: 0.3)
        XCTAssertEqual(dropout.forward(x, training: false, rng: &rng), x)
        XCTAssertEqual(dropout.backward(x), x)
        var none = Dropout(rate: 0)
        XCTAssertEqual(none.forward(x, training: true, rng: &rng), x)
        var all = Dropout(rate: 1)
        XCTAssertTrue(all.forward(x, training: true, rng: &rng).data.allSatisfy { $0 == 0 })
        // Over 40,000 ones the mean stays 1 (std of the mean ≈ √(0.3/0.7)/200 ≈ 0.003).
        let ones = Tensor(shape: [40_000], repeating: 1)
        let y = dropout.forward(ones, training: true, rng: &rng)
        XCTAssertEqual(Double(y.data.reduce(0, +)) / 40_000, 1, accuracy: 0.015)
        let dropped = Double(y.data.filter { $0 == 0 }.count) / 40_000
        XCTAssertEqual(dropped, 0.3, accuracy: 0.01)
    }
}
