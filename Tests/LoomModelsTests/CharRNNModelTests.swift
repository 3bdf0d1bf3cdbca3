import XCTest
@testable import LoomModels
import LoomNN
import LoomTensor

/// The model's shapes, names, gradients and the batch-1 step path.
final class CharRNNModelTests: XCTestCase {
    func testParameterNamesFollowPyTorch() throws {
        var rng = SeededGenerator(seed: 1)
        let model = try CharLanguageModel(CharModelConfiguration(vocabularySize: 7, cell: .gru, layers: 2, hiddenSize: 5,
                                                                 embeddingSize: 3, dropout: 0), rng: &rng)
        XCTAssertEqual(model.parameters.map(\.name), [
            "embedding.weight",
            "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
            "gru.weight_ih_l1", "gru.weight_hh_l1", "gru.bias_ih_l1", "gru.bias_hh_l1",
            "fc.weight", "fc.bias",
        ])
        XCTAssertEqual(model.parameters.first?.value.shape, [7, 3])
        XCTAssertEqual(model.parameters.last?.value.shape, [7])
    }

    func testInvalidArchitectureIsRejected() {
        var rng = SeededGenerator(seed: 1)
        XCTAssertThrowsError(try CharLanguageModel(CharModelConfiguration(vocabularySize: 5, hiddenSize: 0), rng: &rng))
        XCTAssertThrowsError(try CharLanguageModel(CharModelConfiguration(vocabularySize: 5, dropout: 1), rng: &rng))
        XCTAssertThrowsError(try CharLanguageModel(CharModelConfiguration(vocabularySize: 0), rng: &rng))
    }

    /// The step path (embedding row → RecurrentNetwork.step → sgemv) gives the same logits as `forward`.
    func testStepperMatchesForward() throws {
        for cell in CellKind.allCases {
            var rng = SeededGenerator(seed: 3)
            let model = try CharLanguageModel(CharModelConfiguration(vocabularySize: 9, cell: cell, layers: 2,
                                                                     hiddenSize: 6, embeddingSize: 4, dropout: 0),
                                              rng: &rng)
            let ids: [Int32] = [3, 1, 4, 1, 5, 8, 2, 6]
            let (logits, _) = model.forward(ids, steps: ids.count, batch: 1, initialState: nil, training: false, rng: &rng)
            let stepper = model.makeStepper()
            for (t, id) in ids.enumerated() {
                stepper.feed(id)
                for v in 0..<9 { XCTAssertEqual(stepper.logits[v], logits.data[t * 9 + v], accuracy: 1e-4, "\(cell) t=\(t)") }
            }
        }
    }

    /// The two-thread step path (forced on small models by a zero threshold) gives `forward`'s logits too, for
    /// even and odd hidden sizes (uneven halves) and one to three layers; a state set from outside is honoured.
    func testSplitStepperMatchesForward() throws {
        for cell in [CellKind.lstm, .gru] {
            for (layers, hidden) in [(1, 2), (2, 6), (3, 7)] {
                var rng = SeededGenerator(seed: 13)
                let model = try CharLanguageModel(CharModelConfiguration(vocabularySize: 9, cell: cell, layers: layers,
                                                                         hiddenSize: hidden, embeddingSize: 4, dropout: 0),
                                                  rng: &rng)
                model.recurrent.parallelism = RecurrentParallelism(maximumSlices: 2, singleSequenceSplitThreshold: 0)
                let ids: [Int32] = [3, 1, 4, 1, 5, 8, 2, 6, 0, 7]
                let (logits, _) = model.forward(ids, steps: ids.count, batch: 1, initialState: nil, training: false, rng: &rng)
                let stepper = model.makeStepper()
                let label = "\(cell) layers \(layers) hidden \(hidden)"
                XCTAssertTrue(stepper.splitsSteps, label)
                var middle: RecurrentState?
                for (t, id) in ids.enumerated() {
                    stepper.feed(id)
                    if t == 4 { middle = stepper.state }
                    for v in 0..<9 { XCTAssertEqual(stepper.logits[v], logits.data[t * 9 + v], accuracy: 1e-4, "\(label) t=\(t)") }
                }
                // Rewind to the state after five characters and replay the rest.
                stepper.state = middle!
                for (t, id) in ids.enumerated().dropFirst(5) {
                    stepper.feed(id)
                    for v in 0..<9 { XCTAssertEqual(stepper.logits[v], logits.data[t * 9 + v], accuracy: 1e-4, "\(label) replay t=\(t)") }
                }
            }
        }
    }

    /// Siblings share the weights: a one-thread sibling, and a splitting sibling switched between its two paths
    /// every few characters (as the server does when generations come and go), both give `forward`'s logits.
    func testSiblingSteppersMatchForwardOnEitherPath() throws {
        for cell in [CellKind.lstm, .gru] {
            var rng = SeededGenerator(seed: 17)
            let model = try CharLanguageModel(CharModelConfiguration(vocabularySize: 9, cell: cell, layers: 2, hiddenSize: 7,
                                                                     embeddingSize: 4, dropout: 0), rng: &rng)
            model.recurrent.parallelism = RecurrentParallelism(maximumSlices: 2, singleSequenceSplitThreshold: 0)
            let ids: [Int32] = [3, 1, 4, 1, 5, 8, 2, 6, 0, 7, 7, 2]
            let (logits, _) = model.forward(ids, steps: ids.count, batch: 1, initialState: nil, training: false, rng: &rng)
            let original = model.makeStepper()
            let single = original.makeSibling(splitting: false), switching = original.makeSibling(splitting: true)
            XCTAssertFalse(single.splitsSteps)
            XCTAssertTrue(switching.splitsSteps)
            for (t, id) in ids.enumerated() {
                switching.allowsSplitSteps = (t / 3) % 2 == 0
                single.feed(id)
                switching.feed(id)
                for v in 0..<9 {
                    XCTAssertEqual(single.logits[v], logits.data[t * 9 + v], accuracy: 1e-4, "\(cell) one thread t=\(t)")
                    XCTAssertEqual(switching.logits[v], logits.data[t * 9 + v], accuracy: 1e-4, "\(cell) switching t=\(t)")
                }
            }
        }
    }

    /// The default threshold splits the Shakespeare-sized model and keeps small ones and RNNs on one thread.
    func testStepperSplitThreshold() throws {
        var rng = SeededGenerator(seed: 2)
        func splits(_ cell: CellKind, hidden: Int) throws -> Bool {
            let model = try CharLanguageModel(CharModelConfiguration(vocabularySize: 5, cell: cell, layers: 2, hiddenSize: hidden,
                                                                     embeddingSize: 4, dropout: 0), rng: &rng)
            model.recurrent.parallelism = RecurrentParallelism(maximumSlices: 2)
            return model.makeStepper().splitsSteps
        }
        XCTAssertTrue(try splits(.lstm, hidden: 256))
        XCTAssertTrue(try splits(.gru, hidden: 128))
        XCTAssertFalse(try splits(.lstm, hidden: 16))
        XCTAssertFalse(try splits(.rnn, hidden: 256))
    }

    /// Carrying the final state into the next window equals one forward pass over both windows.
    func testCarriedStateContinuesTheSequence() throws {
        var rng = SeededGenerator(seed: 5)
        let model = try CharLanguageModel(CharModelConfiguration(vocabularySize: 6, cell: .lstm, layers: 2, hiddenSize: 5,
                                                                 embeddingSize: 3, dropout: 0), rng: &rng)
        // Two lanes, six steps, time-major.
        let ids: [Int32] = [0, 5, 1, 4, 2, 3, 3, 2, 4, 1, 5, 0]
        let (whole, _) = model.forward(ids, steps: 6, batch: 2, initialState: nil, training: false, rng: &rng)
        let (first, state) = model.forward(Array(ids[0..<6]), steps: 3, batch: 2, initialState: nil, training: false, rng: &rng)
        let (second, _) = model.forward(Array(ids[6...]), steps: 3, batch: 2, initialState: state, training: false, rng: &rng)
        let joined = first.data + second.data
        for (a, b) in zip(joined, whole.data) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    /// backward agrees with central finite differences of the mean cross-entropy, with a carried state.
    /// With dropout between the layers and before the output layer, the gradients are those of the loss under
    /// the same masks (each evaluation draws them from the same seed).
    func testBackwardWithDropoutMatchesFiniteDifferences() throws {
        var rng = SeededGenerator(seed: 12)
        let model = try CharLanguageModel(CharModelConfiguration(vocabularySize: 5, cell: .gru, layers: 2, hiddenSize: 4,
                                                                 embeddingSize: 3, dropout: 0.3, outputDropout: 0.4), rng: &rng)
        let ids: [Int32] = [0, 1, 2, 3, 4, 0], targets: [Int32] = [1, 2, 3, 4, 0, 1]
        func forward() -> Tensor {
            var masks = SeededGenerator(seed: 99)
            return model.forward(ids, steps: 3, batch: 2, initialState: nil, training: true, rng: &masks).logits
        }
        func loss() -> Double { Double(Loss.softmaxCrossEntropy(forward(), targets: targets).loss) }
        XCTAssertNotEqual(forward().data, model.forward(ids, steps: 3, batch: 2, initialState: nil, training: false,
                                                        rng: &rng).logits.data, "dropout is on in training")
        zeroGradients(model.parameters)
        model.backward(Loss.softmaxCrossEntropy(forward(), targets: targets).gradient)
        assertGradientsMatchFiniteDifferences(model.parameters, loss: loss)
    }

    func testBackwardMatchesFiniteDifferences() throws {
        var rng = SeededGenerator(seed: 11)
        let model = try CharLanguageModel(CharModelConfiguration(vocabularySize: 5, cell: .lstm, layers: 2, hiddenSize: 4,
                                                                 embeddingSize: 3, dropout: 0, outputDropout: 0), rng: &rng)
        let ids: [Int32] = [0, 1, 2, 3, 4, 0]
        let targets: [Int32] = [1, 2, 3, 4, 0, 1]
        let initial = RecurrentState(hidden: (0..<2).map { _ in Tensor(shape: [2, 4], data: (0..<8).map { _ in rng.nextUniform(-0.5, 0.5) }) },
                                     cell: (0..<2).map { _ in Tensor(shape: [2, 4], data: (0..<8).map { _ in rng.nextUniform(-0.5, 0.5) }) })
        func loss() -> Double {
            let (logits, _) = model.forward(ids, steps: 3, batch: 2, initialState: initial, training: false, rng: &rng)
            return Double(Loss.softmaxCrossEntropy(logits, targets: targets).loss)
        }
        zeroGradients(model.parameters)
        let (logits, _) = model.forward(ids, steps: 3, batch: 2, initialState: initial, training: true, rng: &rng)
        model.backward(Loss.softmaxCrossEntropy(logits, targets: targets).gradient)
        assertGradientsMatchFiniteDifferences(model.parameters, loss: loss)
    }

    func testEpochLayoutWindowsAreContiguousLanesWithShiftedTargets() {
        let text = ArraySlice((0..<200).map { Int32($0) })
        var rng = SeededGenerator(seed: 9)
        let layout = CharEpochLayout(trainCount: text.count, batchSize: 3, sequenceLength: 10, rng: &rng)
        XCTAssertTrue((0..<10).contains(layout.offset))
        XCTAssertEqual(layout.lanes.sorted(), [0, 1, 2])
        XCTAssertEqual(layout.laneLength, (200 - layout.offset) / 3)
        XCTAssertEqual(layout.windowsPerEpoch, (layout.laneLength - 1) / 10)
        var previous: [Int32]? = nil
        for w in 0..<layout.windowsPerEpoch {
            let (inputs, targets) = layout.window(w, of: text)
            XCTAssertEqual(inputs.count, 30)
            for k in 0..<30 { XCTAssertEqual(targets[k], inputs[k] + 1) }
            for column in 0..<3 {
                let lane = layout.lanes[column]
                XCTAssertEqual(inputs[column], Int32(layout.offset + lane * layout.laneLength + w * 10))
                if let previous { XCTAssertEqual(inputs[column], previous[27 + column] + 1) }
            }
            previous = inputs
        }
        var again = SeededGenerator(seed: 9)
        XCTAssertEqual(CharEpochLayout(trainCount: text.count, batchSize: 3, sequenceLength: 10, rng: &again), layout)
    }
}
