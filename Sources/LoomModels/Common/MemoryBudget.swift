import Foundation
import LoomNN

/// A check, before training allocates anything, that the model and one step's activations fit in this
/// machine's memory — so `--hidden 4096 --layers 8` is a clear error, not the kernel's OOM killer an hour
/// into the run. Estimates count Float32 bytes: weights, gradients and Adam's two moments (4 × parameters)
/// plus what one step keeps for its backward pass.
public enum MemoryBudget {
    /// Physical memory in bytes (sysconf), or nil when unknown.
    public static var physicalMemory: Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        return Checked.product(pages, size)
    }

    /// Throws `invalidOption` when `bytes` (nil: beyond Int) exceeds 80% of physical memory.
    public static func check(_ bytes: Int?, what: String) throws {
        guard let memory = physicalMemory else { return }
        let limit = memory / 10 * 8
        guard let bytes, bytes <= limit else {
            let needed = bytes.map { String(format: "%.1f GB", Double($0) / 1e9) } ?? "more than this machine can address"
            throw ModelError.invalidOption("\(what) would need about \(needed), more than 80% of this machine's \(String(format: "%.1f", Double(memory) / 1e9)) GB; use smaller --hidden, --layers, --embedding, --batch-size or --seq-length/--max-length")
        }
    }

    /// Bytes for training a network of `parameters` with `activations` floats kept per step.
    public static func trainingBytes(parameters: Int?, activationsPerStep: Int?) -> Int? {
        Checked.product(Checked.sum(Checked.product(parameters, 4), Checked.product(activationsPerStep, 3)), 4)
    }
}

extension SentimentConfiguration {
    /// Floats one training step keeps for a batch of `batchSize` reviews of `maxLength` tokens: embedded
    /// tokens, and per layer and direction the gates, cell and hidden states.
    func activationsPerStep(batchSize: Int) -> Int? {
        let directions = bidirectional ? 2 : 1
        let perToken = Checked.sum(embeddingSize, Checked.product(Checked.product(hiddenSize, cell.gateCount + 2),
                                                                  Checked.product(layers, directions)))
        return Checked.product(Checked.product(batchSize, maxLength), perToken)
    }
}

extension CharModelConfiguration {
    /// Floats one training step keeps for `batchSize` lanes of `sequenceLength` characters: embeddings,
    /// per layer the gates, cell and hidden states, and the logits with their gradient.
    func activationsPerStep(batchSize: Int, sequenceLength: Int) -> Int? {
        let perCharacter = Checked.sum(Checked.sum(embeddingSize, Checked.product(2, vocabularySize)),
                                       Checked.product(Checked.product(hiddenSize, cell.gateCount + 2), layers))
        return Checked.product(Checked.product(batchSize, sequenceLength), perCharacter)
    }
}
