import Foundation
import LoomModels
import LoomNN
import LoomTensor

/// One training step (forward + backward + Adam) at the two shapes, as ../shared/peers/peer_torch.py
/// times them: sentiment B=64, T=200, V=20,000, E=128, H=128, Dense 1 (mean pooling and last state);
/// char B=32, T=100, V=65, E=64, 2 layers of 256, clipping at 5.
func runTrainStepBenchmark(arguments: [String]) throws {
    let cells = (option("cell", in: arguments) ?? "lstm,gru").split(separator: ",").compactMap { CellKind(rawValue: String($0)) }
    let repeats = Int(option("repeats", in: arguments) ?? "15") ?? 15
    let which = option("which", in: arguments) ?? "sent,char"
    for cell in cells {
        let gates = cell == .lstm ? 4 : cell == .gru ? 3 : 1
        if which.contains("sent") {
            let poolings = (option("pool", in: arguments) ?? "mean,last").split(separator: ",").compactMap { Pooling(rawValue: String($0)) }
            for pooling in poolings {
                var configuration = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: 20_000)
                configuration.cell = cell
                configuration.pooling = pooling
                configuration.bidirectional = false
                configuration.dropout = 0
                configuration.embeddingDropout = 0
                configuration.maxLength = 200
                var rng = SeededGenerator(seed: 0)
                let model = try SentimentModel(configuration, rng: &rng)
                let sequences = (0..<64).map { _ in (0..<200).map { _ in Int32(1 + rng.next() % 19_999) } }
                let batch = PaddedBatch(sequences: sequences, maxLength: 200)
                let targets = (0..<64).map { _ in Int32(rng.next() % 2) }
                let adam = Adam(learningRate: 1e-3)
                let seconds = medianSeconds(warmup: 3, repeats: repeats) {
                    zeroGradients(model.parameters)
                    let logits = model.forward(batch, training: true, rng: &rng)
                    model.backward(model.trainingLoss(logits: logits, targets: targets).gradient)
                    adam.step(model.parameters)
                }
                // Recurrent GEMM work: input projection + recurrent product, ×3 for forward + two backward products.
                let flops = 3.0 * 2.0 * Double(64 * 200) * Double(gates * 128) * Double(128 + 128)
                emit(["bench": "sentiment_train_step", "cell": cell.rawValue, "pool": pooling.rawValue,
                      "batch": 64, "length": 200, "seconds": seconds, "tokens_per_s": Double(64 * 200) / seconds,
                      "gflops": flops / seconds / 1e9])
            }
        }
        if which.contains("char") {
            // The char shape: 2×256 by default, or --hidden/--layers (the recipe's 2×384).
            let H = Int(option("hidden", in: arguments) ?? "256") ?? 256
            let L = Int(option("layers", in: arguments) ?? "2") ?? 2
            var rng = SeededGenerator(seed: 0)
            let embedding = Embedding(vocabularySize: 65, dimension: 64, paddingIndex: nil, rng: &rng)
            let network = RecurrentNetwork(RecurrentConfiguration(cell: cell, inputSize: 64, hiddenSize: H, layers: L),
                                           rng: &rng)
            let head = Dense(inputSize: H, outputSize: 65, rng: &rng)
            let parameters = embedding.parameters + network.parameters + head.parameters
            let inputs = (0..<3200).map { _ in Int32(rng.next() % 65) }
            let targets = (0..<3200).map { _ in Int32(rng.next() % 65) }
            let adam = Adam(learningRate: 2e-3)
            let seconds = medianSeconds(warmup: 3, repeats: repeats) {
                zeroGradients(parameters)
                let x = embedding.forward(inputs).reshaped([100, 32, 64])
                let (output, _) = network.forward(x, training: true, rng: &rng)
                let logits = head.forward(output.reshaped([3200, H]))
                let (_, gradient) = Loss.softmaxCrossEntropy(logits, targets: targets)
                let gradOutput = head.backward(gradient).reshaped([100, 32, H])
                embedding.backward(network.backward(gradOutput: gradOutput, gradFinal: nil).reshaped([3200, 64]))
                GradientClipping.clipGlobalNorm(parameters, maxNorm: 5)
                adam.step(parameters)
            }
            let perLayer = Double(gates * H) * (Double(64 + H) + Double(L - 1) * Double(2 * H))
            let flops = 3.0 * 2.0 * 3200 * perLayer + 3.0 * 2.0 * 3200 * Double(H) * 65
            emit(["bench": "char_train_step", "cell": cell.rawValue, "batch": 32, "length": 100, "layers": L, "hidden": H,
                  "seconds": seconds, "chars_per_s": 3200.0 / seconds, "gflops": flops / seconds / 1e9])
        }
    }
}
