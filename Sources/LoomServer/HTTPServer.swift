import Foundation
import Hummingbird
import LoomModels
import LoomTensor
import Logging
import NIOCore

/// `loom serve`: the models behind an HTTP API — a plain JSON API (`/v1`), KServe's Open Inference
/// Protocol v2 (`/v2`), Prometheus metrics, an OpenAPI description and a web playground — on Hummingbird.
///
/// Models are loaded once at start and shared read-only. Classify requests go through a `MicroBatcher` per
/// model (worker threads with their own scratch); generations through one `GenerationScheduler`, which
/// takes turns over them. Compute runs on those threads, never on the event loops or Swift's cooperative
/// pool, and OpenBLAS is set to one thread once at start. Every error is JSON `{"error": {"code", "message"}}`
/// with a 4xx/5xx status; full queues answer 503 with `Retry-After` at once.
public struct LoomHTTPServer: Sendable {
    let configuration: ServerConfiguration
    let registry: ModelRegistry
    let metrics: ServerMetrics
    let scheduler: GenerationScheduler

    /// Loads the models (errors name the folder at fault) and starts the worker threads.
    public init(_ configuration: ServerConfiguration) throws {
        self.configuration = configuration
        // Batch-1 steps and the workers' batches are too small to gain from OpenBLAS's threads; the workers
        // are the parallelism. Set once, for the life of the process.
        BLAS.threads = 1
        let metrics = ServerMetrics()
        self.metrics = metrics
        let scheduling = configuration.scheduling
        registry = try ModelRegistry(
            configuration.models, workers: scheduling.classifyWorkers,
            batching: .init(maxBatch: scheduling.maxBatch, maxWait: scheduling.maxBatchWait,
                            maxQueued: scheduling.maxQueuedTexts, deadline: scheduling.deadline),
            maxQueuedExplanations: scheduling.maxQueuedExplanations, metrics: metrics)
        scheduler = GenerationScheduler(threads: scheduling.generationThreads, maxActive: scheduling.maxGenerations,
                                        chunkCharacters: scheduling.generationChunk)
    }

    /// Serves until SIGINT or SIGTERM, which stop accepting connections, let in-flight requests finish, then
    /// return. `onListening` gets the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "loom.serve")
        logger.logLevel = .info
        let idle = TimeAmount.nanoseconds(Int64(configuration.scheduling.idleTimeout * 1e9))
        let app = Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "loom"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
        for service in registry.sentiment.values { service.batcher.close() }
        scheduler.close()
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestLogMiddleware(metrics: metrics))
        if let origin = configuration.corsOrigin {
            router.add(middleware: CORSMiddleware(allowOrigin: .custom(origin), allowHeaders: [.accept, .authorization, .contentType, .origin],
                                                  allowMethods: [.get, .post, .options]))
        }
        router.add(middleware: ErrorMiddleware())
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        let registry = self.registry, limits = configuration.limits, metrics = self.metrics
        let logTexts = configuration.logTexts

        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(string: Playground.html)))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        let scheduler = self.scheduler
        router.get("/metrics") { _, _ in
            metrics.setGauges(queuedTexts: registry.sentiment.values.reduce(0) { $0 + $1.batcher.queued },
                              activeGenerations: scheduler.activeJobs)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        router.get("/v2/health/live") { _, _ in try json(["live": true]) }
        router.get("/v2/health/ready") { _, _ in try json(["ready": true]) }
        router.get("/v2/models/:name") { _, context in
            let name = try modelName(context)
            guard let kind = registry.kind(of: name) else { throw APIError.modelNotFound(name) }
            let texts = ModelMetadata.Tensor(name: "text", datatype: "BYTES", shape: [-1])
            let outputs: [ModelMetadata.Tensor]
            if kind != SentimentConfiguration.kind {
                outputs = [.init(name: "text", datatype: "BYTES", shape: [-1])]
            } else if try registry.sentimentModel(name).isRegression {
                outputs = [.init(name: "rating", datatype: "FP32", shape: [-1])]
            } else {
                outputs = [.init(name: "label", datatype: "BYTES", shape: [-1]), .init(name: "probability", datatype: "FP32", shape: [-1])]
            }
            return try json(ModelMetadata(name: name, inputs: [texts], outputs: outputs))
        }
        router.get("/v2/models/:name/ready") { _, context in
            let name = try modelName(context)
            guard registry.kind(of: name) != nil else { throw APIError.modelNotFound(name) }
            return try json(["name": name, "ready": "true"])
        }
        router.post("/v2/models/:name/infer") { request, context in
            let name = try modelName(context)
            let body = try await decode(InferRequest.self, from: request, limits: limits)
            guard body.inputs.count == 1, let input = body.inputs.first, input.datatype == "BYTES" else {
                throw APIError.badRequest("give one BYTES input tensor holding the texts")
            }
            guard input.shape == [input.data.count] else {
                throw APIError.badRequest("the input's shape \(input.shape) does not match its \(input.data.count) texts")
            }
            let service = try registry.sentimentModel(name)
            let results = try await service.classify(try checkedTexts(input.data, limits: limits))
            if logTexts { context.logger.info("texts", metadata: ["texts": "\(input.data)"]) }
            if service.isRegression {
                return try json(InferResponse(model_name: name, id: body.id, outputs: [
                    .init(name: "rating", datatype: "FP32", shape: [results.count], data: .floats(results.map { $0.rating ?? .nan })),
                ]))
            }
            return try json(InferResponse(model_name: name, id: body.id, outputs: [
                .init(name: "label", datatype: "BYTES", shape: [results.count], data: .strings(results.map { $0.label ?? "" })),
                .init(name: "probability", datatype: "FP32", shape: [results.count], data: .floats(results.map { $0.probability ?? .nan })),
            ]))
        }
        router.get("/v1/models") { _, _ in
            try json(ModelList(models: registry.order.map { name in
                ModelEntry(name: name, kind: registry.kind(of: name) ?? "",
                           task: registry.sentiment[name].map { $0.isRegression ? "regression" : "classes" }, card: registry.cards[name])
            }))
        }
        router.post("/v1/classify") { request, context in
            let body = try await decode(ClassifyRequest.self, from: request, limits: limits)
            let service = try registry.sentimentModel(body.model)
            let results = try await service.classify(try checkedTexts(body.texts, limits: limits))
            if logTexts { context.logger.info("texts", metadata: ["texts": "\(body.texts)"]) }
            return try json(ClassifyResponse(model: service.name, results: results))
        }
        router.post("/v1/explain") { request, context in
            let body = try await decode(ExplainRequest.self, from: request, limits: limits)
            let service = try registry.sentimentModel(body.model)
            let text = try checkedTexts([body.text], limits: limits)[0]
            let options = try ExplanationOptions(body, maxSteps: limits.maxExplainSteps)
            if logTexts { context.logger.info("texts", metadata: ["texts": "\([body.text])"]) }
            let explanation: Explanation
            do {
                explanation = try await service.explain(text, options: options)
            } catch let error as ModelError {
                throw APIError.badRequest("\(error)".replacingOccurrences(of: "--target", with: "\"target\"")
                    .replacingOccurrences(of: "--explain ", with: "method "))
            }
            return try json(ExplainResponse(
                model: service.name, label: explanation.prediction.label, probability: explanation.prediction.probability,
                probabilities: Dictionary(uniqueKeysWithValues: zip(service.classes, explanation.prediction.probabilities)),
                explanation: explanation))
        }
        router.post("/v1/generate") { request, context in
            let body = try await decode(GenerateRequest.self, from: request, limits: limits)
            let service = try registry.generationModel(body.model)
            let settings = try GenerationSettings(body, limits: limits)
            try service.check(prompt: body.prompt)
            if logTexts { context.logger.info("prompt", metadata: ["prompt": "\(body.prompt)"]) }
            return try await generate(settings, service: service, stream: body.stream == true)
        }
        return router
    }

    /// Runs one generation through the scheduler: the whole text as JSON, or server-sent events — one
    /// `data: {"text": …}` event per chunk, then `event: done` with the totals (or `event: error`).
    func generate(_ settings: GenerationSettings, service: GenerationService, stream: Bool) async throws -> Response {
        let started = ContinuousClock.now
        let deadline = MicroBatcher<Int>.now() + configuration.scheduling.deadline
        let scheduler = self.scheduler, metrics = self.metrics
        @Sendable func start(twoThreads: Bool) throws -> CharGeneration {
            try service.makeGeneration(prompt: settings.prompt, length: settings.length, strategy: settings.strategy,
                                       seed: settings.seed, twoThreads: twoThreads)
        }
        @Sendable func response(_ outcome: GenerationOutcome) -> GenerateResponse {
            metrics.generatedCharacters.increment(by: Int64(outcome.text.count))
            return GenerateResponse(model: service.name, prompt: settings.prompt, text: outcome.text, characters: outcome.text.count,
                                    stop_reason: outcome.stopReason.rawValue, seconds: (ContinuousClock.now - started).seconds)
        }
        guard stream else {
            let outcome: GenerationOutcome = try await withCheckedThrowingContinuation { continuation in
                let job = GenerationJob(start: start, stops: settings.stops, deadline: deadline, onChunk: { _ in },
                                        onFinish: { continuation.resume(with: $0) })
                do { try scheduler.submit(job) } catch { continuation.resume(throwing: error) }
            }
            return try json(response(outcome))
        }
        enum Event: Sendable {
            case chunk(String)
            case finished(Result<GenerationOutcome, Error>)
        }
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let job = GenerationJob(start: start, stops: settings.stops, deadline: deadline,
                                onChunk: { continuation.yield(.chunk($0)) },
                                onFinish: { continuation.yield(.finished($0)); continuation.finish() })
        try scheduler.submit(job)
        let body = ResponseBody { writer in
            do {
                for await event in events {
                    switch event {
                    case .chunk(let text):
                        try await writer.write(ByteBuffer(string: "data: \(try encodeJSON(["text": text]))\n\n"))
                    case .finished(.success(let outcome)):
                        try await writer.write(ByteBuffer(string: "event: done\ndata: \(try encodeJSON(response(outcome)))\n\n"))
                    case .finished(.failure(let error)):
                        let body = ErrorBody(error: .init(code: "generation_failed", message: "\(error)"))
                        try await writer.write(ByteBuffer(string: "event: error\ndata: \(try encodeJSON(body))\n\n"))
                    }
                }
                try await writer.finish(nil)
            } catch {
                job.cancel()  // the client went away: free the generation's turn at once
                throw error
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

/// A generate request's settings, checked against the limits.
struct GenerationSettings: Sendable {
    var prompt: String
    var length: Int
    var strategy: SamplingStrategy
    var seed: UInt64
    var stops: [String]

    init(_ body: GenerateRequest, limits: ServerConfiguration.Limits) throws {
        prompt = body.prompt
        length = body.length ?? 200
        guard length >= 0 && length <= limits.maxGenerateLength else {
            throw APIError.badRequest("\"length\" must be between 0 and \(limits.maxGenerateLength), got \(length)")
        }
        guard prompt.count <= limits.maxPromptCharacters else {
            throw APIError(status: 413, code: "too_large", message: "the prompt is longer than \(limits.maxPromptCharacters) characters")
        }
        do {
            strategy = try SamplingStrategy(temperature: Float(body.temperature ?? 0.8), topK: body.top_k, topP: body.top_p.map { Float($0) })
        } catch {
            throw APIError.badRequest("\(error)".replacingOccurrences(of: "--top-k", with: "top_k")
                .replacingOccurrences(of: "--top-p", with: "top_p").replacingOccurrences(of: "--temperature", with: "temperature"))
        }
        seed = body.seed ?? 42
        stops = body.stop?.texts ?? []
        guard stops.count <= limits.maxStops else { throw APIError.badRequest("at most \(limits.maxStops) stop texts, got \(stops.count)") }
        if let long = stops.first(where: { $0.count > limits.maxStopCharacters }) {
            throw APIError.badRequest("stop text \"\(long.prefix(20))…\" is longer than \(limits.maxStopCharacters) characters")
        }
        if stops.contains(where: \.isEmpty) { throw APIError.badRequest("a stop text is empty") }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The `{name}` of a `/v2/models/{name}` path, percent-decoded.
func modelName(_ context: some RequestContext) throws -> String {
    let raw = try context.parameters.require("name")
    return raw.removingPercentEncoding ?? raw
}
