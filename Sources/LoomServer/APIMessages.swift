import Foundation
import LoomModels

// The JSON of the HTTP API (`/v1/*`) and of KServe's Open Inference Protocol v2 (`/v2/*`).

/// `{"error": {"code", "message"}}`, the body of every error response.
struct ErrorBody: Codable, Sendable {
    struct Detail: Codable, Sendable {
        var code: String
        var message: String
    }
    var error: Detail
}

struct ClassifyRequest: Decodable, Sendable {
    var model: String?
    var texts: [String]
}

/// One text's prediction: a classifier's label and probabilities, or a rating model's (`--task regression`)
/// rating alone.
struct ClassifyResult: Codable, Sendable {
    var label: String?
    var probability: Float?
    var probabilities: [String: Float]?
    var rating: Float?
}

struct ClassifyResponse: Codable, Sendable {
    var model: String
    var results: [ClassifyResult]
}

struct ExplainRequest: Decodable, Sendable {
    var model: String?
    var text: String
    /// "ig" (default), "occlusion" or "attention".
    var method: String?
    var target: String?
    var steps: Int?
}

struct ExplainResponse: Encodable, Sendable {
    var model: String
    var label: String
    var probability: Float
    var probabilities: [String: Float]
    var explanation: Explanation
}

struct GenerateRequest: Decodable, Sendable {
    var model: String?
    var prompt: String
    var length: Int?
    /// Doubles, so that a number too large for a Float is an out-of-range error, not a JSON error.
    var temperature: Double?
    var top_k: Int?
    var top_p: Double?
    var seed: UInt64?
    var stop: StopTexts?
    var stream: Bool?
}

/// `"stop"`: one text or a list of texts.
struct StopTexts: Decodable, Sendable {
    var texts: [String]

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) { texts = [one] } else { texts = try container.decode([String].self) }
    }
}

struct GenerateResponse: Codable, Sendable {
    var model: String
    var prompt: String
    var text: String
    var characters: Int
    /// "length", "stop", "deadline" or "cancelled".
    var stop_reason: String
    var seconds: Double
}

struct ModelEntry: Codable, Sendable {
    var name: String
    var kind: String
    /// A sentiment model's task: "classes" or "regression" (a rating per text); nil for a character model.
    var task: String?
    var card: ModelCard?
}

struct ModelList: Codable, Sendable {
    var models: [ModelEntry]
}

/// KServe v2 `POST /v2/models/{name}/infer` request: one BYTES input holding the texts.
struct InferRequest: Decodable, Sendable {
    struct Input: Decodable, Sendable {
        var name: String
        var datatype: String
        var shape: [Int]
        var data: [String]
    }
    var id: String?
    var inputs: [Input]
}

struct InferResponse: Encodable, Sendable {
    struct Output: Encodable, Sendable {
        var name: String
        var datatype: String
        var shape: [Int]
        var data: OutputData
    }
    enum OutputData: Encodable, Sendable {
        case strings([String])
        case floats([Float])
        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .strings(let values): try container.encode(values)
            case .floats(let values): try container.encode(values)
            }
        }
    }
    var model_name: String
    var id: String?
    var outputs: [Output]
}

struct ModelMetadata: Encodable, Sendable {
    struct Tensor: Encodable, Sendable {
        var name: String
        var datatype: String
        var shape: [Int]
    }
    var name: String
    var platform = "loom"
    var versions = ["1"]
    var inputs: [Tensor]
    var outputs: [Tensor]
}
