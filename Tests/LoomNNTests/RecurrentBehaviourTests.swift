import Foundation
import XCTest
import LoomTensor
@testable import LoomNN

/// Masking semantics, single-step inference, initialisation and parameter layout.
final class RecurrentBehaviourTests: XCTestCase {
    private func network(_ cell: CellKind, layers: Int = 1, bidirectional: Bool = false, seed: UInt64 = 1,
                         initialization: Initialization = .pytorch) -> RecurrentNetwork {
        var rng = SeededGenerator(seed: seed)
        return RecurrentNetwork(RecurrentConfiguration(cell: cell, inputSize: 3, hiddenSize: 5, layers: layers,
                                                       bidirectional: bidirectional),
                                initialization: initialization, rng: &rng)
    }

    private func randomInput(steps: Int, batch: Int, size: Int = 3, seed: UInt64 = 2) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor(shape: [steps, batch, size], data: (0..<(steps * batch * size)).map { _ in rng.nextNormal() })
    }

    /// Rows t0..<t1 of a [T, B, I] tensor for batch entry b, as [t1−t0, 1, I].
    private func slice(_ x: Tensor, batchEntry b: Int, steps range: Range<Int>) -> Tensor {
        let B = x.shape[1], I = x.shape[2]
        var data: [Float] = []
        for t in range { data += x.data[((t * B + b) * I)..<((t * B + b + 1) * I)] }
        return Tensor(shape: [range.count, 1, I], data: data)
    }

    /// A pre-padded and a post-padded sequence give the same outputs and final state as the unpadded sequence
    /// run alone; padded steps output zeros and carry the state through unchanged. Checked for every cell,
    /// stacked and bidirectional.
    func testPaddedStepsCarryStateAndOutputZeros() {
        for cell in CellKind.allCases {
            for bidirectional in [false, true] {
                let net = network(cell, layers: 2, bidirectional: bidirectional)
                let T = 6, real = 4
                let x = randomInput(steps: T, batch: 2)
                // Batch entry 0: real steps 2..<6 (pre-padding). Entry 1: real steps 0..<4 (post-padding).
                var maskData = [Float](repeating: 0, count: T * 2)
                for t in 2..<6 { maskData[t * 2] = 1 }
                for t in 0..<4 { maskData[t * 2 + 1] = 1 }
                var rng = SeededGenerator(seed: 3)
                let (output, final) = net.forward(x, mask: Tensor(shape: [T, 2], data: maskData), rng: &rng)
                let HD = net.configuration.outputSize
                for (b, range) in [(0, 2..<6), (1, 0..<4)] {
                    let (alone, aloneFinal) = net.forward(slice(x, batchEntry: b, steps: range), rng: &rng)
                    for t in 0..<T {
                        let row = Array(output.data[((t * 2 + b) * HD)..<((t * 2 + b + 1) * HD)])
                        if range.contains(t) {
                            let expected = Array(alone.data[((t - range.lowerBound) * HD)..<((t - range.lowerBound + 1) * HD)])
                            XCTAssertLessThan(maxAbsDifference(row, expected), 1e-6, "\(cell) bi=\(bidirectional) b=\(b) t=\(t)")
                        } else {
                            XCTAssertEqual(row, [Float](repeating: 0, count: HD), "padded output \(cell) t=\(t)")
                        }
                    }
                    for k in 0..<final.hidden.count {
                        let H = 5
                        let mine = Array(final.hidden[k].data[(b * H)..<((b + 1) * H)])
                        XCTAssertLessThan(maxAbsDifference(mine, aloneFinal.hidden[k].data), 1e-6, "\(cell) final h[\(k)] b=\(b)")
                        if let cells = final.cell {
                            let mineC = Array(cells[k].data[(b * H)..<((b + 1) * H)])
                            XCTAssertLessThan(maxAbsDifference(mineC, aloneFinal.cell![k].data), 1e-6, "\(cell) final c[\(k)]")
                        }
                    }
                    _ = real
                }
            }
        }
    }

    /// A fully masked sequence keeps its initial state exactly and has zero gradient w.r.t. its inputs.
    func testFullyMaskedSequenceKeepsInitialState() {
        let net = network(.lstm)
        let x = randomInput(steps: 3, batch: 2)
        var rng = SeededGenerator(seed: 4)
        var initial = net.zeroState(batch: 2)
        initial.hidden[0] = Tensor(shape: [2, 5], data: (0..<10).map { Float($0) / 10 })
        initial.cell![0] = Tensor(shape: [2, 5], data: (0..<10).map { -Float($0) / 10 })
        let mask = Tensor(shape: [3, 2], data: [1, 0, 1, 0, 1, 0])
        let (_, final) = net.forward(x, mask: mask, initialState: initial, rng: &rng)
        XCTAssertEqual(Array(final.hidden[0].data[5..<10]), Array(initial.hidden[0].data[5..<10]))
        XCTAssertEqual(Array(final.cell![0].data[5..<10]), Array(initial.cell![0].data[5..<10]))
        let dx = net.backward(gradOutput: Tensor(shape: [3, 2, 5], repeating: 1), gradFinal: nil)
        for t in 0..<3 { XCTAssertEqual(Array(dx.data[((t * 2 + 1) * 3)..<((t * 2 + 2) * 3)]), [0, 0, 0]) }
    }

    /// `RecurrentStepper` fed T inputs equals `forward` over the sequence (outputs and state), for every cell,
    /// 2 layers, on the one-thread path and (LSTM/GRU, forced by a zero threshold) the
    /// two-thread path; and over an input table, row by row.
    func testStepperMatchesForward() throws {
        for cell in CellKind.allCases {
          for split in cell.splitKind == nil ? [false] : [false, true] {
            let net = network(cell, layers: 2)
            net.parallelism = RecurrentParallelism(maximumSlices: 2, singleSequenceSplitThreshold: split ? 0 : Int.max)
            let x = randomInput(steps: 5, batch: 1)
            var rng = SeededGenerator(seed: 5)
            let (output, final) = net.forward(x, rng: &rng)
            let stepper = try RecurrentStepper(network: net)
            XCTAssertEqual(stepper.splitsSteps, split)
            let table = try RecurrentStepper(network: net, inputTable: Tensor(shape: [5, 3], data: x.data))
            for t in 0..<5 {
                stepper.feed(input: Array(x.data[(t * 3)..<((t + 1) * 3)]))
                table.feed(row: t)
                for (label, fed) in [("input", stepper), ("table", table)] {
                    let top = fed.withTopHidden { top, _ in Array(UnsafeBufferPointer(start: top, count: 5)) }
                    XCTAssertLessThan(maxAbsDifference(top, Array(output.data[(t * 5)..<((t + 1) * 5)])), 1e-6,
                                      "\(cell) split \(split) \(label) t=\(t)")
                }
            }
            XCTAssertLessThan(maxAbsDifference(stepper.state.hidden.flatMap(\.data), final.hidden.flatMap(\.data)), 1e-6)
            if cell.hasCellState {
                XCTAssertLessThan(maxAbsDifference(stepper.state.cell!.flatMap(\.data), final.cell!.flatMap(\.data)), 1e-6)
            }
          }
        }
    }

    /// A many-lane stepper is that many sequences stepped at once: every lane's outputs and final state match
    /// the batched forward over the same inputs (and a lane's state can be set from a one-lane stepper).
    func testManyLaneStepperMatchesBatchedForward() throws {
        for cell in CellKind.allCases {
            let net = network(cell, layers: 2)
            let lanes = 3
            let x = randomInput(steps: 5, batch: lanes)
            var rng = SeededGenerator(seed: 5)
            let (output, final) = net.forward(x, rng: &rng)
            // Table row t·lanes + b holds step t of lane b.
            let stepper = try RecurrentStepper(network: net, inputTable: Tensor(shape: [5 * lanes, 3], data: x.data), lanes: lanes)
            XCTAssertFalse(stepper.splitsSteps)
            for t in 0..<5 {
                stepper.feed(rows: (0..<lanes).map { t * lanes + $0 })
                let top = stepper.withTopHidden { top, stride in
                    (0..<lanes).flatMap { Array(UnsafeBufferPointer(start: top + $0 * stride, count: 5)) }
                }
                XCTAssertLessThan(maxAbsDifference(top, Array(output.data[(t * lanes * 5)..<((t + 1) * lanes * 5)])), 1e-5,
                                  "\(cell) t=\(t)")
            }
            XCTAssertLessThan(maxAbsDifference(stepper.state.hidden.flatMap(\.data), final.hidden.flatMap(\.data)), 1e-5)
            if cell.hasCellState {
                XCTAssertLessThan(maxAbsDifference(stepper.state.cell!.flatMap(\.data), final.cell!.flatMap(\.data)), 1e-5)
            }
            // Lane 1 set from the final state's row 2 carries on as lane 2 would.
            let copy = stepper.makeSibling(splitting: false, lanes: lanes)
            copy.state = stepper.state
            copy.setState(stepper.state, lane: 1, from: 2)
            copy.feed(rows: [0, 0, 0])
            stepper.feed(rows: [0, 0, 0])
            let after = { (s: RecurrentStepper, lane: Int) in
                s.withTopHidden { top, stride in Array(UnsafeBufferPointer(start: top + lane * stride, count: 5)) }
            }
            XCTAssertLessThan(maxAbsDifference(after(copy, 1), after(stepper, 2)), 1e-6, "\(cell)")
            XCTAssertLessThan(maxAbsDifference(after(copy, 0), after(stepper, 0)), 1e-6, "\(cell)")
        }
    }

    func testStepperOnBidirectionalNetworkThrows() {
        let net = network(.gru, bidirectional: true)
        XCTAssertThrowsError(try RecurrentStepper(network: net)) { error in
            XCTAssertEqual(error as? RecurrentError, .stepNeedsUnidirectionalNetwork)
        }
    }

    /// Names, order and shapes match PyTorch's `named_parameters()`.
    func testParameterNamesAndLayouts() {
        let net = network(.lstm, layers: 2, bidirectional: true)
        XCTAssertEqual(net.parameters.map(\.name), [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        ])
        XCTAssertEqual(net.parameters[0].value.shape, [20, 3])
        XCTAssertEqual(net.parameters[1].value.shape, [20, 5])
        XCTAssertEqual(net.parameters[2].value.shape, [20])
        XCTAssertEqual(net.parameters[8].value.shape, [20, 10])
        XCTAssertEqual(network(.gru).parameters[0].value.shape, [15, 3])
        XCTAssertEqual(network(.rnn).parameters[1].value.shape, [5, 5])
    }

    func testPyTorchInitializationBounds() {
        let net = network(.gru)
        let bound = 1 / Float(5).squareRoot()
        for p in net.parameters {
            XCTAssertTrue(p.value.data.allSatisfy { abs($0) <= bound }, p.name)
            XCTAssertGreaterThan(p.value.data.map(abs).max()!, bound * 0.7, p.name)
        }
    }

    /// Keras: orthogonal recurrent kernel (W_hhᵀ·W_hh = I), Glorot-bounded input kernel, zero biases except the
    /// LSTM forget gate's 1.
    func testKerasInitialization() {
        let net = network(.lstm, initialization: .keras)
        let whh = net.parameters[1].value // [20, 5]
        for i in 0..<5 {
            for j in 0..<5 {
                var dot: Float = 0
                for r in 0..<20 { dot += whh.data[r * 5 + i] * whh.data[r * 5 + j] }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-5)
            }
        }
        let limit = (6 / Float(3 + 20)).squareRoot()
        XCTAssertTrue(net.parameters[0].value.data.allSatisfy { abs($0) <= limit })
        XCTAssertEqual(net.parameters[2].value.data, [Float](repeating: 0, count: 5) + [Float](repeating: 1, count: 5)
                       + [Float](repeating: 0, count: 10))
        XCTAssertEqual(net.parameters[3].value.data, [Float](repeating: 0, count: 20))
    }

    /// Same seed, same weights; different seed, different weights.
    func testInitializationIsSeeded() {
        XCTAssertEqual(network(.lstm, seed: 7).parameters[0].value, network(.lstm, seed: 7).parameters[0].value)
        XCTAssertNotEqual(network(.lstm, seed: 7).parameters[0].value, network(.lstm, seed: 8).parameters[0].value)
    }

    /// Dropout between layers is active only in training, and only between layers.
    func testInterLayerDropoutOnlyInTraining() {
        var rng = SeededGenerator(seed: 1)
        let net = RecurrentNetwork(RecurrentConfiguration(cell: .gru, inputSize: 3, hiddenSize: 5, layers: 2,
                                                          interLayerDropout: 0.5), rng: &rng)
        let x = randomInput(steps: 4, batch: 2)
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 2)
        let evalA = net.forward(x, training: false, rng: &a).output
        let evalB = net.forward(x, training: false, rng: &b).output
        XCTAssertEqual(evalA, evalB)
        let trainA = net.forward(x, training: true, rng: &a).output
        XCTAssertNotEqual(trainA, evalA)
        // A single layer has no inter-layer dropout.
        var rng2 = SeededGenerator(seed: 3)
        let single = RecurrentNetwork(RecurrentConfiguration(cell: .gru, inputSize: 3, hiddenSize: 5, layers: 1,
                                                             interLayerDropout: 0.5), rng: &rng2)
        XCTAssertEqual(single.forward(x, training: true, rng: &a).output, single.forward(x, training: false, rng: &b).output)
    }
}

/// The time loops split the batch into slices that run concurrently; results must not depend on the split.
final class RecurrentParallelismTests: XCTestCase {
    private func run(_ cell: CellKind, slices: Int) -> (output: Tensor, final: [Float], dx: Tensor, grads: [[Float]], dh0: [Float]) {
        let T = 4, B = 7
        var rng = SeededGenerator(seed: 21)
        let net = RecurrentNetwork(RecurrentConfiguration(cell: cell, inputSize: 3, hiddenSize: 6, layers: 2, bidirectional: true),
                                   rng: &rng)
        net.parallelism = RecurrentParallelism(maximumSlices: slices, minimumRowsPerSlice: 1)
        let x = Tensor(shape: [T, B, 3], data: (0..<(T * B * 3)).map { _ in rng.nextNormal() })
        var maskData = [Float](repeating: 1, count: T * B)
        maskData[0 * B + 2] = 0; maskData[3 * B + 5] = 0; maskData[2 * B + 5] = 0 // one pre-, one post-padded row
        let (output, final) = net.forward(x, mask: Tensor(shape: [T, B], data: maskData), rng: &rng)
        let gradOutput = Tensor(shape: output.shape, data: (0..<output.count).map { _ in rng.nextNormal() })
        let dx = net.backward(gradOutput: gradOutput, gradFinal: RecurrentState(hidden: final.hidden, cell: final.cell))
        return (output, final.hidden.flatMap(\.data) + (final.cell?.flatMap(\.data) ?? []), dx,
                net.parameters.map(\.grad.data), net.lastInitialStateGradient!.hidden.flatMap(\.data))
    }

    func testSlicedTimeLoopsMatchSingleSlice() {
        for cell in CellKind.allCases {
            let one = run(cell, slices: 1), three = run(cell, slices: 3)
            XCTAssertLessThan(maxAbsDifference(one.output.data, three.output.data), 1e-6, "\(cell)")
            XCTAssertLessThan(maxAbsDifference(one.final, three.final), 1e-6, "\(cell)")
            XCTAssertLessThan(maxAbsDifference(one.dx.data, three.dx.data), 1e-5, "\(cell)")
            XCTAssertLessThan(maxAbsDifference(one.dh0, three.dh0), 1e-5, "\(cell)")
            for (a, b) in zip(one.grads, three.grads) { XCTAssertLessThan(maxAbsDifference(a, b), 1e-5, "\(cell)") }
        }
    }
}

final class RecurrentEdgeCaseTests: XCTestCase {
    /// An empty sequence (T = 0) is not an error: empty output, the initial state passes through.
    func testEmptySequence() {
        var rng = SeededGenerator(seed: 1)
        let net = RecurrentNetwork(RecurrentConfiguration(cell: .lstm, inputSize: 3, hiddenSize: 4, layers: 2), rng: &rng)
        var initial = net.zeroState(batch: 2)
        initial.hidden[1] = Tensor(shape: [2, 4], repeating: 0.5)
        let (output, final) = net.forward(Tensor.zeros([0, 2, 3]), initialState: initial, rng: &rng)
        XCTAssertEqual(output.shape, [0, 2, 4])
        XCTAssertEqual(final.hidden[1], initial.hidden[1])
        let dx = net.backward(gradOutput: nil, gradFinal: initial)
        XCTAssertEqual(dx.shape, [0, 2, 3])
        XCTAssertEqual(net.lastInitialStateGradient?.hidden[1], initial.hidden[1])
    }
}
