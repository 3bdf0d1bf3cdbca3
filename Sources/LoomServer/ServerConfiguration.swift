import Foundation

/// How `loom serve` runs: where it listens, which models it loads, who may call it and the limits that
/// keep one request from taking the server down.
public struct ServerConfiguration: Sendable {
    /// Loopback by default; `0.0.0.0` is an explicit choice (a warning is printed without an API key).
    public var host = "127.0.0.1"
    /// 0 picks a free port (printed when the server is up).
    public var port = 8080
    /// Model name → folder. Requests can name only these, never a path.
    public var models: [(name: String, folder: URL)] = []
    /// When set, every endpoint but the health checks needs `Authorization: Bearer KEY`.
    public var apiKey: String?
    public var limits = Limits()

    public init() {}

    /// The request limits; each violation is a 4xx JSON error, never a crash.
    public struct Limits: Sendable {
        /// Largest request body in bytes.
        public var maxBodyBytes = 1 << 20
        /// Most texts in one classify request.
        public var maxTexts = 256
        /// Most characters in one text (classify) or prompt (generate).
        public var maxCharacters = 100_000
        /// Most characters one generate request may ask for.
        public var maxGenerateLength = 10_000

        public init() {}
    }
}
