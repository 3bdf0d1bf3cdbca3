import Foundation
import LoomNN
import LoomTensor

/// The recurrent part of classification alone: one review of `--length` tokens (default 230) at batch 1,
/// and a batch of 256, through `RecurrentInference` with and without per-token projection tables.
func runInferenceBenchmark(arguments: [String]) throws {
    let length = Int(option("length", in: arguments) ?? "230") ?? 230
    let cells = (option("cell", in: arguments) ?? "lstm,gru").split(separator: ",").compactMap { CellKind(rawValue: String($0)) }
    for cell in cells {
        var rng = SeededGenerator(seed: 0)
        let network = RecurrentNetwork(RecurrentConfiguration(cell: cell, inputSize: 128, hiddenSize: 128), rng: &rng)
        let embedding = Tensor(shape: [20_000, 128], data: (0..<(20_000 * 128)).map { _ in rng.nextNormal() })
        for batch in [1, 256] {
            let tokens = (0..<(length * batch)).map { _ in Int32(1 + rng.next() % 19_999) }
            let inference = RecurrentInference(network: network)
            for tabled in [false, true] {
                if tabled { inference.precomputeInputProjections(embedding: embedding) }
                let seconds = medianSeconds(warmup: 3, repeats: batch == 1 ? 201 : 7) {
                    _ = inference.outputs(tokens: tokens, steps: length, batch: batch, mask: nil, embedding: embedding)
                }
                emit(["bench": "recurrent_inference", "cell": cell.rawValue, "batch": batch, "length": length,
                      "projection_table": tabled, "ms": seconds * 1e3, "reviews_per_s": Double(batch) / seconds])
            }
        }
    }
}
