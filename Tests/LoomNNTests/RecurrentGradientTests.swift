import XCTest
import LoomTensor
@testable import LoomNN

/// Backward passes against central finite differences (see `checkFiniteDifferences` for the tolerance).
/// Shapes are small (T=4, B=3, I=5, H=4) to keep Float32 rounding in the loss small and the tests fast.
final class RecurrentGradientTests: XCTestCase {
    private func config(_ cell: CellKind, layers: Int = 1, bidirectional: Bool = false,
                        nonlinearity: Nonlinearity = .tanh, dropout: Float = 0) -> RecurrentConfiguration {
        RecurrentConfiguration(cell: cell, inputSize: 5, hiddenSize: 4, layers: layers, bidirectional: bidirectional,
                               nonlinearity: nonlinearity, interLayerDropout: dropout)
    }

    /// T=4, B=3: sequence 0 is full, sequence 1 is post-padded (length 2), sequence 2 is pre-padded (length 3),
    /// so both padding sides are exercised in one batch.
    static let mixedMask = Tensor(shape: [4, 3], data: [
        1, 1, 0,
        1, 1, 1,
        1, 0, 1,
        1, 0, 1,
    ])

    func testSimpleRNNTanh() { checkFiniteDifferences(RecurrentProblem(config(.rnn), steps: 4, batch: 3, seed: 1)) }
    func testSimpleRNNRelu() {
        checkFiniteDifferences(RecurrentProblem(config(.rnn, nonlinearity: .relu), steps: 4, batch: 3, seed: 2))
    }
    func testLSTM() { checkFiniteDifferences(RecurrentProblem(config(.lstm), steps: 4, batch: 3, seed: 3)) }
    func testGRU() { checkFiniteDifferences(RecurrentProblem(config(.gru), steps: 4, batch: 3, seed: 4)) }

    func testStackedLSTM() { checkFiniteDifferences(RecurrentProblem(config(.lstm, layers: 2), steps: 4, batch: 3, seed: 5)) }
    func testStackedGRU() { checkFiniteDifferences(RecurrentProblem(config(.gru, layers: 2), steps: 4, batch: 3, seed: 6)) }
    func testStackedRNN() { checkFiniteDifferences(RecurrentProblem(config(.rnn, layers: 2), steps: 4, batch: 3, seed: 7)) }

    func testBidirectionalLSTM() {
        checkFiniteDifferences(RecurrentProblem(config(.lstm, bidirectional: true), steps: 4, batch: 3, seed: 8))
    }
    func testBidirectionalStackedGRU() {
        checkFiniteDifferences(RecurrentProblem(config(.gru, layers: 2, bidirectional: true), steps: 4, batch: 3, seed: 9))
    }
    func testBidirectionalRNNRelu() {
        checkFiniteDifferences(RecurrentProblem(config(.rnn, bidirectional: true, nonlinearity: .relu),
                                                steps: 4, batch: 3, seed: 10))
    }

    func testMaskedLSTM() {
        checkFiniteDifferences(RecurrentProblem(config(.lstm), steps: 4, batch: 3, mask: Self.mixedMask, seed: 11))
    }
    func testMaskedGRU() {
        checkFiniteDifferences(RecurrentProblem(config(.gru), steps: 4, batch: 3, mask: Self.mixedMask, seed: 12))
    }
    func testMaskedRNN() {
        checkFiniteDifferences(RecurrentProblem(config(.rnn), steps: 4, batch: 3, mask: Self.mixedMask, seed: 13))
    }
    func testMaskedBidirectionalStackedLSTM() {
        checkFiniteDifferences(RecurrentProblem(config(.lstm, layers: 2, bidirectional: true), steps: 4, batch: 3,
                                                mask: Self.mixedMask, seed: 14))
    }
    func testMaskedBidirectionalGRU() {
        checkFiniteDifferences(RecurrentProblem(config(.gru, bidirectional: true), steps: 4, batch: 3,
                                                mask: Self.mixedMask, seed: 15))
    }

    /// Inter-layer dropout in training: the same seed gives the same dropout mask in every forward pass, so
    /// the loss is a smooth function and finite differences apply.
    func testStackedLSTMWithDropoutInTraining() {
        var problem = RecurrentProblem(config(.lstm, layers: 2, bidirectional: true, dropout: 0.4), steps: 4, batch: 3, seed: 16)
        problem.training = true
        checkFiniteDifferences(problem)
    }

    /// Batch 1 runs the per-step products as matrix–vector products.
    func testBatchOneLSTM() { checkFiniteDifferences(RecurrentProblem(config(.lstm, layers: 2), steps: 4, batch: 1, seed: 19)) }
    func testBatchOneBidirectionalGRU() {
        checkFiniteDifferences(RecurrentProblem(config(.gru, bidirectional: true), steps: 4, batch: 1, seed: 20))
    }
    func testBatchOneRNN() { checkFiniteDifferences(RecurrentProblem(config(.rnn), steps: 4, batch: 1, seed: 21)) }

    /// Gradients accumulate (+=) into Parameter.grad across backward calls.
    func testParameterGradientsAccumulate() {
        let problem = RecurrentProblem(config(.gru), steps: 4, batch: 3, seed: 17)
        _ = problem.analyticGradients()
        let once = problem.network.parameters.map { $0.grad.data }
        var rng = SeededGenerator(seed: 0)
        _ = problem.network.forward(problem.x, initialState: problem.initialState, rng: &rng)
        _ = problem.network.backward(gradOutput: problem.outputWeights,
                                     gradFinal: RecurrentState(hidden: problem.hiddenWeights))
        for (p, g) in zip(problem.network.parameters, once) {
            XCTAssertLessThan(maxAbsDifference(p.grad.data, g.map { 2 * $0 }), 1e-5, p.name)
        }
    }

    /// Only a final-state gradient (the classifier's "last" pooling) or only an output gradient both work, and
    /// their sum equals the gradient of the summed loss.
    func testFinalOnlyAndOutputOnlyGradientsAddUp() {
        let problem = RecurrentProblem(config(.lstm, layers: 2), steps: 4, batch: 3, seed: 18)
        let network = problem.network
        func run(_ gradOutput: Tensor?, _ gradFinal: RecurrentState?) -> (Tensor, [[Float]]) {
            for p in network.parameters { p.grad.zero() }
            var rng = SeededGenerator(seed: 0)
            _ = network.forward(problem.x, initialState: problem.initialState, rng: &rng)
            let dx = network.backward(gradOutput: gradOutput, gradFinal: gradFinal)
            return (dx, network.parameters.map { $0.grad.data })
        }
        let final = RecurrentState(hidden: problem.hiddenWeights, cell: problem.cellWeights)
        let (dxBoth, gBoth) = run(problem.outputWeights, final)
        let (dxOut, gOut) = run(problem.outputWeights, nil)
        let (dxFinal, gFinal) = run(nil, final)
        XCTAssertLessThan(maxAbsDifference(dxBoth.data, zip(dxOut.data, dxFinal.data).map { $0 + $1 }), 1e-5)
        for k in 0..<gBoth.count {
            XCTAssertLessThan(maxAbsDifference(gBoth[k], zip(gOut[k], gFinal[k]).map { $0 + $1 }), 1e-5)
        }
    }
}
