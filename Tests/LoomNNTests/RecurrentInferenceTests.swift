import XCTest
import LoomTensor
@testable import LoomNN

/// The forward-only engine must give the training forward's outputs, whichever way it computes the
/// first layer's input (embedding rows × W_ih per step, or precomputed per-token table rows).
final class RecurrentInferenceTests: XCTestCase {
    func testMatchesTrainingForwardForEveryCellAndLayout() {
        let vocabulary = 11, inputSize = 5, hidden = 4, T = 6
        for cell in CellKind.allCases {
            for (layers, bidirectional) in [(1, false), (2, false), (1, true), (2, true)] {
                for batchSize in [1, 3, 20] {  // 20 rows run as two slices on two threads
                    var rng = SeededGenerator(seed: 17)
                    let network = RecurrentNetwork(
                        RecurrentConfiguration(cell: cell, inputSize: inputSize, hiddenSize: hidden, layers: layers,
                                               bidirectional: bidirectional), rng: &rng)
                    let embedding = Tensor(shape: [vocabulary, inputSize],
                                           data: (0..<(vocabulary * inputSize)).map { _ in rng.nextUniform(-1, 1) })
                    // Pre-padded rows of lengths T, 2, 4, T, 2, 4, … (time-major), padding id 0.
                    let lengths = (0..<batchSize).map { [T, 2, 4][$0 % 3] }
                    var tokens = [Int32](repeating: 0, count: T * batchSize)
                    var mask = [Float](repeating: 0, count: T * batchSize)
                    for (b, length) in lengths.enumerated() {
                        for t in (T - length)..<T {
                            tokens[t * batchSize + b] = Int32(1 + rng.next() % UInt64(vocabulary - 1))
                            mask[t * batchSize + b] = 1
                        }
                    }
                    let maskTensor = Tensor(shape: [T, batchSize], data: mask)
                    let x = Tensor(shape: [T, batchSize, inputSize], data: tokens.flatMap { id in
                        Array(embedding.data[(Int(id) * inputSize)..<((Int(id) + 1) * inputSize)])
                    })
                    let expected = network.forward(x, mask: maskTensor, rng: &rng).output

                    let inference = RecurrentInference(network: network)
                    let direct = inference.outputs(tokens: tokens, steps: T, batch: batchSize, mask: maskTensor,
                                                   embedding: embedding)
                    inference.precomputeInputProjections(embedding: embedding)
                    let tabled = inference.outputs(tokens: tokens, steps: T, batch: batchSize, mask: maskTensor,
                                                   embedding: embedding)
                    let label = "\(cell) layers \(layers) bidirectional \(bidirectional) batch \(batchSize)"
                    XCTAssertEqual(direct.shape, expected.shape, label)
                    // Same arithmetic in a different summation order: float32 rounding only (values ≤ 1).
                    XCTAssertLessThan(maxDifference(direct, expected), 1e-5, label)
                    XCTAssertLessThan(maxDifference(tabled, expected), 1e-5, label)
                    XCTAssertGreaterThan(expected.data.map(abs).max()!, 0.01, "outputs are not trivially zero")
                }
            }
        }
    }

    private func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
    }
}
