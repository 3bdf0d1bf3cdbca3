import Foundation
import LoomModels

// loom-bench SUBCOMMAND [options]: dispatch only; each benchmark lives in its own file.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "recurrent":
        try runRecurrentBenchmark(arguments: Array(arguments.dropFirst()))
    default:
        print("usage: loom-bench recurrent [--repeats N] [--cells lstm,gru] [--threads N] [--slices N]")
        exit(arguments.isEmpty ? 0 : 2)
    }
} catch {
    FileHandle.standardError.write(Data("loom-bench: \(error)\n".utf8))
    exit(1)
}
