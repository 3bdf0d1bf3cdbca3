import Foundation
import Hummingbird
import LoomModels
import Logging
import NIOCore

/// Turns every error into `{"error": {"code", "message"}}` with its status; unknown errors are 500s
/// whose message does not leak internals beyond the error's description.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try json(ErrorBody(error: .init(code: error.code, message: error.message)), status: .init(code: error.status))
        } catch let error as ServerBusy {
            var response = try json(ErrorBody(error: .init(code: "overloaded", message: error.message)), status: .serviceUnavailable)
            response.headers[.retryAfter] = "1"
            return response
        } catch let error as DeadlineExceeded {
            var response = try json(ErrorBody(error: .init(code: "deadline_exceeded",
                                                           message: "the request waited more than \(error.seconds) s for a worker")),
                                    status: .serviceUnavailable)
            response.headers[.retryAfter] = "1"
            return response
        } catch let error as ModelError {
            // Input the model cannot take (a prompt character it never saw, …): the client's to fix.
            switch error {
            case .invalidData, .invalidOption:
                return try json(ErrorBody(error: .init(code: "invalid_request", message: "\(error)")), status: .badRequest)
            default:
                return try json(ErrorBody(error: .init(code: "internal", message: "\(error)")), status: .internalServerError)
            }
        } catch let error as HTTPError where error.status == .notFound && ServerMetrics.methods(of: request.uri.path) != nil {
            // A known path with a method it does not take.
            let allowed = ServerMetrics.methods(of: request.uri.path) ?? ""
            var response = try json(ErrorBody(error: .init(code: "method_not_allowed", message: "\(request.uri.path) takes \(allowed)")),
                                    status: .methodNotAllowed)
            response.headers[.allow] = allowed
            return response
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
        // The health checks, the playground page (static HTML; its calls carry the key) and CORS pre-flights.
        let path = request.uri.path
        if path.hasPrefix("/v2/health/") || path == "/" || request.method == .options { return try await next(request, context) }
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

/// One structured log line per request (request id, method, route, status, sizes, milliseconds; never the
/// texts) and the request metrics.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let route = ServerMetrics.route(of: request.uri.path)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorMiddleware turns everything into a response; this is the router's own failure.
            response = try json(ErrorBody(error: .init(code: "internal", message: "\(error)")), status: .internalServerError)
        }
        let elapsed = ContinuousClock.now - started
        metrics.recordRequest(route: route, status: response.status.code, duration: elapsed)
        let (seconds, attoseconds) = elapsed.components
        let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": "\(request.method)", "route": "\(route)", "status": "\(response.status.code)",
            "bytes_in": "\(request.headers[.contentLength] ?? "0")",
            "bytes_out": "\(response.body.contentLength.map(String.init) ?? "stream")",
            "ms": "\(String(format: "%.2f", milliseconds))",
        ])
        return response
    }
}
