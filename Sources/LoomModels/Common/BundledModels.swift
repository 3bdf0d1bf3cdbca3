import Foundation

/// What a bundled model says about itself (`card.json` beside its weights): where it came from and
/// how good it is, for `loom models` and the server's model list. The prose version is `MODEL_CARD.md`.
public struct ModelCard: Codable, Equatable, Sendable {
    public var name: String
    /// "sentiment" or "charrnn", as in config.json.
    public var kind: String
    public var summary: String
    /// The training data and its licence.
    public var data: String
    public var licence: String
    /// The exact command that made the model (see scripts/pretrain.sh).
    public var recipe: String
    public var parameters: Int
    /// Storage type of model.safetensors ("F16", "F32", …).
    public var dtype: String
    /// Named figures, e.g. "imdbTestAccuracy": 0.9002 or "validationLoss": 1.48.
    public var metrics: [String: Double]
    public var limitations: String
}

/// The pretrained models that ship with Loom, and how a `--model` argument is resolved.
///
/// `--model NAME` (no slash, not an existing folder) names a bundled model; anything else is a folder.
/// The bundled models' folder is looked for, in order: `$LOOM_MODELS_DIR`; `share/loom/models` beside the
/// executable's `bin/` (what `scripts/install.sh PREFIX` lays out); `loom-models/` beside the executable;
/// `bundled/` in a folder above the executable (a clone's `.build/release/loom` and `.build/debug/loom`);
/// `/usr/local/share/loom/models`; `/usr/share/loom/models`.
public enum BundledModels {
    /// The bundled sentiment model used when `classify` gets no `--model`.
    public static let defaultSentiment = "imdb-sentiment"
    /// The bundled character model used when `sample` gets no `--model`.
    public static let defaultCharacter = "shakespeare"

    /// The candidate folders, in search order.
    public static func searchPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        var out: [URL] = []
        if let custom = environment["LOOM_MODELS_DIR"], !custom.isEmpty { out.append(URL(fileURLWithPath: custom)) }
        if let executable = executableURL() {
            let folder = executable.deletingLastPathComponent()
            out.append(folder.deletingLastPathComponent().appendingPathComponent("share/loom/models"))
            out.append(folder.appendingPathComponent("loom-models"))
            var above = folder
            for _ in 0..<6 {
                above = above.deletingLastPathComponent()
                out.append(above.appendingPathComponent("bundled"))
                if above.path == "/" { break }
            }
        }
        out.append(URL(fileURLWithPath: "/usr/local/share/loom/models"))
        out.append(URL(fileURLWithPath: "/usr/share/loom/models"))
        var seen = Set<String>()
        return out.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// The running executable (`/proc/self/exe`), symbolic links resolved.
    static func executableURL() -> URL? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() }
        }
        return URL(fileURLWithPath: path)
    }

    /// The first folder of the search path that holds bundled models (a subfolder with `card.json`).
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        searchPath(environment: environment).first { !names(in: $0).isEmpty }
    }

    /// Names of the models in `root`: subfolders holding `card.json`, sorted.
    public static func names(in root: URL) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return [] }
        return entries.filter { !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("card.json").path) }.sorted()
    }

    /// Whether a `--model` argument names a bundled model rather than a folder.
    public static func isName(_ argument: String) -> Bool {
        !argument.isEmpty && !argument.contains("/") && argument != "." && argument != ".."
            && !FileManager.default.fileExists(atPath: argument)
    }

    /// The folder for a `--model` argument (a bundled name or a path); nil picks `defaultName`.
    public static func resolve(_ argument: String?, defaultName: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let argument = argument ?? defaultName
        guard isName(argument) else { return URL(fileURLWithPath: (argument as NSString).expandingTildeInPath) }
        guard let root = root(environment: environment) else {
            let looked = searchPath(environment: environment).map(\.path).joined(separator: ", ")
            throw ModelError.invalidData("no bundled models found (looked in \(looked)); give a model folder with --model DIR, set LOOM_MODELS_DIR, or reinstall with scripts/install.sh")
        }
        let available = names(in: root)
        guard available.contains(argument) else {
            throw ModelError.invalidOption("no bundled model named '\(argument)' (bundled: \(available.joined(separator: ", ")); a folder needs a path such as ./\(argument))")
        }
        return root.appendingPathComponent(argument)
    }

    /// The card of the model in `folder`.
    public static func card(in folder: URL) throws -> ModelCard {
        let directory = ModelDirectory(folder)
        return try directory.readJSON(ModelCard.self, from: "card.json")
    }
}
