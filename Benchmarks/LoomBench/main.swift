import Foundation
import LoomModels

// `loom-bench <benchmark> [options]`.
let benchmarkArguments = Array(CommandLine.arguments.dropFirst())
switch benchmarkArguments.first {
case "sample":
    runSamplingBenchmark(arguments: Array(benchmarkArguments.dropFirst()))
default:
    print("usage: loom-bench sample [--chars N] [--repeats R] [--threads N] [--peer PYTHON] …")
}
