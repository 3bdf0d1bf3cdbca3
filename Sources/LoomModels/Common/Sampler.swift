import Foundation
import LoomTensor

/// How the next character is drawn from the model's scores: temperature, top-k and nucleus (top-p)
/// filtering as in common text generators. Temperature 0 means greedy (always the most likely).
public struct SamplingStrategy: Equatable, Sendable {
    public var temperature: Float
    public var topK: Int?
    public var topP: Float?

    /// Validates the settings: temperature ≥ 0, top-k ≥ 1, top-p in (0, 1].
    public init(temperature: Float = 1, topK: Int? = nil, topP: Float? = nil) throws {
        guard temperature.isFinite, temperature >= 0 else {
            throw ModelError.invalidOption("--temperature must be 0 (greedy) or positive, got \(temperature)")
        }
        if let k = topK, k < 1 { throw ModelError.invalidOption("--top-k must be at least 1, got \(k)") }
        if let p = topP, !(p > 0 && p <= 1) { throw ModelError.invalidOption("--top-p must be in (0, 1], got \(p)") }
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    /// The distribution actually sampled from: softmax(logits / temperature), restricted to the `topK`
    /// most likely entries, then to the smallest set whose probability reaches `topP`, renormalised.
    /// Ties in probability are broken by the lower index, so the result is deterministic.
    public func distribution(logits: [Float]) -> [Float] {
        let n = logits.count
        guard n > 0 else { return [] }
        if temperature == 0 {
            var best = 0
            for i in 1..<n where logits[i] > logits[best] { best = i }
            var one = [Float](repeating: 0, count: n)
            one[best] = 1
            return one
        }
        let maxLogit = logits.max() ?? 0
        var probabilities = logits.map { Float(exp(Double(($0 - maxLogit) / temperature))) }
        var kept = Array(0..<n)
        if topK != nil || topP != nil {
            kept.sort { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
            if let k = topK, k < n { kept = Array(kept.prefix(k)) }
            if let p = topP {
                let total = kept.reduce(0.0) { $0 + Double(probabilities[$1]) }
                var cumulative = 0.0
                var cut = kept.count
                for (position, index) in kept.enumerated() {
                    cumulative += Double(probabilities[index]) / total
                    if cumulative >= Double(p) - 1e-7 { cut = position + 1; break }
                }
                kept = Array(kept.prefix(cut))
            }
            var filtered = [Float](repeating: 0, count: n)
            for index in kept { filtered[index] = probabilities[index] }
            probabilities = filtered
        }
        let sum = probabilities.reduce(0, +)
        return probabilities.map { $0 / sum }
    }

    /// Draws an index from `distribution(logits:)` using `rng`.
    public func sample(logits: [Float], rng: inout SeededGenerator) -> Int {
        let probabilities = distribution(logits: logits)
        if temperature == 0 { return probabilities.firstIndex(of: 1) ?? 0 }
        let u = rng.nextUniform()
        var cumulative: Float = 0
        var lastNonZero = 0
        for (index, p) in probabilities.enumerated() where p > 0 {
            cumulative += p
            lastNonZero = index
            if u < cumulative { return index }
        }
        return lastNonZero
    }
}
