import XCTest
import LoomTensor
@testable import LoomNN

/// Attention pooling (equations A1–A4, B1–B6 in `AttentionPooling`): weights that are a softmax over the
/// real steps only, the pooled value against a hand computation, and every gradient against central
/// finite differences, with and without padding, for one- and two-direction feature widths.
final class AttentionPoolingTests: XCTestCase {
    typealias G = LayerGradCheck

    func testWeightsAreASoftmaxOverRealStepsAndPoolTheOutputs() {
        var rng = SeededGenerator(seed: 3)
        let layer = AttentionPooling(featureSize: 4, attentionSize: 3, rng: &rng)
        let x = G.randomTensor([4, 3, 4], seed: 9)
        let mask = PoolingTests.mask(pre: true)  // lengths 4, 2, 0
        let (pooled, weights) = layer.apply(x, mask: mask)
        let w = layer.projection.weight.value.data, bias = layer.projection.bias.value.data
        let v = layer.context.value.data
        for b in 0..<3 {
            let real = (0..<4).filter { mask.data[$0 * 3 + b] != 0 }
            // Scores by the definition, in Double.
            let scores = real.map { t -> Double in
                (0..<3).reduce(0.0) { sum, a in
                    let z = (0..<4).reduce(Double(bias[a])) { $0 + Double(w[a * 4 + $1]) * Double(x.data[(t * 3 + b) * 4 + $1]) }
                    return sum + Double(v[a]) * tanh(z)
                }
            }
            let top = scores.max() ?? 0
            let total = scores.reduce(0) { $0 + exp($1 - top) }
            for t in 0..<4 {
                let expected = real.firstIndex(of: t).map { exp(scores[$0] - top) / total } ?? 0
                XCTAssertEqual(Double(weights.data[t * 3 + b]), expected, accuracy: 1e-6, "α[\(t), \(b)]")
            }
            for f in 0..<4 {
                let expected = (0..<4).reduce(0.0) { $0 + Double(weights.data[$1 * 3 + b]) * Double(x.data[($1 * 3 + b) * 4 + f]) }
                XCTAssertEqual(Double(pooled.data[b * 4 + f]), expected, accuracy: 1e-6)
            }
            if real.isEmpty { XCTAssertEqual(pooled.data[(b * 4)..<(b * 4 + 4)].map { $0 }, [0, 0, 0, 0]) }
        }
    }

    func testGradientsMatchFiniteDifferences() {
        for (features, mask) in [(2, nil), (4, PoolingTests.mask(pre: true)), (6, PoolingTests.mask(pre: false))] as [(Int, Tensor?)] {
            var rng = SeededGenerator(seed: UInt64(features))
            let layer = AttentionPooling(featureSize: features, attentionSize: 3, rng: &rng)
            let x = G.randomTensor([4, 3, features], seed: 21)
            let r = G.weights(3 * features, seed: 22)
            func loss(_ input: Tensor) -> Double { G.objective(layer.apply(input, mask: mask).pooled, r) }
            for parameter in layer.parameters { parameter.grad.zero() }
            _ = layer.forward(x, mask: mask)
            let dx = layer.backward(Tensor(shape: [3, features], data: r))
            let what = "features \(features), mask \(mask == nil ? "none" : "yes")"
            G.assertClose(G.numericGradient(of: x, h: 1e-2, loss: loss), dx, tolerance: 2e-3, "\(what) d outputs")
            for parameter in layer.parameters {
                let numeric = G.numericGradient(of: parameter, h: 1e-2) { loss(x) }
                G.assertClose(numeric, parameter.grad, tolerance: 2e-3, "\(what) d \(parameter.name)")
            }
        }
    }

    func testParameterNamesAndShapes() {
        var rng = SeededGenerator(seed: 1)
        let layer = AttentionPooling(featureSize: 6, attentionSize: 5, rng: &rng)
        XCTAssertEqual(layer.parameters.map(\.name), ["attention.proj.weight", "attention.proj.bias", "attention.context"])
        XCTAssertEqual(layer.parameters.map(\.value.shape), [[5, 6], [5], [5]])
    }
}

/// Attention pooling against PyTorch (Fixtures/make_attention_fixtures.py, float64 references from the
/// module `scripts/load_in_pytorch.py` rebuilds Loom models with).
final class AttentionPoolingParityTests: XCTestCase {
    struct FixtureFile: Decodable { var torch: String; var cases: [Fixture] }
    struct NamedTensor: Decodable { var shape: [Int]; var data: [Float] }
    struct Fixture: Decodable {
        var name: String
        var features, attentionSize, steps, batch: Int
        var mask: [Float]?
        var parameters: [String: NamedTensor]
        var input, pooled, weights, lossWeights, gradInput: [Float]
        var gradParameters: [String: [Float]]
    }

    func testAgainstPyTorch() throws {
        let directory = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let data = try Data(contentsOf: directory.appendingPathComponent("attention_fixtures.json"))
        let file = try JSONDecoder().decode(FixtureFile.self, from: data)
        XCTAssertEqual(file.cases.count, 3)
        for fixture in file.cases {
            var rng = SeededGenerator(seed: 0)
            let layer = AttentionPooling(featureSize: fixture.features, attentionSize: fixture.attentionSize, name: "", rng: &rng)
            for parameter in layer.parameters {
                let reference = try XCTUnwrap(fixture.parameters[parameter.name], "\(fixture.name): \(parameter.name) missing")
                XCTAssertEqual(reference.shape, parameter.value.shape, "\(fixture.name) \(parameter.name)")
                parameter.value = Tensor(shape: reference.shape, data: reference.data)
            }
            let x = Tensor(shape: [fixture.steps, fixture.batch, fixture.features], data: fixture.input)
            let mask = fixture.mask.map { Tensor(shape: [fixture.steps, fixture.batch], data: $0) }
            let (pooled, weights) = layer.forward(x, mask: mask)
            let dx = layer.backward(Tensor(shape: [fixture.batch, fixture.features], data: fixture.lossWeights))
            func close(_ ours: [Float], _ theirs: [Float], _ what: String) {
                XCTAssertEqual(ours.count, theirs.count, "\(fixture.name) \(what)")
                for (a, b) in zip(ours, theirs) {
                    XCTAssertEqual(a, b, accuracy: 1e-5 + 1e-5 * abs(b), "\(fixture.name) \(what)")
                }
            }
            close(pooled.data, fixture.pooled, "pooled")
            close(weights.data, fixture.weights, "weights")
            close(dx.data, fixture.gradInput, "d input")
            for parameter in layer.parameters {
                close(parameter.grad.data, try XCTUnwrap(fixture.gradParameters[parameter.name]), "d \(parameter.name)")
            }
        }
    }
}
