import ArgumentParser
import Foundation
import LoomModels
import LoomServer

/// `loom serve`: the models behind an HTTP API.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP: a JSON API (/v1) and KServe's Open Inference Protocol v2 (/v2).",
        discussion: """
        Endpoints:
          GET  /v2/health/live, /v2/health/ready          liveness and readiness (no API key needed)
          GET  /v2/models/NAME, /v2/models/NAME/ready     KServe v2 model metadata and readiness
          POST /v2/models/NAME/infer                      {"inputs":[{"name":"text","datatype":"BYTES","shape":[N],"data":[...]}]}
          GET  /v1/models                                 the loaded models with their cards
          POST /v1/classify  {"model"?, "texts": [...]}   label, probability and every class's probability per text
          POST /v1/generate  {"model"?, "prompt", "length", "temperature", "top_k", "top_p", "seed", "stream"}
                                                          the text, or with "stream": true server-sent events
        "model" may be left out when one model of the needed kind is loaded. Errors are JSON
        {"error": {"code", "message"}} with a 4xx/5xx status. Without --model the bundled models are served.
        Binds to 127.0.0.1 unless --host says otherwise; SIGINT/SIGTERM drain in-flight requests and exit 0.

        Examples:
          loom serve --port 8080
          curl -s localhost:8080/v1/classify -d '{"texts": ["A wonderful, moving film."]}'
          curl -sN localhost:8080/v1/generate -d '{"prompt": "ROMEO:", "length": 200, "stream": true}'
          loom serve --model imdb=models/imdb --model tales=models/tales --api-key "$KEY"
        """)

    @Option(help: ArgumentHelp("Address to bind; 0.0.0.0 to accept other machines.", valueName: "host"))
    var host = "127.0.0.1"

    @Option(help: "TCP port; 0 picks a free one (printed at start).")
    var port = 8080

    @Option(name: .customLong("model"), help: ArgumentHelp("NAME=DIR, or a bundled model's name; repeatable. Default: every bundled model.", valueName: "name=dir"))
    var models: [String] = []

    @Option(name: .customLong("api-key"), help: ArgumentHelp("Require Authorization: Bearer KEY (also LOOM_API_KEY).", valueName: "key"))
    var apiKey: String?

    @Option(name: .customLong("max-texts"), help: "Most texts per classify request.")
    var maxTexts = 256

    @Option(name: .customLong("max-body"), help: "Largest request body in bytes.")
    var maxBody = 1 << 20

    func validate() throws {
        if port < 0 || port > 65_535 { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        if maxTexts < 1 || maxTexts > 100_000 { throw ValidationError("--max-texts must be between 1 and 100000, got \(maxTexts)") }
        if maxBody < 1024 || maxBody > 1 << 30 { throw ValidationError("--max-body must be between 1024 and 2^30 bytes, got \(maxBody)") }
    }

    func run() throws {
        try reportingErrors {
            var configuration = ServerConfiguration()
            configuration.host = host
            configuration.port = port
            configuration.apiKey = apiKey ?? ProcessInfo.processInfo.environment["LOOM_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            configuration.limits.maxTexts = maxTexts
            configuration.limits.maxBodyBytes = maxBody
            configuration.models = try resolvedModels()
            if configuration.apiKey == nil && host != "127.0.0.1" && host != "localhost" && host != "::1" {
                Stderr.write("warning: serving on \(host) without --api-key: anyone who can reach this address can use the models\n")
            }
            let server = try LoomHTTPServer(configuration)
            let finished = DispatchSemaphore(value: 0)
            let outcome = ServeOutcome()
            let names = configuration.models.map(\.name).joined(separator: ", ")
            Task {
                do {
                    try await server.run { port in
                        print("loom serve: listening on http://\(host):\(port) (models: \(names))")
                        fflush(stdout)
                    }
                } catch {
                    outcome.error = error
                }
                finished.signal()
            }
            finished.wait()
            if let error = outcome.error { throw error }
        }
    }

    /// `NAME=DIR` pairs, bundled names, or every bundled model.
    func resolvedModels() throws -> [(name: String, folder: URL)] {
        if models.isEmpty {
            guard let root = BundledModels.root() else {
                _ = try BundledModels.resolve(nil, defaultName: BundledModels.defaultSentiment)
                return []
            }
            return BundledModels.names(in: root).map { ($0, root.appendingPathComponent($0)) }
        }
        var seen = Set<String>()
        return try models.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let (name, folder): (String, URL)
            if parts.count == 2 {
                guard !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                    throw ValidationError("--model \(entry): the name must be letters, digits, '-', '_' or '.'")
                }
                (name, folder) = (parts[0], URL(commandLinePath: parts[1]))
            } else {
                (name, folder) = (entry, try BundledModels.resolve(entry, defaultName: BundledModels.defaultSentiment))
            }
            guard seen.insert(name).inserted else { throw ValidationError("--model: the name '\(name)' is given twice") }
            return (name, folder)
        }
    }
}

/// The server task's error, handed to the waiting command thread.
final class ServeOutcome: @unchecked Sendable {
    var error: Error?
}
