import Foundation

/// How `loom serve` runs: where it listens, which models it loads, who may call it, how work is batched and
/// scheduled, and the limits that keep one request from taking the server down.
public struct ServerConfiguration: Sendable {
    /// Loopback by default; `0.0.0.0` is an explicit choice (a warning is printed without an API key).
    public var host = "127.0.0.1"
    /// 0 picks a free port (printed when the server is up).
    public var port = 8080
    /// Model name → folder. Requests can name only these, never a path.
    public var models: [(name: String, folder: URL)] = []
    /// When set, every endpoint but the health checks and the playground page needs `Authorization: Bearer KEY`.
    public var apiKey: String?
    /// The origin allowed to call from a browser (CORS); nil sends no CORS headers.
    public var corsOrigin: String?
    /// Log the texts and prompts of requests (off: logs carry ids, sizes and timings only).
    public var logTexts = false
    public var limits = Limits()
    public var scheduling = Scheduling()

    public init() {}

    /// The request limits; each violation is a 4xx JSON error, never a crash.
    public struct Limits: Sendable {
        /// Largest request body in bytes.
        public var maxBodyBytes = 1 << 20
        /// Most texts in one classify request.
        public var maxTexts = 256
        /// Most characters in one text (classify).
        public var maxCharacters = 100_000
        /// Most characters in a prompt (each is one step of the model before the first generated one).
        public var maxPromptCharacters = 4_000
        /// Most characters one generate request may ask for.
        public var maxGenerateLength = 10_000
        /// Most stop texts per generate request, and most characters in each.
        public var maxStops = 8
        public var maxStopCharacters = 100
        /// Most integrated-gradients steps one explain request may ask for (and the adaptive doubling's cap):
        /// an explanation's time grows with them.
        public var maxExplainSteps = 256

        public init() {}
    }

    /// Threads, batching and queues.
    public struct Scheduling: Sendable {
        /// Classify workers per sentiment model, each with its own scratch. One worker spreads each batch
        /// (or a lone review's hidden units) over the cores; with more, each runs on its own thread alone.
        public var classifyWorkers = 1
        /// Threads that take turns over all running generations (default: one per core).
        public var generationThreads = ProcessInfo.processInfo.activeProcessorCount
        /// Most texts in one classify batch.
        public var maxBatch = 256
        /// Longest a classify request waits for others to share its batch, in seconds, and only under load.
        public var maxBatchWait = 0.002
        /// Most texts waiting per sentiment model; beyond it requests get 503 with Retry-After.
        public var maxQueuedTexts = 4_096
        /// Most generations at once; beyond it requests get 503 with Retry-After.
        public var maxGenerations = 64
        /// Most explain requests waiting or running per sentiment model (they run one at a time); beyond it
        /// requests get 503 with Retry-After.
        public var maxQueuedExplanations = 16
        /// Characters a generation produces per turn before the next one runs.
        public var generationChunk = 16
        /// A request still queued, or a generation still running, after this many seconds ends with 503 (or,
        /// for a stream already started, with `stop_reason: "deadline"`).
        public var deadline = 30.0
        /// A connection with nothing read or written for this many seconds is closed (stalled clients).
        public var idleTimeout = 30.0

        public init() {}
    }
}
