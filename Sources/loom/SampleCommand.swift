import ArgumentParser
import Foundation
import LoomModels
import LoomText

/// `loom sample`: generates text from a character model.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a character model trained with `loom charrnn train`.",
        discussion: """
        Feeds --prompt through the model, then writes the prompt followed by --length generated characters \
        to stdout, streaming them as they come. --temperature 0 is greedy (always the most likely character); \
        higher values give more varied text. --top-k keeps only the k most likely characters, --top-p the \
        smallest set whose probability reaches p, before drawing. The same --seed gives the same text.

        Characters of the prompt that the model never saw are an error naming them; --skip-unknown drops \
        them instead. --stop TEXT (repeatable) ends a sample as soon as its text ends with TEXT, which is left \
        out unless --include-stop; streamed text never shows a stop text that is then taken back. --repetition-penalty R and \
        --no-repeat-ngram N discourage repeats as Hugging Face transformers' options of those names do (the \
        penalty over the last --repetition-window characters). --json prints one JSON object with each sample and the natural-log probability the \
        model gave every generated character (from its plain softmax, independent of the sampling settings).

        Without --model the bundled Tiny Shakespeare model (shakespeare) writes.

        Examples:
          loom sample --prompt "ROMEO:"
          loom sample --model models/tales --prompt "Once upon a time" --length 300
          loom sample --model models/shakespeare --prompt "ROMEO:" \\
            --temperature 0.5 --top-p 0.9 --count 3
          loom sample --model models/tales --prompt "The " --temperature 0 --json
          loom sample --prompt-file opening.txt --stop $'\\n\\n' --count 3
        """)

    @OptionGroup var model: CharModelOption

    @Option(help: "Text to continue (at least one character).")
    var prompt: String?

    @Option(name: .customLong("prompt-file"), help: ArgumentHelp("Read the prompt from this file (UTF-8; used as it is, final newline included).", valueName: "file"))
    var promptFile: String?

    @Option(name: .customLong("stop"), help: ArgumentHelp("End a sample when its text ends with TEXT (repeatable); the stop text is left out unless --include-stop.", valueName: "text"))
    var stops: [String] = []

    @Flag(name: .customLong("include-stop"), help: "Keep the stop text that ended a sample.")
    var includeStop = false

    @Option(name: .customLong("repetition-penalty"), help: ArgumentHelp("Divide (multiply, if negative) the logit of every character among the last --repetition-window by R; 1 = off.", valueName: "r"))
    var repetitionPenalty: Float = 1

    @Option(name: .customLong("repetition-window"), help: ArgumentHelp("How many recent characters (prompt included) --repetition-penalty looks at.", valueName: "n"))
    var repetitionWindow = 64

    @Option(name: .customLong("no-repeat-ngram"), help: ArgumentHelp("Never complete a character n-gram already in the text (prompt included).", valueName: "n"))
    var noRepeatNgram: Int?

    @Option(help: "Characters to generate after the prompt.")
    var length = 500

    @Option(help: "Softmax temperature; 0 = greedy.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Draw only among the k most likely characters.")
    var topK: Int?

    @Option(name: .customLong("top-p"), help: "Draw only among the most likely characters whose probabilities sum to p, in (0, 1].")
    var topP: Float?

    @Option(help: "Seed of the random draws.")
    var seed: UInt64 = 42

    @Option(help: "Number of samples, each continuing the same prompt.")
    var count = 1

    @Flag(help: "Print one JSON object with the samples and per-character log-probabilities.")
    var json = false

    @Flag(name: .customLong("skip-unknown"), help: "Drop prompt characters the model does not know instead of failing.")
    var skipUnknown = false

    func validate() throws {
        if prompt == nil && promptFile == nil { throw ValidationError("give --prompt TEXT or --prompt-file FILE") }
        if prompt != nil && promptFile != nil { throw ValidationError("give either --prompt or --prompt-file, not both") }
        if promptFile == "" { throw ValidationError("--prompt-file is empty (an unset shell variable?); give the file to read") }
        if stops.contains(where: \.isEmpty) { throw ValidationError("--stop takes a non-empty text") }
        if let long = stops.first(where: { $0.count > 1000 }) {
            throw ValidationError("--stop texts are at most 1000 characters; one has \(long.count)")
        }
    }

    func run() throws {
        try reportingErrors { try sample() }
    }

    /// The prompt from --prompt, or --prompt-file read strictly as UTF-8 (errors name the file and byte offset).
    private func resolvedPrompt() throws -> String {
        if let prompt { return prompt }
        let url = URL(commandLinePath: promptFile!)
        return try TextFile.readUTF8(url, lossy: false)
    }

    private func sample() throws {
        let prompt = try resolvedPrompt()
        let repetition = try RepetitionControl(penalty: repetitionPenalty, window: repetitionWindow, noRepeatNgram: noRepeatNgram)
        let strategy = try SamplingStrategy(temperature: temperature, topK: topK, topP: topP)
        try CharSampler.checkSizes(length: length, count: count, record: json)
        let sampler = try CharSampler(directory: model.folder())
        let (_, skipped) = try sampler.encodePrompt(prompt, skipUnknown: skipUnknown)
        let fedPrompt = sampler.promptText(prompt)
        if !skipped.isEmpty {
            FileHandle.standardError.write(Data("note: dropped prompt characters the model does not know: \(skipped.map { "\"\($0)\"" }.joined(separator: " "))\n".utf8))
        }
        if json {
            let samples = try sampler.generate(prompt: prompt, length: length, strategy: strategy, count: count,
                                               seed: seed, skipUnknown: skipUnknown, stops: stops, includeStop: includeStop,
                                               repetition: repetition)
            let report = SampleReport(model: model.model, prompt: samples.first?.prompt ?? "", skipped: skipped,
                                      temperature: temperature, topK: topK, topP: topP, seed: seed, length: length,
                                      samples: samples.map(SampleReport.Entry.init))
            print(try JSONOutput.line(report))
            return
        }
        let writer = StreamingWriter()
        var current = -1
        _ = try sampler.generate(prompt: prompt, length: length, strategy: strategy, count: count, seed: seed,
                                 skipUnknown: skipUnknown, record: false, stops: stops, includeStop: includeStop,
                                 repetition: repetition) { index, character in
            if index != current {
                if current >= 0 { writer.write("\n\n") }
                current = index
                writer.write(fedPrompt)
            }
            writer.write(character)
        }
        if current < 0 { writer.write(fedPrompt) }
        writer.write("\n")
        writer.flush()
    }
}

/// The `--json` output of `loom sample`.
struct SampleReport: Encodable {
    struct Entry: Encodable {
        /// The generated continuation.
        var text: String
        var characters: [String]
        var logProbabilities: [Float]
        var totalLogProbability: Double
        /// "length" or "stop".
        var stopReason: String
        /// Mean −log₂ p over the generated characters.
        var bitsPerCharacter: Double?

        init(_ sample: CharSample) {
            text = sample.text
            characters = sample.characters
            logProbabilities = sample.logProbabilities
            totalLogProbability = sample.logProbabilities.reduce(0.0) { $0 + Double($1) }
            stopReason = sample.stopReason
            bitsPerCharacter = sample.characters.isEmpty
                ? nil : -totalLogProbability / Double(sample.characters.count) / log(2.0)
        }
    }

    var model: String
    var prompt: String
    var skipped: [String]
    var temperature: Float
    var topK: Int?
    var topP: Float?
    var seed: UInt64
    var length: Int
    var samples: [Entry]
}

/// Writes text to stdout in small chunks: flushed when 64 bytes are waiting or 50 ms have passed, so output
/// appears as it is generated without a system call per character.
final class StreamingWriter {
    private var buffer: [UInt8] = []
    private var lastFlush = DispatchTime.now().uptimeNanoseconds

    init() { buffer.reserveCapacity(256) }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        let now = DispatchTime.now().uptimeNanoseconds
        if buffer.count >= 64 || now - lastFlush >= 50_000_000 { flush(now: now) }
    }

    func flush(now: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        lastFlush = now
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
