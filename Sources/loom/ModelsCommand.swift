import ArgumentParser
import Foundation
import LoomModels
import LoomNN

/// `loom models`: the bundled pretrained models and their figures.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the bundled pretrained models: data, size, parameters and their test figures.",
        discussion: """
        Bundled models work without training: `loom classify "text"` uses imdb-sentiment and \
        `loom sample --prompt "ROMEO:"` uses shakespeare; `--model NAME` picks one by name, `--model PATH` \
        a folder. Each model folder holds a MODEL_CARD.md with its data, recipe and limits. See \
        `loom models --help` for where the models are looked for (LOOM_MODELS_DIR overrides).

        Examples:
          loom models
          loom models --json
        """)

    @Flag(help: "Print one JSON line per model.")
    var json = false

    struct Entry: Encodable {
        var name: String
        var path: String
        var bytes: Int
        var card: ModelCard
    }

    func run() throws {
        try reportingErrors {
            guard let root = BundledModels.root() else {
                _ = try BundledModels.resolve(nil, defaultName: BundledModels.defaultSentiment)  // throws the "looked in" error
                return
            }
            var entries: [Entry] = []
            for name in BundledModels.names(in: root) {
                let folder = root.appendingPathComponent(name)
                let card = try BundledModels.card(in: folder)
                let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                let bytes = files.reduce(0) { total, file in
                    total + ((try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(file).path)[.size] as? Int) ?? 0)
                }
                entries.append(Entry(name: name, path: folder.path, bytes: bytes, card: card))
            }
            if json {
                for entry in entries { try printJSONLine(entry) }
                return
            }
            print("bundled models in \(root.path):")
            for entry in entries {
                let metrics = entry.card.metrics.keys.sorted().map { "\($0) \(String(format: "%.4f", entry.card.metrics[$0]!))" }
                print("")
                print("\(entry.name)  (\(entry.card.kind), \(entry.card.parameters) parameters, \(entry.card.dtype), \(String(format: "%.1f", Double(entry.bytes) / 1e6)) MB)")
                print("  \(entry.card.summary)")
                print("  data: \(entry.card.data)")
                print("  \(metrics.joined(separator: ", "))")
            }
        }
    }
}

/// `loom convert`: store a model's weights as F16, BF16 or F32.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Rewrite a model folder with its weights stored as f16, bf16 or f32 (PyTorch-loadable either way).",
        discussion: """
        The model is loaded and checked, then written to --out with the weights in the new type; config, \
        vocabulary, log, curves and model card are copied (a resume/ part is not: resume from the f32 folder). \
        F16 halves the file with about three significant decimal digits per weight; the largest change is \
        printed. --out follows the same rules as training: it may not be the input, and an existing folder \
        must be a model of the same kind (or --force).

        Examples:
          loom convert --model models/imdb --dtype f16 --out models/imdb-f16
        """)

    @Option(help: ArgumentHelp("Model folder (or bundled model name) to convert.", valueName: "dir"))
    var model: String

    @Option(help: "Storage type: f16, bf16 or f32.")
    var dtype: String

    @Option(help: ArgumentHelp("Folder to write.", valueName: "dir"))
    var out: String

    @Flag(help: "Replace --out even when it is not a model folder of the same kind.")
    var force = false

    func run() throws {
        try reportingErrors {
            guard let storage = SafeTensors.StorageType(rawValue: dtype.uppercased()) else {
                throw ValidationError("--dtype must be f16, bf16 or f32, got \(dtype)")
            }
            let source = try BundledModels.resolve(model, defaultName: BundledModels.defaultSentiment)
            let output = try OutputCheck.url(forPath: out)
            struct Header: Decodable { var kind: String }
            let kind = try ModelDirectory(source).readJSON(Header.self, from: "config.json").kind
            try OutputCheck(kind: kind, inputs: [source], force: force).check(output)
            let result = try ModelConversion.convert(ModelDirectory(source), to: ModelDirectory(output), dtype: storage)
            print("wrote \(output.path): \(result.kind) model, weights as \(storage.rawValue) (largest change of a weight \(String(format: "%.3g", result.maxChange)))")
        }
    }
}
