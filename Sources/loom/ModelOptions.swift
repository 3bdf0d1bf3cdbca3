import ArgumentParser
import Foundation
import LoomModels

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
