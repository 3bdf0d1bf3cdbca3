import ArgumentParser

/// The `loom` command-line tool.
@main
struct Loom: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loom",
        abstract: "Loom: text sentiment and generation workbench.",
        subcommands: [TokenizeCommand.self, VocabCommand.self]
    )
}
