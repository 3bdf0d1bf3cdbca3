import ArgumentParser
import Foundation
import LoomModels
import LoomNN

/// `loom info`: what a model folder holds — its network layer by layer (Keras' `model.summary()`) and, from
/// `training.json`, how it was made.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a model: its layers, shapes and parameter count, and how it was trained.",
        discussion: """
        Loads the model (so a damaged folder is an error, as for any other command), then prints every \
        parameter tensor with its PyTorch name and shape, the parameter count, the configuration, and the \
        training record (`training.json`: options, data path, size and fingerprint, class counts, Loom version, \
        BLAS kernel, wall time, final metrics) when the folder has one. --json prints it all as one JSON object.

        Examples:
          loom info --model imdb-sentiment
          loom info --model models/shakespeare --json
        """)

    @Option(help: ArgumentHelp("A bundled model name (see `loom models`) or a model folder.", valueName: "name|dir"))
    var model: String = BundledModels.defaultSentiment

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reportingErrors { try describe() }
    }

    private func describe() throws {
        let folder = try BundledModels.resolve(model, defaultName: BundledModels.defaultSentiment)
        let directory = ModelDirectory(folder)
        let files = try directory.readFiles(required: ["config.json"], optional: ["training.json"])
        let config = try jsonObject(files["config.json"]!, source: directory.configURL)
        let kind = config["kind"] as? String ?? "unknown"
        let parameters: [Parameter]
        switch kind {
        case SentimentConfiguration.kind: parameters = try SentimentModelFiles.load(from: directory).model.parameters
        case CharModelConfiguration.kind: parameters = try CharModelFiles.load(from: directory).model.parameters
        default: throw ModelError.wrongModelKind(folder, found: kind, expected: "sentiment or charrnn")
        }
        let training = try files["training.json"].map { try jsonObject($0, source: directory.file("training.json")) }
        let total = parameters.reduce(0) { $0 + $1.value.count }
        if json {
            var object: [String: Any] = [
                "model": folder.path, "kind": kind, "config": config, "parameters": total,
                "tensors": parameters.map { ["name": $0.name, "shape": $0.value.shape, "parameters": $0.value.count] },
            ]
            object["training"] = training
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("model      \(folder.path) (\(kind))")
        if config["task"] as? String == "regression", let scale = config["ratingScale"] as? [String: Any] {
            print("predicts   a rating from \(scale["minimum"] ?? "?") to \(scale["maximum"] ?? "?") (--task regression)")
        } else if let classes = config["classes"] as? [String] {
            print("classes    \(classes.joined(separator: ", "))")
        }
        let nameWidth = max(24, (parameters.map(\.name.count).max() ?? 0) + 2)
        print("")
        print("tensor".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "shape".padding(toLength: 18, withPad: " ", startingAt: 0) + "parameters")
        for parameter in parameters {
            let shape = "[" + parameter.value.shape.map(String.init).joined(separator: ", ") + "]"
            print(parameter.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                  + shape.padding(toLength: 18, withPad: " ", startingAt: 0) + grouped(parameter.value.count))
        }
        print("total parameters \(grouped(total))")
        print("")
        print("config     " + describeFlat(config, skipping: ["kind", "formatVersion", "classes"]))
        guard let training else {
            print("training   no training.json (trained by an older Loom, or converted)")
            return
        }
        if let options = training["options"] as? [String: Any] { print("options    " + describeFlat(options)) }
        if let data = training["data"] as? [String: Any] { print("data       " + describeFlat(data)) }
        if let metrics = training["metrics"] as? [String: Any] { print("metrics    " + describeFlat(metrics)) }
        var run: [String] = []
        if let version = training["loomVersion"] as? String { run.append("Loom \(version)") }
        if let core = training["blasCore"] as? String { run.append("BLAS core \(core)") }
        if let started = training["started"] as? String { run.append("started \(started)") }
        if let seconds = training["seconds"] as? Double { run.append("trained \(ProgressReporter.duration(seconds))") }
        if let reason = training["stopReason"] as? String { run.append("stopped: \(reason)") }
        print("run        " + run.joined(separator: ", "))
    }

    private func jsonObject(_ data: Data, source: URL) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.corruptFile(source, reason: "not a JSON object")
        }
        return object
    }

    /// `key value, key value, …` in key order; nested objects inline.
    private func describeFlat(_ object: [String: Any], skipping: Set<String> = []) -> String {
        object.keys.sorted().filter { !skipping.contains($0) }.map { key in
            let value = object[key]!
            if let nested = value as? [String: Any] { return "\(key) {\(describeFlat(nested))}" }
            if let list = value as? [Any] { return "\(key) [\(list.map { "\($0)" }.joined(separator: ", "))]" }
            return "\(key) \(value)"
        }.joined(separator: ", ")
    }

    private func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}
