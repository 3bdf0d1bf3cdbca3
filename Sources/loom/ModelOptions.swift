import ArgumentParser
import Foundation
import LoomModels
import LoomText

/// `--model name|dir` for the commands that use a sentiment model (`classify`, `sentiment eval`): a bundled
/// model's name or a folder written by `loom sentiment train`; the bundled IMDB model without it.
struct SentimentModelOption: ParsableArguments {
    @Option(help: ArgumentHelp("A bundled model name (see `loom models`) or a folder written by `loom sentiment train`.", valueName: "name|dir"))
    var model: String = BundledModels.defaultSentiment

    /// The model folder `--model` names.
    func folder() throws -> URL { try BundledModels.resolve(model, defaultName: BundledModels.defaultSentiment) }
}

/// `--model name|dir` for the commands that use a character model (`sample`, `charrnn eval`): a bundled
/// model's name or a folder written by `loom charrnn train`; the bundled Tiny Shakespeare model without it.
struct CharModelOption: ParsableArguments {
    @Option(help: ArgumentHelp("A bundled model name (see `loom models`) or a folder written by `loom charrnn train`.", valueName: "name|dir"))
    var model: String = BundledModels.defaultCharacter

    /// The model folder `--model` names.
    func folder() throws -> URL { try BundledModels.resolve(model, defaultName: BundledModels.defaultCharacter) }
}

/// How labelled data files are read, shared by `sentiment train` and `sentiment eval`.
struct CorpusFormatOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read DATA as a table with a header row, fields separated by this one character (`,` `;` `|`, or `tab`).", valueName: "char"))
    var delimiter: String?

    @Option(name: .customLong("text-column"), help: ArgumentHelp("The header name (or JSON Lines key) of the text column.", valueName: "name"))
    var textColumn: String?

    @Option(name: .customLong("label-column"), help: ArgumentHelp("The header name (or JSON Lines key) of the label column.", valueName: "name"))
    var labelColumn: String?

    func validate() throws {
        if let delimiter {
            guard delimiterByte(delimiter) != nil else {
                throw ValidationError("--delimiter must be one ASCII character other than a quote or a line break (or `tab`), got \"\(delimiter)\"")
            }
        }
        if textColumn?.isEmpty == true || labelColumn?.isEmpty == true {
            throw ValidationError("--text-column and --label-column take a column name")
        }
    }

    /// Corpus options with these settings.
    func corpusOptions(split: CorpusSplit, lossy: Bool = false) -> CorpusOptions {
        CorpusOptions(split: split, lossy: lossy, delimiter: delimiter.flatMap(delimiterByte),
                      textColumn: textColumn, labelColumn: labelColumn)
    }

    private func delimiterByte(_ text: String) -> UInt8? {
        if text == "tab" || text == "\\t" || text == "\t" { return 0x09 }
        guard text.utf8.count == 1, let byte = text.utf8.first, byte < 0x80, byte != 0x22, byte != 0x0A, byte != 0x0D else { return nil }
        return byte
    }
}
