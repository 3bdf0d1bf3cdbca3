import Foundation
import Hummingbird
import LoomModels
import Logging
import NIOCore

/// `loom serve`: the models behind an HTTP API — a plain JSON API (`/v1`) and KServe's Open Inference
/// Protocol v2 (`/v2`) — on Hummingbird. Models are loaded once at start; each is an actor, so requests to
/// one model take turns while different models run side by side. Every error is JSON
/// `{"error": {"code", "message"}}` with a 4xx/5xx status.
public struct LoomHTTPServer: Sendable {
    let configuration: ServerConfiguration
    let registry: ModelRegistry

    /// Loads the models (errors name the folder at fault).
    public init(_ configuration: ServerConfiguration) throws {
        self.configuration = configuration
        registry = try ModelRegistry(configuration.models)
    }

    /// Serves until SIGINT or SIGTERM, which drain in-flight requests first. `onListening` gets the bound
    /// port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "loom.serve")
        logger.logLevel = .info
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "loom"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        let registry = self.registry, limits = configuration.limits

        router.get("/v2/health/live") { _, _ in try json(["live": true]) }
        router.get("/v2/health/ready") { _, _ in try json(["ready": true]) }
        router.get("/v2/models/:name") { _, context in
            let name = try context.parameters.require("name")
            guard let kind = registry.kind(of: name) else { throw APIError(status: 404, code: "model_not_found", message: "no model named '\(name)' is loaded") }
            let texts = ModelMetadata.Tensor(name: "text", datatype: "BYTES", shape: [-1])
            let outputs = kind == SentimentConfiguration.kind
                ? [ModelMetadata.Tensor(name: "label", datatype: "BYTES", shape: [-1]), .init(name: "probability", datatype: "FP32", shape: [-1])]
                : [ModelMetadata.Tensor(name: "text", datatype: "BYTES", shape: [-1])]
            return try json(ModelMetadata(name: name, inputs: [texts], outputs: outputs))
        }
        router.get("/v2/models/:name/ready") { _, context in
            let name = try context.parameters.require("name")
            guard registry.kind(of: name) != nil else { throw APIError(status: 404, code: "model_not_found", message: "no model named '\(name)' is loaded") }
            return try json(["name": name, "ready": "true"])
        }
        router.post("/v2/models/:name/infer") { request, context in
            let name = try context.parameters.require("name")
            let body = try await decode(InferRequest.self, from: request, limits: limits)
            guard body.inputs.count == 1, let input = body.inputs.first, input.datatype == "BYTES" else {
                throw APIError.badRequest("give one BYTES input tensor holding the texts")
            }
            guard input.shape == [input.data.count] else {
                throw APIError.badRequest("the input's shape \(input.shape) does not match its \(input.data.count) texts")
            }
            let service = try registry.sentimentModel(name)
            let results = await service.classify(try checkedTexts(input.data, limits: limits))
            return try json(InferResponse(model_name: name, id: body.id, outputs: [
                .init(name: "label", datatype: "BYTES", shape: [results.count], data: .strings(results.map(\.label))),
                .init(name: "probability", datatype: "FP32", shape: [results.count], data: .floats(results.map(\.probability))),
            ]))
        }
        router.get("/v1/models") { _, _ in
            try json(ModelList(models: registry.order.map { ModelEntry(name: $0, kind: registry.kind(of: $0) ?? "", card: registry.cards[$0]) }))
        }
        router.post("/v1/classify") { request, _ in
            let body = try await decode(ClassifyRequest.self, from: request, limits: limits)
            let service = try registry.sentimentModel(body.model)
            let results = await service.classify(try checkedTexts(body.texts, limits: limits))
            return try json(ClassifyResponse(model: service.name, results: results))
        }
        router.post("/v1/generate") { request, _ in
            let body = try await decode(GenerateRequest.self, from: request, limits: limits)
            let service = try registry.generationModel(body.model)
            let length = body.length ?? 200
            guard length >= 0 && length <= limits.maxGenerateLength else {
                throw APIError.badRequest("\"length\" must be between 0 and \(limits.maxGenerateLength), got \(length)")
            }
            guard body.prompt.count <= limits.maxCharacters else {
                throw APIError(status: 413, code: "too_large", message: "the prompt is longer than \(limits.maxCharacters) characters")
            }
            let strategy: SamplingStrategy
            do {
                strategy = try SamplingStrategy(temperature: body.temperature ?? 0.8, topK: body.top_k, topP: body.top_p)
            } catch {
                throw APIError.badRequest("\(error)".replacingOccurrences(of: "--top-k", with: "top_k")
                    .replacingOccurrences(of: "--top-p", with: "top_p").replacingOccurrences(of: "--temperature", with: "temperature"))
            }
            let seed = body.seed ?? 42
            try await service.check(prompt: body.prompt)
            let started = Date()
            guard body.stream == true else {
                let text = try await service.generate(prompt: body.prompt, length: length, strategy: strategy, seed: seed) { _ in }
                return try json(GenerateResponse(model: service.name, prompt: body.prompt, text: text,
                                                 characters: text.count, seconds: Date().timeIntervalSince(started)))
            }
            // Server-sent events: one `data:` event per chunk, then a final `event: done` with the totals.
            let (chunks, continuation) = AsyncStream.makeStream(of: String.self)
            let generation = Task {
                defer { continuation.finish() }
                return try await service.generate(prompt: body.prompt, length: length, strategy: strategy, seed: seed) {
                    continuation.yield($0)
                }
            }
            let model = service.name, prompt = body.prompt
            let stream = ResponseBody { writer in
                for await chunk in chunks {
                    try await writer.write(ByteBuffer(string: "data: \(try encodeJSON(["text": chunk]))\n\n"))
                }
                switch await generation.result {
                case .success(let text):
                    let done = GenerateResponse(model: model, prompt: prompt, text: text, characters: text.count,
                                                seconds: Date().timeIntervalSince(started))
                    try await writer.write(ByteBuffer(string: "event: done\ndata: \(try encodeJSON(done))\n\n"))
                case .failure(let error):
                    let body = ErrorBody(error: .init(code: "generation_failed", message: "\(error)"))
                    try await writer.write(ByteBuffer(string: "event: error\ndata: \(try encodeJSON(body))\n\n"))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: stream)
        }
        return router
    }
}

/// Texts checked against the limits: count, size, emptiness.
func checkedTexts(_ texts: [String], limits: ServerConfiguration.Limits) throws -> [String] {
    guard !texts.isEmpty else { throw APIError.badRequest("\"texts\" is empty; give at least one text") }
    guard texts.count <= limits.maxTexts else {
        throw APIError(status: 413, code: "too_large", message: "\(texts.count) texts, at most \(limits.maxTexts) per request")
    }
    for (index, text) in texts.enumerated() {
        if text.count > limits.maxCharacters {
            throw APIError(status: 413, code: "too_large", message: "text \(index) is longer than \(limits.maxCharacters) characters")
        }
        if text.allSatisfy(\.isWhitespace) { throw APIError.badRequest("text \(index) is empty") }
    }
    return texts
}

/// The request body decoded as `T`, with the size limit, UTF-8 and JSON errors as 4xx answers.
func decode<T: Decodable>(_ type: T.Type, from request: Request, limits: ServerConfiguration.Limits) async throws -> T {
    var request = request
    let buffer: ByteBuffer
    do {
        buffer = try await request.collectBody(upTo: limits.maxBodyBytes)
    } catch {
        throw APIError(status: 413, code: "too_large", message: "the request body is larger than \(limits.maxBodyBytes) bytes")
    }
    let data = Data(buffer.readableBytesView)
    guard String(data: data, encoding: .utf8) != nil else { throw APIError.badRequest("the request body is not valid UTF-8", code: "invalid_utf8") }
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
        throw APIError.badRequest("the JSON does not fit this endpoint: \(describe(error))", code: "invalid_json")
    } catch {
        throw APIError.badRequest("the body is not JSON", code: "invalid_json")
    }
}

private func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
        return "field \"\(path(context))\" has the wrong type"
    case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "field \"\(path(context))\" is invalid"
    @unknown default: return "\(error)"
    }
}

func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: try encodeJSON(value))))
}

/// Turns every error into `{"error": {"code", "message"}}` with its status; unknown errors are 500s
/// whose message does not leak internals beyond the error's description.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try json(ErrorBody(error: .init(code: error.code, message: error.message)), status: .init(code: error.status))
        } catch let error as ModelError {
            // Input the model cannot take (a prompt character it never saw, …): the client's to fix.
            switch error {
            case .invalidData, .invalidOption:
                return try json(ErrorBody(error: .init(code: "invalid_request", message: "\(error)")), status: .badRequest)
            default:
                return try json(ErrorBody(error: .init(code: "internal", message: "\(error)")), status: .internalServerError)
            }
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : (error.status == .methodNotAllowed ? "method_not_allowed" : "http_\(error.status.code)")
            return try json(ErrorBody(error: .init(code: code, message: error.body ?? error.status.reasonPhrase)), status: error.status)
        } catch {
            return try json(ErrorBody(error: .init(code: "internal", message: "\(error)")), status: .internalServerError)
        }
    }
}

/// `Authorization: Bearer KEY` on every endpoint but the health checks, compared in constant time.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.hasPrefix("/v2/health/") { return try await next(request, context) }
        let given = request.headers[.authorization] ?? ""
        guard constantTimeEqual(Array(given.utf8), Array("Bearer \(key)".utf8)) else {
            throw APIError(status: 401, code: "unauthorized", message: "this server needs Authorization: Bearer <key>")
        }
        return try await next(request, context)
    }
}

/// Equality that takes the same time wherever the first difference is (the length still shows).
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt8(a.count == b.count ? 0 : 1)
    for index in 0..<max(a.count, b.count) {
        difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
    }
    return difference == 0
}
