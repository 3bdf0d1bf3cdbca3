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
        to stdout, streaming them as they come. Without a prompt (or with --prompt "") it samples \
        unconditionally: the model is first fed a line break, as if the text began after one (that line break \
        is not printed). --count N writes N samples of the same prompt, separated by a line holding \
        --separator. --temperature 0 is greedy (always the most likely character); \
        higher values give more varied text. --top-k keeps only the k most likely characters, --top-p the \
        smallest set whose probability reaches p, before drawing. The same --seed gives the same text.

        Characters of the prompt that the model never saw are an error naming them; --skip-unknown drops \
        them instead. --stop TEXT (repeatable) ends a sample as soon as its text ends with TEXT, which is left \
        out unless --include-stop; streamed text never shows a stop text that is then taken back. --repetition-penalty R and \
        --no-repeat-ngram N discourage repeats as Hugging Face transformers' options of those names do (the \
        penalty over the last --repetition-window characters). --json prints one compact JSON line per sample: \
        model, prompt, text, stop_reason ("length" or "stop"), characters (their count), seed, index, symbols \
        (the characters one by one) and log_probabilities: the natural-log probability the model gave each (from its plain softmax, independent of the \
        sampling settings), their total and bits per character.

        --prompts FILE runs one generation per line of FILE (UTF-8; a line starting with "{" is read as JSON \
        with a "prompt" string, so prompts may hold line breaks; an empty line samples unconditionally) and \
        writes one JSON line per prompt, in file order: line, model, prompt, text, stop_reason, characters, seed. \
        The prompts run --lanes at a time side by side, and each draws from its own generator seeded with \
        --seed, so a prompt gives the text it gives alone with `--prompt`. A line that cannot run (not \
        UTF-8, bad JSON, characters the model never saw) gets {"line": N, "error": "…"} and a note on \
        stderr; the others still run, and the exit status is then 1.

        Without --model the bundled Tiny Shakespeare model (shakespeare) writes.

        Examples:
          loom sample --prompt "ROMEO:"
          loom sample --model models/tales --prompt "Once upon a time" --length 300
          loom sample --model models/shakespeare --prompt "ROMEO:" \\
            --temperature 0.5 --top-p 0.9 --count 3
          loom sample --model models/tales --prompt "The " --temperature 0 --json
          loom sample --prompt-file opening.txt --stop $'\\n\\n' --count 3
          loom sample --length 200 --count 2 --separator "==="
          loom sample --prompts prompts.txt --length 200 --stop $'\\n\\n' > samples.jsonl
        """)

    @OptionGroup var model: CharModelOption

    @Option(help: "Text to continue; empty or left out: sample unconditionally.")
    var prompt: String?

    @Option(name: .customLong("prompt-file"), help: ArgumentHelp("Read the prompt from this file (UTF-8; used as it is, final newline included).", valueName: "file"))
    var promptFile: String?

    @Option(help: ArgumentHelp("One generation per line of this file (JSON Lines out; see above).", valueName: "file"))
    var prompts: String?

    @Option(help: ArgumentHelp("With --prompts: how many prompts run side by side.", valueName: "n"))
    var lanes = 32

    @Option(help: ArgumentHelp("The line written between samples of --count in text output.", valueName: "text"))
    var separator = "---------------"

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

    @Flag(help: "Print one JSON line per sample, with per-character log-probabilities.")
    var json = false

    @Flag(name: .customLong("skip-unknown"), help: "Drop prompt characters the model does not know instead of failing.")
    var skipUnknown = false

    func validate() throws {
        if [prompt != nil, promptFile != nil, prompts != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --prompt, --prompt-file and --prompts")
        }
        if promptFile == "" { throw ValidationError("--prompt-file is empty (an unset shell variable?); give the file to read") }
        if prompts == "" { throw ValidationError("--prompts is empty (an unset shell variable?); give the file to read") }
        if prompts != nil && count != 1 { throw ValidationError("--count is for one prompt; --prompts runs each line once") }
        if lanes < 1 || lanes > 4096 { throw ValidationError("--lanes must be between 1 and 4096, got \(lanes)") }
        if separator.contains(where: \.isNewline) { throw ValidationError("--separator must be one line") }
        if stops.contains(where: \.isEmpty) { throw ValidationError("--stop takes a non-empty text") }
        if let long = stops.first(where: { $0.count > 1000 }) {
            throw ValidationError("--stop texts are at most 1000 characters; one has \(long.count)")
        }
    }

    func run() throws {
        try reportingErrors { try sample() }
    }

    /// The prompt from --prompt, or --prompt-file read strictly as UTF-8 (errors name the file and byte
    /// offset); empty without either (unconditional sampling).
    private func resolvedPrompt() throws -> String {
        guard let promptFile else { return prompt ?? "" }
        let url = URL(commandLinePath: promptFile)
        let text = try TextFile.readUTF8(url, lossy: false)
        if text.isEmpty {
            throw ModelError.invalidData("\(url.path): the prompt file is empty; leave out --prompt-file to sample without a prompt")
        }
        return text
    }

    private func sample() throws {
        if let prompts { return try samplePrompts(file: URL(commandLinePath: prompts)) }
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
            for (index, sample) in samples.enumerated() {
                try printJSONLine(SampleLine(sample, model: model.model, seed: seed, index: index, skipped: skipped))
            }
            return
        }
        let writer = StreamingWriter()
        var current = -1
        _ = try sampler.generate(prompt: prompt, length: length, strategy: strategy, count: count, seed: seed,
                                 skipUnknown: skipUnknown, record: false, stops: stops, includeStop: includeStop,
                                 repetition: repetition) { index, character in
            if index != current {
                if current >= 0 { writer.write("\n\(separator)\n") }
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

extension SampleCommand {
    /// `--prompts FILE`: one generation per line, JSON Lines on stdout in file order; a line that cannot run is
    /// reported in its place and on stderr, and makes the exit status 1 once every other line has run.
    private func samplePrompts(file: URL) throws {
        let repetition = try RepetitionControl(penalty: repetitionPenalty, window: repetitionWindow, noRepeatNgram: noRepeatNgram)
        let strategy = try SamplingStrategy(temperature: temperature, topK: topK, topP: topP)
        let lines = try PromptLines.read(file)
        let sampler = try CharSampler(directory: model.folder())
        var failures = 0
        // Results come group by group; print them in file order as soon as each is known.
        var pending: [Int: String] = [:]
        var nextToPrint = 0
        func emit(_ index: Int, _ line: String) {
            pending[index] = line
            while let ready = pending.removeValue(forKey: nextToPrint) {
                print(ready)
                fflush(stdout)
                nextToPrint += 1
            }
        }
        func fail(_ index: Int, _ lineNumber: Int, _ error: Error) throws {
            failures += 1
            Stderr.write("error: \(file.path):\(lineNumber): \(error)\n")
            emit(index, try JSONOutput.line(PromptFailure(line: lineNumber, error: "\(error)")))
        }
        var runnable: [(index: Int, line: Int, prompt: String)] = []
        for (index, entry) in lines.enumerated() {
            switch entry.prompt {
            case .success(let prompt): runnable.append((index, entry.line, prompt))
            case .failure(let error): try fail(index, entry.line, error)
            }
        }
        var thrown: Error?
        try sampler.generate(prompts: runnable.map(\.prompt), length: length, strategy: strategy, seed: seed,
                             skipUnknown: skipUnknown, record: false, stops: stops, includeStop: includeStop,
                             repetition: repetition, lanes: lanes) { position, result in
            let item = runnable[position]
            do {
                switch result {
                case .success(let sample):
                    emit(item.index, try JSONOutput.line(SampleLine(sample, model: model.model, seed: seed, line: item.line)))
                case .failure(let error):
                    try fail(item.index, item.line, error)
                }
            } catch {
                thrown = thrown ?? error
            }
        }
        if let thrown { throw thrown }
        if failures > 0 {
            Stderr.write("error: \(failures) of \(lines.count) prompts in \(file.path) could not run (their lines say why)\n")
            throw ExitCode(ExitStatus.failure)
        }
    }
}

/// One JSON line of `loom sample`: a sample of `--json` (with `index`, and each character's
/// log-probability) or of `--prompts` (with the prompt's `line`); keys as the server's generation responses.
struct SampleLine: Encodable {
    var model: String
    var prompt: String
    /// The generated continuation.
    var text: String
    /// "length" or "stop".
    var stop_reason: String
    /// Characters generated (a stop text not counted unless kept).
    var characters: Int
    var seed: UInt64
    /// Which of the --count samples.
    var index: Int?
    /// The line of the --prompts file (from 1).
    var line: Int?
    /// Prompt characters dropped with --skip-unknown.
    var skipped: [String]?
    /// With --json: the generated characters one by one, and the natural-log probability of each.
    var symbols: [String]?
    var log_probabilities: [Float]?
    var total_log_probability: Double?
    /// Mean −log₂ p over the generated characters.
    var bits_per_character: Double?

    init(_ sample: CharSample, model: String, seed: UInt64, index: Int? = nil, line: Int? = nil, skipped: [String]? = nil) {
        self.model = model
        prompt = sample.prompt
        text = sample.text
        stop_reason = sample.stopReason
        characters = sample.text.count
        self.seed = seed
        self.index = index
        self.line = line
        self.skipped = skipped
        if !sample.logProbabilities.isEmpty || index != nil {
            symbols = sample.characters
            log_probabilities = sample.logProbabilities
            let total = sample.logProbabilities.reduce(0.0) { $0 + Double($1) }
            total_log_probability = total
            bits_per_character = sample.characters.isEmpty ? nil : -total / Double(sample.characters.count) / log(2.0)
        }
    }
}

/// The output line of a prompt that could not run.
struct PromptFailure: Encodable {
    var line: Int
    var error: String
}

/// The prompts of a `--prompts` file: one per line (a final line break ends the last line rather than adding an
/// empty prompt; CRLF accepted); a line beginning with `{` is a JSON object with a "prompt" string. Each line
/// is decoded on its own, so one bad line is that line's error, not the file's.
enum PromptLines {
    struct Entry {
        var line: Int
        var prompt: Result<String, Error>
    }

    /// Most prompts one file may hold.
    static let maximumCount = 1_000_000

    static func read(_ url: URL) throws -> [Entry] {
        let data = try TextFile.readBytes(url)
        var bytes = [UInt8](data)
        if bytes.isEmpty { throw ModelError.invalidData("\(url.path): the prompts file is empty; give one prompt per line") }
        if bytes.last == 0x0A { bytes.removeLast() }
        var entries: [Entry] = []
        var start = 0  // byte offset of the line in the file
        for (index, raw) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            defer { start += raw.count + 1 }
            guard entries.count < maximumCount else {
                throw ModelError.invalidData("\(url.path): more than \(maximumCount) prompts; split the file")
            }
            var line = raw
            if line.last == 0x0D { line = line.dropLast() }
            let lineStart = start
            entries.append(Entry(line: index + 1, prompt: Result { try prompt(of: line, lineNumber: index + 1, at: lineStart) }))
        }
        return entries
    }

    private static func prompt(of bytes: ArraySlice<UInt8>, lineNumber: Int, at start: Int) throws -> String {
        let text: String
        do {
            text = try TextFile.decode(Data(bytes), path: "line \(lineNumber)").text
        } catch TextError.invalidUTF8(_, let offset, _) {
            throw ModelError.invalidData("line \(lineNumber) is not valid UTF-8 (at byte offset \(start + offset) of the file)")
        }
        guard text.first == "{" else { return text }
        struct Object: Decodable { var prompt: String }
        do {
            return try JSONDecoder().decode(Object.self, from: Data(bytes)).prompt
        } catch {
            throw ModelError.invalidData("line \(lineNumber) starts with \"{\" but is not a JSON object with a \"prompt\" string")
        }
    }
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
