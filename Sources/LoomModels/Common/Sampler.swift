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

/// Discourages repeats before a character is drawn, with Hugging Face transformers' semantics:
///
/// - `penalty` R (`--repetition-penalty`): the logit of every symbol among the last `window` symbols
///   (prompt included) is divided by R when positive and multiplied by R when negative, so R > 1 makes
///   repeats less likely and R = 1 changes nothing (transformers' `RepetitionPenaltyLogitsProcessor`, over a
///   window because a character model repeats letters all the time).
/// - `noRepeatNgram` n (`--no-repeat-ngram`): a symbol that would complete an n-gram already present in the
///   text (prompt included; the last `ngramSearch` symbols) gets probability 0 (`NoRepeatNGramLogitsProcessor`).
///   If that would ban every symbol, the ban is lifted for that step rather than leaving nothing to draw.
public struct RepetitionControl: Equatable, Sendable {
    public var penalty: Float
    public var window: Int
    public var noRepeatNgram: Int?
    /// How far back n-grams are looked for.
    public static let ngramSearch = 10_000

    /// No control: the logits are used as they are.
    public static let none = RepetitionControl(unchecked: 1, window: 64, noRepeatNgram: nil)

    private init(unchecked penalty: Float, window: Int, noRepeatNgram: Int?) {
        (self.penalty, self.window, self.noRepeatNgram) = (penalty, window, noRepeatNgram)
    }

    /// Validates: penalty finite and > 0, window 1…1,000,000, n-gram size 1…100.
    public init(penalty: Float = 1, window: Int = 64, noRepeatNgram: Int? = nil) throws {
        guard penalty.isFinite, penalty > 0 else {
            throw ModelError.invalidOption("--repetition-penalty must be positive (1 = off, above 1 discourages repeats), got \(penalty)")
        }
        guard window >= 1 && window <= 1_000_000 else {
            throw ModelError.invalidOption("--repetition-window must be between 1 and 1000000, got \(window)")
        }
        if let n = noRepeatNgram, n < 1 || n > 100 {
            throw ModelError.invalidOption("--no-repeat-ngram must be between 1 and 100, got \(n)")
        }
        self.penalty = penalty
        self.window = window
        self.noRepeatNgram = noRepeatNgram
    }

    public var isActive: Bool { penalty != 1 || noRepeatNgram != nil }

    /// Symbols of history that `adjust` may read: enough for both rules.
    public var historyNeeded: Int { noRepeatNgram == nil ? window : max(window, Self.ngramSearch) }

    /// Applies both rules to `logits` given the symbols so far (oldest first).
    public func adjust(_ logits: inout [Float], history: ArraySlice<Int>) {
        if penalty != 1 {
            var seen = Set<Int>()
            for id in history.suffix(window) where id < logits.count && seen.insert(id).inserted {
                logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty
            }
        }
        if let n = noRepeatNgram, history.count >= n - 1 {
            let ids = history.suffix(Self.ngramSearch), prefix = ids.suffix(n - 1)
            var banned = Set<Int>()
            if ids.count >= n {
                for start in ids.startIndex...(ids.endIndex - n) where ids[start..<(start + n - 1)].elementsEqual(prefix) {
                    banned.insert(ids[start + n - 1])
                }
            }
            let allowed = (0..<logits.count).filter { !banned.contains($0) && logits[$0] > -Float.infinity }
            if !allowed.isEmpty {
                for id in banned where id < logits.count { logits[id] = -Float.infinity }
            }
        }
    }

}
