import Foundation
import Hummingbird
import LoomModels
import NIOCore

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
    case .dataCorrupted(let context):
        // Foundation reports a number that does not fit its field (1e39 for a Float, 1.5 for an integer) here
        // too, with the number in the description.
        let detail = context.debugDescription.isEmpty ? "" : " (\(context.debugDescription))"
        return context.codingPath.isEmpty ? "not valid JSON\(detail)" : "field \"\(path(context))\" is invalid\(detail)"
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


extension ExplanationOptions {
    /// The options of an explain request, with its method, target and steps checked (400 on a bad one).
    init(_ request: ExplainRequest, maxSteps: Int) throws {
        let methods = AttributionMethod.allCases.map(\.rawValue)
        guard let method = AttributionMethod(rawValue: request.method ?? "ig") else {
            throw APIError.badRequest("\"method\" must be one of \(methods.joined(separator: ", ")), got \"\(request.method ?? "")\"")
        }
        if let steps = request.steps, !(1...maxSteps).contains(steps) {
            throw APIError.badRequest("\"steps\" must be between 1 and \(maxSteps), got \(steps)")
        }
        if request.steps != nil && method != .integratedGradients {
            throw APIError.badRequest("\"steps\" applies to the \"ig\" method only")
        }
        self.init(method: method, target: request.target, steps: request.steps ?? 32, adaptiveSteps: request.steps == nil)
        self.maxSteps = maxSteps
    }
}
