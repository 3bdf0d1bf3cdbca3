import Foundation

/// `loom-bench BENCHMARK [ARGS…]`: runs one benchmark, printing JSON lines.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "tokenize":
        try runTokenizerBenchmark(arguments: Array(arguments.dropFirst()))
    case "chars":
        try runCharVocabularyBenchmark(arguments: Array(arguments.dropFirst()))
    default:
        FileHandle.standardError.write(Data("usage: loom-bench tokenize [PATH] [--repeats N] [--threads T] | chars [PATH] [--repeats N]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
