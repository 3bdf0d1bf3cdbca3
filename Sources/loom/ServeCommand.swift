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
          POST /v1/generate  {"model"?, "prompt", "length", "temperature", "top_k", "top_p", "seed", "stop", "stream"}
                                                          the text, or with "stream": true server-sent events
          GET  /metrics                                   Prometheus metrics
          GET  /openapi.json                              OpenAPI 3.1 description of the API
          GET  /                                          the web playground (open it in a browser)
        Concurrent classify requests are batched (--max-batch, --batch-wait-ms); generations take turns on
        --generation-threads threads. Full queues answer 503 with Retry-After at once (--max-queue, --max-generations, --max-explanations).
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

    @Option(help: ArgumentHelp("Allow browser calls from this origin (CORS), e.g. https://app.example.com.", valueName: "origin"))
    var cors: String?

    @Flag(name: .customLong("log-texts"), help: "Log the texts and prompts of requests (off: ids, sizes and timings only).")
    var logTexts = false

    @Option(name: .customLong("max-texts"), help: "Most texts per classify request.")
    var maxTexts = 256

    @Option(name: .customLong("max-body"), help: "Largest request body in bytes.")
    var maxBody = 1 << 20

    @Option(name: .customLong("max-batch"), help: "Most texts in one classify batch.")
    var maxBatch = 256

    @Option(name: .customLong("batch-wait-ms"), help: "Longest a classify request waits for others to share its batch (only under load).")
    var batchWaitMilliseconds = 2.0

    @Option(name: .customLong("max-queue"), help: "Most texts waiting per sentiment model; beyond it 503 with Retry-After.")
    var maxQueue = 4096

    @Option(name: .customLong("max-generations"), help: "Most generations at once; beyond it 503 with Retry-After.")
    var maxGenerations = 64

    @Option(name: .customLong("max-explanations"), help: ArgumentHelp("Most explain requests waiting or running per sentiment model (one runs at a time); beyond it 503 with Retry-After.", valueName: "n"))
    var maxExplanations = ServerConfiguration.Scheduling().maxQueuedExplanations

    @Option(name: .customLong("classify-workers"), help: ArgumentHelp("Classify workers per sentiment model: 1 spreads each batch over the cores; more run one thread each.", valueName: "n"))
    var classifyWorkers = ServerConfiguration.Scheduling().classifyWorkers

    @Option(name: .customLong("generation-threads"), help: ArgumentHelp("Threads that take turns over the running generations (default: one per core).", valueName: "n"))
    var generationThreads = ServerConfiguration.Scheduling().generationThreads

    @Option(name: .customLong("deadline"), help: ArgumentHelp("Seconds a request may wait or a generation run before it ends (503, or stop_reason \"deadline\").", valueName: "seconds"))
    var deadline = 30.0

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Seconds a connection may sit with nothing read or written before it is closed.", valueName: "seconds"))
    var idleTimeout = 30.0

    func validate() throws {
        if port < 0 || port > 65_535 { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        if maxTexts < 1 || maxTexts > 100_000 { throw ValidationError("--max-texts must be between 1 and 100000, got \(maxTexts)") }
        if maxBody < 1024 || maxBody > 1 << 30 { throw ValidationError("--max-body must be between 1024 and 2^30 bytes, got \(maxBody)") }
        if maxBatch < 1 || maxBatch > 4096 { throw ValidationError("--max-batch must be between 1 and 4096, got \(maxBatch)") }
        if !(batchWaitMilliseconds >= 0 && batchWaitMilliseconds <= 1000) {
            throw ValidationError("--batch-wait-ms must be between 0 and 1000, got \(batchWaitMilliseconds)")
        }
        if maxQueue < 1 || maxQueue > 1_000_000 { throw ValidationError("--max-queue must be between 1 and 1000000, got \(maxQueue)") }
        if maxQueue < maxTexts { throw ValidationError("--max-queue (\(maxQueue)) must hold at least one request of --max-texts (\(maxTexts)) texts") }
        if maxGenerations < 1 || maxGenerations > 10_000 { throw ValidationError("--max-generations must be between 1 and 10000, got \(maxGenerations)") }
        if maxExplanations < 1 || maxExplanations > 10_000 { throw ValidationError("--max-explanations must be between 1 and 10000, got \(maxExplanations)") }
        if classifyWorkers < 1 || classifyWorkers > 256 { throw ValidationError("--classify-workers must be between 1 and 256, got \(classifyWorkers)") }
        if generationThreads < 1 || generationThreads > 256 { throw ValidationError("--generation-threads must be between 1 and 256, got \(generationThreads)") }
        if !(deadline > 0 && deadline <= 86_400) { throw ValidationError("--deadline must be between 0 and 86400 seconds, got \(deadline)") }
        if !(idleTimeout > 0 && idleTimeout <= 86_400) { throw ValidationError("--idle-timeout must be between 0 and 86400 seconds, got \(idleTimeout)") }
        if let cors, cors.isEmpty || cors.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw ValidationError("--cors takes one origin such as https://app.example.com, got \"\(cors)\"")
        }
    }

    func run() throws {
        try reportingErrors {
            var configuration = ServerConfiguration()
            configuration.host = host
            configuration.port = port
            configuration.apiKey = apiKey ?? ProcessInfo.processInfo.environment["LOOM_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            configuration.limits.maxTexts = maxTexts
            configuration.limits.maxBodyBytes = maxBody
            configuration.corsOrigin = cors
            configuration.logTexts = logTexts
            configuration.scheduling.maxBatch = maxBatch
            configuration.scheduling.maxBatchWait = batchWaitMilliseconds / 1000
            configuration.scheduling.maxQueuedTexts = maxQueue
            configuration.scheduling.maxGenerations = maxGenerations
            configuration.scheduling.maxQueuedExplanations = maxExplanations
            configuration.scheduling.classifyWorkers = classifyWorkers
            configuration.scheduling.generationThreads = generationThreads
            configuration.scheduling.deadline = deadline
            configuration.scheduling.idleTimeout = idleTimeout
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
