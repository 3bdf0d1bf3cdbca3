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

    /// A single sequence with its hidden units split between two threads (forced on small shapes by a zero
    /// threshold) must give the training forward's outputs too: odd and even hidden sizes (uneven halves),
    /// stacked and bidirectional layers, pre-padding, with and without projection tables.
    func testSplitSingleSequenceMatchesTrainingForward() {
        let vocabulary = 13, inputSize = 5, T = 9
        for cell in [CellKind.lstm, .gru] {
            for hidden in [2, 7, 16] {
                for (layers, bidirectional) in [(1, false), (2, false), (1, true), (2, true)] {
                    for padded in [0, 3] {
                        var rng = SeededGenerator(seed: 23)
                        let network = RecurrentNetwork(
                            RecurrentConfiguration(cell: cell, inputSize: inputSize, hiddenSize: hidden, layers: layers,
                                                   bidirectional: bidirectional), rng: &rng)
                        network.parallelism = RecurrentParallelism(maximumSlices: 2, singleSequenceSplitThreshold: 0)
                        let embedding = Tensor(shape: [vocabulary, inputSize],
                                               data: (0..<(vocabulary * inputSize)).map { _ in rng.nextUniform(-1, 1) })
                        let tokens = (0..<T).map { $0 < padded ? Int32(0) : Int32(1 + rng.next() % UInt64(vocabulary - 1)) }
                        let mask = Tensor(shape: [T, 1], data: (0..<T).map { $0 < padded ? 0 : 1 })
                        let x = Tensor(shape: [T, 1, inputSize], data: tokens.flatMap { id in
                            Array(embedding.data[(Int(id) * inputSize)..<((Int(id) + 1) * inputSize)])
                        })
                        let expected = network.forward(x, mask: mask, rng: &rng).output

                        let inference = RecurrentInference(network: network)
                        let label = "\(cell) hidden \(hidden) layers \(layers) bidirectional \(bidirectional) padded \(padded)"
                        XCTAssertTrue(inference.splitsSingleSequences, label)
                        let direct = inference.outputs(tokens: tokens, steps: T, batch: 1, mask: mask, embedding: embedding)
                        inference.precomputeInputProjections(embedding: embedding)
                        let tabled = inference.outputs(tokens: tokens, steps: T, batch: 1, mask: mask, embedding: embedding)
                        XCTAssertEqual(direct.shape, expected.shape, label)
                        XCTAssertLessThan(maxDifference(direct, expected), 1e-5, label)
                        XCTAssertLessThan(maxDifference(tabled, expected), 1e-5, label)
                        XCTAssertGreaterThan(expected.data.map(abs).max()!, 0.01, "outputs are not trivially zero")
                    }
                }
            }
        }
    }

    /// The two threads meet at a barrier after every step; a missed hand-off would show up as a result that
    /// changes from run to run. Hundreds of back-to-back runs of two alternating sequences must repeat exactly.
    func testSplitRunsRepeatExactly() {
        var rng = SeededGenerator(seed: 3)
        let network = RecurrentNetwork(RecurrentConfiguration(cell: .lstm, inputSize: 8, hiddenSize: 32), rng: &rng)
        network.parallelism = RecurrentParallelism(maximumSlices: 2, singleSequenceSplitThreshold: 0)
        let embedding = Tensor(shape: [50, 8], data: (0..<400).map { _ in rng.nextUniform(-1, 1) })
        let sequences = (0..<2).map { _ in (0..<40).map { _ in Int32(1 + rng.next() % 49) } }
        let inference = RecurrentInference(network: network)
        let first = sequences.map { inference.outputs(tokens: $0, steps: 40, batch: 1, mask: nil, embedding: embedding).data }
        for run in 0..<300 {
            let index = run % 2
            let again = inference.outputs(tokens: sequences[index], steps: 40, batch: 1, mask: nil, embedding: embedding)
            guard again.data == first[index] else {
                let worst = zip(again.data, first[index]).map { abs($0 - $1) }.max() ?? 0
                return XCTFail("run \(run) differs from the first run of the same sequence by up to \(worst)")
            }
        }
    }

    /// The default threshold keeps small layers (which fit in one core's nearest cache) and plain RNNs on one
    /// thread, and splits the benchmark's LSTM of 128.
    func testSplitThreshold() {
        var rng = SeededGenerator(seed: 1)
        func splits(_ cell: CellKind, hidden: Int, slices: Int = 2) -> Bool {
            let network = RecurrentNetwork(RecurrentConfiguration(cell: cell, inputSize: 4, hiddenSize: hidden), rng: &rng)
            network.parallelism = RecurrentParallelism(maximumSlices: slices)
            return RecurrentInference(network: network).splitsSingleSequences
        }
        XCTAssertTrue(splits(.lstm, hidden: 128))
        XCTAssertTrue(splits(.gru, hidden: 128))
        XCTAssertFalse(splits(.lstm, hidden: 32))
        XCTAssertFalse(splits(.rnn, hidden: 256))
        XCTAssertFalse(splits(.lstm, hidden: 128, slices: 1))
    }

    private func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
    }
}
