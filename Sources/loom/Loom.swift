import ArgumentParser
import LoomModels
import LoomTensor

/// The `loom` command: sentiment classification and character-level text generation.
@main
struct Loom: ParsableCommand {
    static let version = LoomVersion.current

    static let configuration = CommandConfiguration(
        commandName: "loom",
        abstract: "Text sentiment and generation workbench: tokenize, train and run LSTM/GRU models on CPU.",
        discussion: """
        Typical use (bundled models, no training):
          loom classify "A warm, funny and moving film."
          loom sample --prompt "ROMEO:"
          loom models

        Training your own:
          loom tokenize "I didn't like it 😴"
          loom vocab build corpora/tales.txt --out vocab/tales.txt
          loom sentiment train --data ../shared/datasets/imdb/train.tsv --out models/imdb
          loom classify --model models/imdb "A warm, funny and moving film."
          loom charrnn train --corpus corpora/tales.txt --out models/tales
          loom sample --model models/tales --prompt "MILLER:"

        Run `loom help <command>` for each command's options. Exit status: 0 success, 1 bad input or \
        model files, 2 training diverged, 64 bad option, 73 refused output path, 130/143 interrupted \
        (docs/ERRORS.md).
        """,
        version: Loom.versionText,
        subcommands: [
            TokenizeCommand.self,
            VocabCommand.self,
            SentimentCommand.self,
            ClassifyCommand.self,
            CharRNNCommand.self,
            SampleCommand.self,
            ModelsCommand.self,
            InfoCommand.self,
            EncodeCommand.self,
            ConvertCommand.self,
            ServeCommand.self,
        ]
    )

    /// Keeps freed memory in the heap for the whole process before any command runs (see
    /// `Machine.retainFreedMemory`): training steps, evaluation and file-mode batches reuse their buffers.
    static func main() {
        Machine.retainFreedMemory()
        main(Self.defaultingOptionalValues(Array(CommandLine.arguments.dropFirst())))
    }

    /// Options whose value may be left out, and the value then meant: `--explain` alone is `--explain ig`.
    /// (ArgumentParser has no optional-value options.) `--explain=METHOD` and `--explain METHOD` pass as
    /// they are; anything after `--` is left alone.
    static let optionalValueDefaults = ["--explain": (values: AttributionMethod.allCases.map(\.rawValue), default: "ig")]

    static func defaultingOptionalValues(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            result.append(argument)
            if argument == "--" {
                result.append(contentsOf: arguments[(index + 1)...])
                break
            }
            if let option = optionalValueDefaults[argument] {
                let next = index + 1 < arguments.count ? arguments[index + 1] : nil
                if next.map({ !option.values.contains($0) }) ?? true { result.append(option.default) }
            }
            index += 1
        }
        return result
    }

    static var versionText: String {
        "loom \(version)\n\(BLAS.summary)"
    }
}
