import Foundation
import LoomNN
import LoomTensor

/// Rewrites a model folder with its weights stored in another element type (`loom convert`): the model
/// is loaded and checked first (so a damaged folder is never copied), the weights are written as
/// `dtype`, and config, vocabulary, logs, curves, the training record and card are copied unchanged (the
/// record says how the weights were trained; `loom info` shows it). A `resume/` part is not carried over: it
/// holds training state that belongs to the F32 run.
public enum ModelConversion {
    /// Files copied as they are when present.
    static let copied = ["config.json", "vocab.txt", "train-log.jsonl", "train-log.csv", "curves.svg", "training.json",
                         "card.json", "MODEL_CARD.md"]

    /// Converts `source` into `output` (replaced atomically); returns the model kind and the largest
    /// change any weight underwent.
    @discardableResult
    public static func convert(_ source: ModelDirectory, to output: ModelDirectory,
                               dtype: SafeTensors.StorageType) throws -> (kind: String, maxChange: Float) {
        let files = try source.readFiles(required: ["config.json", "model.safetensors"], optional: copied)
        struct Header: Decodable { var kind: String }
        let kind = try ModelDirectory.decodeJSON(Header.self, from: files["config.json"]!, source: source.configURL).kind
        let parameters: [Parameter]
        switch kind {
        case SentimentConfiguration.kind: parameters = try SentimentModelFiles.load(from: source).model.parameters
        case CharModelConfiguration.kind: parameters = try CharModelFiles.load(from: source).model.parameters
        default: throw ModelError.wrongModelKind(source.url, found: kind, expected: "sentiment or charrnn")
        }
        if dtype == .f16, let big = parameters.first(where: { $0.value.data.contains { abs($0) > 65504 } }) {
            throw ModelError.invalidOption("tensor '\(big.name)' holds values beyond F16's range (±65504); convert to bf16 or f32 instead")
        }
        var tensors: [String: Tensor] = [:]
        var maxChange: Float = 0
        for parameter in parameters {
            tensors[parameter.name] = parameter.value
            for value in parameter.value.data {
                let stored: Float
                switch dtype {
                case .f32: stored = value
                case .f16: stored = Float(Float16(value))
                case .bf16: stored = Float(bitPattern: UInt32(SafeTensors.bfloat16Bits(value)) << 16)
                }
                maxChange = max(maxChange, abs(stored - value))
            }
        }
        try output.replace { staging in
            for name in copied where name != "card.json" { if let data = files[name] { try staging.writeFile(data, to: name) } }
            if let data = files["card.json"] {
                var card = try ModelDirectory.decodeJSON(ModelCard.self, from: data, source: source.file("card.json"))
                card.dtype = dtype.rawValue
                try staging.writeJSON(card, to: "card.json")
            }
            do {
                try SafeTensors.write(tensors, metadata: ["format": "pt", "loom.kind": kind, "loom.dtype": dtype.rawValue],
                                      dtype: dtype, to: staging.weightsURL)
            } catch {
                throw ModelError.io(staging.weightsURL, reason: "cannot write: \(error)")
            }
        }
        return (kind, maxChange)
    }
}
