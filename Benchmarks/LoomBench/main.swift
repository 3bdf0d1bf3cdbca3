import Foundation
import LoomTensor

/// `loom-bench PART [options]`: Loom's speed benchmarks, one JSON line per figure on stdout.
/// Run them all (with the PyTorch/Keras peers) through `Benchmarks/run.sh`.
let parts: [String: ([String]) throws -> Void] = [
    "blas": runBLASBenchmark,
    "train-step": runTrainStepBenchmark,
    "classify": runClassifyBenchmark,
    "tokenize": runTokenizerBenchmark,
    "chars": runCharVocabularyBenchmark,
    "recurrent": runRecurrentBenchmark,
    "inference": runInferenceBenchmark,
    "sample": runSamplingBenchmark,
    "explain": runExplainBenchmark,
    "branches": runBranchesBenchmark,
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let part = arguments.first, let run = parts[part] else {
    FileHandle.standardError.write(Data("usage: loom-bench \(parts.keys.sorted().joined(separator: "|")) [options]\n".utf8))
    exit(2)
}
// As `loom` does at start: reuse freed buffers rather than fault in fresh pages every step.
let retained = Machine.retainFreedMemory()
FileHandle.standardError.write(Data("\(BLAS.summary)\(retained ? "" : "; allocator settings left as the environment set them")\n".utf8))
do {
    try run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
