import ArgumentParser
import LoomModels

// TEMPORARY root command of the `char` branch, so the character-model commands can be built and tested
// before the real root lands: when merging, keep the real root and add `CharRNNCommand.self` and
// `SampleCommand.self` to its subcommands.
struct LoomCharBranchRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loom", abstract: "Loom text workbench (char branch).",
        subcommands: [CharRNNCommand.self, SampleCommand.self])
}

LoomCharBranchRoot.main()
