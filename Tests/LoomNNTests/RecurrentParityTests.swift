import Foundation
import XCTest
import LoomTensor
@testable import LoomNN

/// Forward outputs and gradients against PyTorch (fixtures from Fixtures/make_fixtures.py, computed in float64).
final class RecurrentParityTests: XCTestCase {
    struct FixtureFile: Decodable {
        var torch: String
        var cases: [Fixture]
    }

    struct NamedTensor: Decodable {
        var shape: [Int]
        var data: [Float]
    }

    struct Fixture: Decodable {
        var name: String
        var cell: String
        var inputSize, hiddenSize, layers, steps, batch: Int
        var bidirectional: Bool
        var nonlinearity: String
        var mask: [[Float]]?
        var input, h0: [Float]
        var c0: [Float]?
        var parameters: [String: NamedTensor]
        var output, hn: [Float]
        var cn: [Float]?
        var lossOutputWeights, lossHiddenWeights: [Float]
        var lossCellWeights: [Float]?
        var gradInput, gradH0: [Float]
        var gradC0: [Float]?
        var gradParameters: [String: [Float]]
    }

    static func loadFixtures() throws -> FixtureFile {
        let directory = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let data = try Data(contentsOf: directory.appendingPathComponent("recurrent_fixtures.json"))
        return try JSONDecoder().decode(FixtureFile.self, from: data)
    }

    /// Splits a flat [K, B, H] array (PyTorch's h_n layout) into K tensors of [B, H].
    private func split(_ flat: [Float], batch: Int, hidden: Int) -> [Tensor] {
        stride(from: 0, to: flat.count, by: batch * hidden).map {
            Tensor(shape: [batch, hidden], data: Array(flat[$0..<($0 + batch * hidden)]))
        }
    }

    func testAgainstPyTorch() throws {
        let file = try Self.loadFixtures()
        XCTAssertEqual(file.cases.count, 11)
        for fixture in file.cases {
            try check(fixture)
        }
    }

    private func check(_ f: Fixture) throws {
        let configuration = RecurrentConfiguration(
            cell: try XCTUnwrap(CellKind(rawValue: f.cell)), inputSize: f.inputSize, hiddenSize: f.hiddenSize,
            layers: f.layers, bidirectional: f.bidirectional,
            nonlinearity: try XCTUnwrap(Nonlinearity(rawValue: f.nonlinearity)))
        var rng = SeededGenerator(seed: 0)
        let network = RecurrentNetwork(configuration, rng: &rng)
        XCTAssertEqual(Set(network.parameters.map(\.name)), Set(f.parameters.keys), f.name)
        for p in network.parameters {
            let source = try XCTUnwrap(f.parameters[p.name], "\(f.name): missing \(p.name)")
            XCTAssertEqual(p.value.shape, source.shape, "\(f.name): \(p.name) layout")
            p.value = Tensor(shape: source.shape, data: source.data)
        }
        let T = f.steps, B = f.batch, H = f.hiddenSize
        let x = Tensor(shape: [T, B, f.inputSize], data: f.input)
        let mask = f.mask.map { Tensor(shape: [T, B], data: $0.flatMap { $0 }) }
        let initial = RecurrentState(hidden: split(f.h0, batch: B, hidden: H), cell: f.c0.map { split($0, batch: B, hidden: H) })
        let (output, final) = network.forward(x, mask: mask, initialState: initial, rng: &rng)

        // Outputs: the float32 forward differs from the float64 reference only by rounding (~1e-7 here).
        XCTAssertEqual(output.shape, [T, B, H * configuration.directions])
        XCTAssertLessThanOrEqual(maxAbsDifference(output.data, f.output), 1e-5, "\(f.name): output")
        XCTAssertLessThanOrEqual(maxAbsDifference(final.hidden.flatMap(\.data), f.hn), 1e-5, "\(f.name): h_n")
        print("\(f.name): max |output − PyTorch| = \(maxAbsDifference(output.data, f.output))")
        if let cn = f.cn {
            XCTAssertLessThanOrEqual(maxAbsDifference(try XCTUnwrap(final.cell).flatMap(\.data), cn), 1e-5, "\(f.name): c_n")
        }

        // Gradients of the fixture's loss. They are sums over up to T·B·(layers) chains of O(1) factors computed in
        // float32 (seen: ≤ 1e-6 off the float64 reference), so we allow 1e-5 absolute plus 1e-5 relative, about
        // 100 float32 ulps of the O(1) values involved.
        for p in network.parameters { p.grad.zero() }
        let gradInput = network.backward(
            gradOutput: Tensor(shape: output.shape, data: f.lossOutputWeights),
            gradFinal: RecurrentState(hidden: split(f.lossHiddenWeights, batch: B, hidden: H),
                                      cell: f.lossCellWeights.map { split($0, batch: B, hidden: H) }))
        var worstGradient: Float = 0
        func assertClose(_ actual: [Float], _ expected: [Float], _ what: String) {
            XCTAssertEqual(actual.count, expected.count, "\(f.name): \(what) count")
            worstGradient = max(worstGradient, maxAbsDifference(actual, expected))
            for (a, e) in zip(actual, expected) where abs(a - e) > 1e-5 + 1e-5 * abs(e) {
                XCTFail("\(f.name): \(what): \(a) vs PyTorch \(e)")
                return
            }
        }
        assertClose(gradInput.data, f.gradInput, "d/dx")
        for p in network.parameters {
            assertClose(p.grad.data, try XCTUnwrap(f.gradParameters[p.name]), "d/d\(p.name)")
        }
        let initialGradient = try XCTUnwrap(network.lastInitialStateGradient)
        assertClose(initialGradient.hidden.flatMap(\.data), f.gradH0, "d/dh0")
        if let gradC0 = f.gradC0 {
            assertClose(try XCTUnwrap(initialGradient.cell).flatMap(\.data), gradC0, "d/dc0")
        }
        print("\(f.name): max |gradient − PyTorch| = \(worstGradient)")
    }
}
