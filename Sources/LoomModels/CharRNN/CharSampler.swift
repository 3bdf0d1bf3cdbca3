import Foundation
import LoomNN
import LoomTensor
import LoomText

/// One generated text.
public struct CharSample: Codable, Equatable, Sendable {
    /// The prompt as fed to the model (after dropping unknown characters, if asked to).
    public var prompt: String
    /// The generated continuation (without the prompt).
    public var text: String
    /// The continuation's characters, one entry each.
    public var characters: [String]
    /// Natural-log probability the model gave each generated character, from its raw softmax
    /// (temperature 1, before top-k/top-p filtering), so it measures the model, not the sampling settings.
    public var logProbabilities: [Float]
    /// "length" (all characters drawn) or "stop" (the text came to end with a stop text).
    public var stopReason = "length"
}

/// Generates text from a character model: feeds a prompt through the network, then draws characters one
/// at a time with a `SamplingStrategy` (temperature, top-k, top-p, greedy at temperature 0).
///
/// Prompt characters that the vocabulary lacks are an error naming them, unless `skipUnknown` is set,
/// which drops them (and reports which were dropped). An empty prompt samples unconditionally: the model
/// is fed a line break first (`unconditionalStart`), as if the text began after one — the state a corpus of
/// lines or paragraphs is in at every line's start; that line break is not part of the prompt or the text.
public final class CharSampler {
    public let model: CharLanguageModel
    public let vocabulary: CharVocabulary
    private let stepper: CharStepper

    public init(model: CharLanguageModel, vocabulary: CharVocabulary) {
        precondition(vocabulary.count == model.configuration.vocabularySize, "vocabulary does not match the model")
        self.model = model
        self.vocabulary = vocabulary
        stepper = model.makeStepper()
    }

    /// Loads a model folder written by `loom charrnn train`.
    public convenience init(directory: URL) throws {
        let (model, vocabulary) = try CharModelFiles.load(from: ModelDirectory(directory))
        self.init(model: model, vocabulary: vocabulary)
    }

    /// What an empty prompt feeds: a line break, or where the vocabulary has none a space, or else its first
    /// character.
    public var unconditionalStart: Int32 {
        Int32(vocabulary.index(of: "\n") ?? vocabulary.index(of: " ") ?? 0)
    }

    /// The prompt's ids (for an empty prompt, `unconditionalStart`), and the distinct characters dropped (only
    /// with `skipUnknown`).
    public func encodePrompt(_ prompt: String, skipUnknown: Bool) throws -> (ids: [Int32], skipped: [String]) {
        if prompt.isEmpty { return ([unconditionalStart], []) }
        var ids: [Int32] = []
        var unknown: [String] = []
        for character in prompt {
            let symbol = String(character)
            if let index = vocabulary.index(of: symbol) {
                ids.append(Int32(index))
            } else if !unknown.contains(symbol) {
                unknown.append(symbol)
            }
        }
        if !unknown.isEmpty && !skipUnknown {
            let shown = unknown.prefix(20).map(CharCorpus.visible).joined(separator: " ")
            throw ModelError.invalidData("the prompt holds characters the model never saw in training: \(shown); remove them or pass --skip-unknown to drop them")
        }
        guard !ids.isEmpty else {
            throw ModelError.invalidData("no character of the prompt is in the model's vocabulary, so nothing is left to continue; give an empty prompt to sample without one")
        }
        return (ids, unknown)
    }

    /// `prompt` without the characters the vocabulary lacks: the text the model is fed with `skipUnknown`.
    public func promptText(_ prompt: String) -> String {
        var text = ""
        for character in prompt where vocabulary.index(of: String(character)) != nil { text.append(character) }
        return text
    }

    /// Generates `count` continuations of `length` characters after `prompt`.
    ///
    /// The prompt is fed once; every sample starts from the state after it. All samples draw from one
    /// generator seeded with `seed`, so the same arguments give the same texts.
    /// - Parameter onCharacter: called with (sample index, character) as each character is produced.
    /// - Parameter record: keep each sample's characters and log-probabilities in the result (memory grows
    ///   with `length`); false streams them through `onCharacter` only, in constant memory.
    /// - Parameter stops: a sample ends as soon as its text ends with one of these (left out of the text
    ///   unless `includeStop`); `onCharacter` then gets pieces of text once they cannot start a stop text.
    public func generate(prompt: String, length: Int, strategy: SamplingStrategy, count: Int = 1, seed: UInt64,
                         skipUnknown: Bool = false, record: Bool = true, stops: [String] = [], includeStop: Bool = false,
                         repetition: RepetitionControl = .none,
                         onCharacter: (Int, String) -> Void = { _, _ in }) throws -> [CharSample] {
        try Self.checkSizes(length: length, count: count, record: record)
        let (ids, _) = try encodePrompt(prompt, skipUnknown: skipUnknown)
        // Batch-1 products are too small to split across threads: OpenBLAS's threaded sgemv runs several times
        // slower here, and far slower on a busy machine. One thread while generating, then as it was.
        let threads = BLAS.threads
        if threads != 1 { BLAS.threads = 1 }
        defer { if threads != 1 { BLAS.threads = threads } }
        let fedPrompt = prompt.isEmpty ? "" : vocabulary.text(of: ids)
        stepper.reset()
        for id in ids { stepper.feed(id) }
        let promptState = stepper.state
        let promptLogits = stepper.logits
        var rng = SeededGenerator(seed: seed)
        var samples: [CharSample] = []
        for sampleIndex in 0..<count {
            stepper.state = promptState
            var sample = SampleInProgress(prompt: fedPrompt, promptIDs: ids, length: length, record: record, stops: stops,
                                          includeStop: includeStop, repetition: repetition)
            for position in 0..<length {
                let logits = position == 0 ? promptLogits : stepper.logits
                let (id, piece) = try sample.take(logits: logits, strategy: strategy, rng: &rng, symbols: vocabulary.symbols)
                if !piece.isEmpty { onCharacter(sampleIndex, piece) }
                if sample.isFinished { break }
                if position + 1 < length { stepper.feed(Int32(id)) }
            }
            let rest = sample.finish()
            if !rest.isEmpty { onCharacter(sampleIndex, rest) }
            samples.append(sample.result)
        }
        return samples
    }

    /// One generation per prompt, run `lanes` prompts at a time side by side through one many-lane stepper
    /// (each prompt is fed on its own, then all lanes draw and step together; the lanes share every weight
    /// product). Every prompt draws from its own generator seeded with `seed`, so each result is the one
    /// `generate(prompt:…seed:)` gives for that prompt alone (up to the last bits of the logits, where matrix
    /// and matrix–vector products round differently). A prompt the model cannot take (characters it never
    /// saw) fails alone: its entry is the error, the others still run.
    /// - Parameter onSample: called with each prompt's index and result as soon as its group has finished.
    public func generate(prompts: [String], length: Int, strategy: SamplingStrategy, seed: UInt64,
                         skipUnknown: Bool = false, record: Bool = true, stops: [String] = [], includeStop: Bool = false,
                         repetition: RepetitionControl = .none, lanes: Int = 32,
                         onSample: (Int, Result<CharSample, Error>) -> Void) throws {
        guard lanes >= 1 && lanes <= 4096 else { throw ModelError.invalidOption("lanes must be between 1 and 4096, got \(lanes)") }
        // Every lane's text is kept until its group ends.
        try Self.checkSizes(length: length, count: Swift.max(1, Swift.min(lanes, prompts.count)), record: true)
        // Products over many lanes are large enough for OpenBLAS's threads; one lane's are not (see `generate`).
        let threads = BLAS.threads, wanted = lanes >= 16 ? threads : 1
        if threads != wanted { BLAS.threads = wanted }
        defer { if threads != wanted { BLAS.threads = threads } }
        let single = stepper.makeSibling(splitting: false)
        var first = 0
        while first < prompts.count {
            // The next `lanes` prompts that encode; those that do not are reported at once.
            var group: [(index: Int, ids: [Int32], prompt: String)] = []
            while group.count < lanes && first < prompts.count {
                let prompt = prompts[first]
                do {
                    let (ids, _) = try encodePrompt(prompt, skipUnknown: skipUnknown)
                    group.append((first, ids, prompt.isEmpty ? "" : vocabulary.text(of: ids)))
                } catch {
                    onSample(first, .failure(error))
                }
                first += 1
            }
            if group.isEmpty { continue }
            let batch = stepper.makeSibling(splitting: false, lanes: group.count)
            let V = vocabulary.count
            var samples: [SampleInProgress] = []
            var generators: [SeededGenerator] = []
            for (lane, member) in group.enumerated() {
                single.reset()
                for id in member.ids { single.feed(id) }
                batch.setLane(lane, state: single.state, logits: single.logits[...])
                samples.append(SampleInProgress(prompt: member.prompt, promptIDs: member.ids, length: length, record: record,
                                                keepsText: true, stops: stops, includeStop: includeStop, repetition: repetition))
                generators.append(SeededGenerator(seed: seed))
            }
            var next = [Int32](repeating: 0, count: group.count)
            var failed: [Int: Error] = [:]
            for position in 0..<length {
                var active = false
                for lane in group.indices where !samples[lane].isFinished && failed[lane] == nil {
                    do {
                        let logits = Array(batch.logits[(lane * V)..<((lane + 1) * V)])
                        let (id, _) = try samples[lane].take(logits: logits, strategy: strategy, rng: &generators[lane],
                                                             symbols: vocabulary.symbols)
                        next[lane] = Int32(id)
                        active = active || !samples[lane].isFinished
                    } catch {
                        failed[lane] = error
                    }
                }
                if !active || position + 1 == length { break }
                batch.feed(next)  // finished lanes step on with their last character, unread
            }
            for (lane, member) in group.enumerated() {
                if let error = failed[lane] { onSample(member.index, .failure(error)); continue }
                _ = samples[lane].finish()
                onSample(member.index, .success(samples[lane].result))
            }
        }
    }

    /// One character drawn from `logits`, after `repetition` (given the symbols so far); NaN or infinite
    /// logits (damaged weights) are an error.
    static func draw(logits: [Float], strategy: SamplingStrategy, rng: inout SeededGenerator, position: Int,
                     repetition: RepetitionControl = .none, history: ArraySlice<Int> = []) throws -> Int {
        guard logits.allSatisfy({ $0.isFinite }) else {
            throw ModelError.invalidData("the model's outputs became NaN or infinite at generated character \(position + 1); its weights are damaged or far too large to sample from")
        }
        guard repetition.isActive else { return strategy.sample(logits: logits, rng: &rng) }
        var adjusted = logits
        repetition.adjust(&adjusted, history: history)
        return strategy.sample(logits: adjusted, rng: &rng)
    }

    /// A generation of its own, ready to draw its first character: a stepper sharing this sampler's weights,
    /// fed with `prompt`. Many can run side by side on different threads (one thread per generation at a
    /// time); each gives the same characters as `generate` with the same arguments and count 1.
    /// - Parameter twoThreads: give it the two-thread step path as well (see `CharGeneration.usesTwoThreads`).
    public func makeGeneration(prompt: String, length: Int, strategy: SamplingStrategy, seed: UInt64,
                               skipUnknown: Bool = false, twoThreads: Bool = false) throws -> CharGeneration {
        try Self.checkSizes(length: length, count: 1, record: false)
        let (ids, _) = try encodePrompt(prompt, skipUnknown: skipUnknown)
        let stepper = self.stepper.makeSibling(splitting: twoThreads)
        for id in ids { stepper.feed(id) }
        return CharGeneration(stepper: stepper, symbols: vocabulary.symbols, length: length, strategy: strategy, seed: seed)
    }

    /// Most characters one call may generate (per sample), and most samples.
    public static let maximumLength = 100_000_000
    public static let maximumCount = 100_000
    /// Most characters kept in memory over all samples when `record` is on (`--json`).
    public static let maximumRecorded = 10_000_000

    /// Rejects lengths and counts beyond the limits above, before anything is generated.
    public static func checkSizes(length: Int, count: Int, record: Bool) throws {
        guard length >= 0 && length <= maximumLength else {
            throw ModelError.invalidOption("--length must be between 0 and \(maximumLength), got \(length)")
        }
        guard count >= 1 && count <= maximumCount else {
            throw ModelError.invalidOption("--count must be between 1 and \(maximumCount), got \(count)")
        }
        if record, Checked.product(length, count).map({ $0 > maximumRecorded }) ?? true {
            throw ModelError.invalidOption("--length × --count may be at most \(maximumRecorded) characters with --json (every character's probability is kept); use text output to stream longer samples")
        }
    }

    /// log softmax(logits)[index], computed stably in Double.
    static func logProbability(of index: Int, logits: [Float]) -> Float {
        var maxValue = -Float.infinity
        for value in logits where value > maxValue { maxValue = value }
        var sum = 0.0
        for value in logits { sum += exp(Double(value - maxValue)) }
        return Float(Double(logits[index] - maxValue) - log(sum))
    }
}

/// One sample being drawn, the same for every way of generating (one prompt, several samples, many prompts
/// in lanes): each `take` draws a character from the logits after the text so far (after the repetition
/// rules), records it, and feeds the stop matcher, which says when the sample is finished.
struct SampleInProgress {
    private let prompt: String
    private let length: Int
    private let record: Bool
    private let repetition: RepetitionControl
    private var matcher: StopMatcher
    /// The symbols so far (prompt first), kept only as far back as the repetition rules look.
    private var history: [Int]
    private var characters: [String] = []
    private var logProbabilities: [Float] = []
    private var drawn = 0
    /// Keep the text even when not recording (many-prompt runs return it rather than stream it).
    private let keepsText: Bool
    private var plain = ""

    init(prompt: String, promptIDs: [Int32], length: Int, record: Bool, keepsText: Bool = false, stops: [String],
         includeStop: Bool, repetition: RepetitionControl) {
        self.prompt = prompt
        self.keepsText = keepsText && !record
        self.length = length
        self.record = record
        self.repetition = repetition
        matcher = StopMatcher(stops: stops, includeStop: includeStop)
        history = repetition.isActive ? promptIDs.suffix(repetition.historyNeeded).map { Int($0) } : []
        if record {
            characters.reserveCapacity(Swift.min(length, 1 << 16))
            logProbabilities.reserveCapacity(Swift.min(length, 1 << 16))
        }
    }

    /// All `length` characters drawn, or a stop text reached.
    var isFinished: Bool { matcher.stopped || drawn >= length }

    /// Draws the next character from `logits`; returns its id and the text that may be shown now (held back
    /// while it could still start a stop text).
    mutating func take(logits row: [Float], strategy: SamplingStrategy, rng: inout SeededGenerator,
                       symbols: [String]) throws -> (id: Int, shown: String) {
        let id = try CharSampler.draw(logits: row, strategy: strategy, rng: &rng, position: drawn,
                                      repetition: repetition, history: history[...])
        drawn += 1
        if repetition.isActive {
            history.append(id)
            if history.count > 2 * repetition.historyNeeded { history.removeFirst(history.count - repetition.historyNeeded) }
        }
        let symbol = symbols[id]
        if record {
            logProbabilities.append(CharSampler.logProbability(of: id, logits: row))
            characters.append(symbol)
        }
        if matcher.isActive { return (id, matcher.append(symbol)) }
        if keepsText { plain += symbol }
        return (id, symbol)
    }

    /// The text still held back once the sample is over (empty when it stopped at a stop text).
    mutating func finish() -> String {
        guard matcher.isActive, !matcher.stopped else { return "" }
        return matcher.finish()
    }

    /// The sample: its text, and with `record` each kept character and its log-probability.
    var result: CharSample {
        var characters = characters, logProbabilities = logProbabilities
        if matcher.stopped {
            // Keep the records of the characters the text kept (each symbol is one character).
            let kept = matcher.text.count
            characters.removeLast(Swift.max(0, characters.count - kept))
            logProbabilities.removeLast(Swift.max(0, logProbabilities.count - kept))
        }
        let text = matcher.isActive ? matcher.text : keepsText ? plain : characters.joined()
        var sample = CharSample(prompt: prompt, text: text,
                                characters: characters, logProbabilities: logProbabilities)
        if matcher.stopped { sample.stopReason = "stop" }
        return sample
    }
}

/// One generation in progress (see `CharSampler.makeGeneration`): draws a character at a time, so a caller
/// can interleave several or stop early. One thread at a time.
public final class CharGeneration {
    /// Characters to generate in all, and drawn so far.
    public let length: Int
    public private(set) var generated = 0
    private let stepper: CharStepper
    private let symbols: [String]
    private let strategy: SamplingStrategy
    private var rng: SeededGenerator
    /// The last character drawn, fed before the next draw (so the last one costs no step).
    private var unfed: Int32?

    init(stepper: CharStepper, symbols: [String], length: Int, strategy: SamplingStrategy, seed: UInt64) {
        self.stepper = stepper
        self.symbols = symbols
        self.length = length
        self.strategy = strategy
        rng = SeededGenerator(seed: seed)
    }

    public var isFinished: Bool { generated >= length }

    /// Whether steps may run on two threads (only if made with `twoThreads`): on while the generation has
    /// the machine to itself, off while others compete for the cores. The characters are the same either way.
    public var usesTwoThreads: Bool {
        get { stepper.allowsSplitSteps && stepper.splitsSteps }
        set { stepper.allowsSplitSteps = newValue }
    }

    /// The next character, or nil when `length` characters have been drawn.
    public func next() throws -> String? {
        guard generated < length else { return nil }
        if let unfed { stepper.feed(unfed) }
        let id = try CharSampler.draw(logits: stepper.logits, strategy: strategy, rng: &rng, position: generated)
        unfed = Int32(id)
        generated += 1
        return symbols[id]
    }
}

extension CharVocabulary {
    /// The text of `ids` (each below `count`).
    func text(of ids: [Int32]) -> String {
        var text = ""
        for id in ids { text += symbols[Int(id)] }
        return text
    }
}
