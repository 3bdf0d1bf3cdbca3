import Foundation
import Prometheus

/// The server's Prometheus metrics (`GET /metrics`, text format): requests by endpoint and status, latency
/// histograms, the classify queue's depth and batch sizes, and the generations in flight.
///
/// Endpoints are labelled by route ("/v2/models/{name}/infer"), never by the raw path, so that a scan of
/// random URLs cannot grow the label set.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let queueDepth: Gauge
    private let batchTexts: ValueHistogram
    private let batchRequests: ValueHistogram
    private let activeGenerations: Gauge
    let generatedCharacters: Counter

    static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    init() {
        queueDepth = registry.makeGauge(descriptor: Self.name("classify_queue_texts", "Texts waiting for a classify worker."))
        batchTexts = registry.makeValueHistogram(descriptor: Self.name("classify_batch_texts", "Texts per classify batch."),
                                                 buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
        batchRequests = registry.makeValueHistogram(descriptor: Self.name("classify_batch_requests", "Requests per classify batch."),
                                                    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256])
        activeGenerations = registry.makeGauge(descriptor: Self.name("generations_active", "Generations running or waiting for their turn."))
        generatedCharacters = registry.makeCounter(descriptor: Self.name("generated_characters_total", "Characters generated."))
    }

    private static func name(_ metric: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "loom", metricName: metric, unitName: "", helpText: help)
    }

    private static let requests = name("http_requests_total", "HTTP requests by endpoint and status.")
    private static let latency = name("http_request_duration_seconds", "Time from request to response head.")

    /// The route a path belongs to (the metrics label), or "other".
    static func route(of path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        switch parts.count {
        case 0: return "/"
        case 2 where parts[0] == "v1" && ["classify", "generate", "models"].contains(parts[1]): return path
        case 3 where parts[0] == "v2" && parts[1] == "health" && ["live", "ready"].contains(parts[2]): return path
        case 3 where parts[0] == "v2" && parts[1] == "models": return "/v2/models/{name}"
        case 4 where parts[0] == "v2" && parts[1] == "models" && ["ready", "infer"].contains(parts[3]):
            return "/v2/models/{name}/\(parts[3])"
        case 1 where ["metrics", "openapi.json"].contains(parts[0]): return path
        default: return "other"
        }
    }

    /// The methods a known route takes ("GET", "POST"), or nil for a path the server does not serve.
    static func methods(of path: String) -> String? {
        switch route(of: path) {
        case "other": return nil
        case "/v1/classify", "/v1/generate", "/v2/models/{name}/infer": return "POST"
        default: return "GET"
        }
    }

    func recordRequest(route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("endpoint", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("endpoint", route)], buckets: Self.latencyBuckets).record(duration)
    }

    func recordBatch<Output>(_ report: MicroBatcher<Output>.BatchReport) {
        batchTexts.record(Double(report.texts))
        batchRequests.record(Double(report.requests))
        queueDepth.set(Double(report.queuedTexts))
    }

    /// The gauges as they are now (set when /metrics is read).
    func setGauges(queuedTexts: Int, activeGenerations: Int) {
        queueDepth.set(Double(queuedTexts))
        self.activeGenerations.set(Double(activeGenerations))
    }

    func text() -> String {
        registry.emitToString()
    }
}
