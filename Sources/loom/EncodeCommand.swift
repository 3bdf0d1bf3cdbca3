import ArgumentParser
import Foundation
import LoomModels
import LoomNN
import LoomSystem
import LoomText

extension Padding: ExpressibleByArgument {}
extension Truncating: ExpressibleByArgument {}

/// `loom encode`: texts → a padded id matrix for NumPy or PyTorch (Keras' `texts_to_sequences` then
/// `pad_sequences`, from the command line).
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Turn texts into a padded matrix of vocabulary ids (.npy), as Keras' pad_sequences does.",
        discussion: """
        Each text (one per line of --file, the TEXT arguments, or the lines of standard input) is tokenized \
        and looked up in the vocabulary (unknown words → 1, <unk>), then padded or truncated to --max-length \
        ids with --value (0, <pad>) as Keras does: --padding pre|post puts the padding before or after the \
        ids, --truncating pre|post drops ids from the start or the end of longer texts (defaults pre, as \
        Keras). Without --max-length the longest text sets the length.

        --out FILE.npy receives the int32 matrix [texts, max-length] and FILE.lengths.npy each text's \
        number of kept ids; `numpy.load` reads both. --vocab takes a file from `loom vocab build` (tokenized \
        as training does: punctuation kept, case folded, unless --no-keep-punctuation / --no-case-fold); \
        --model takes a sentiment model's vocabulary and tokenizer settings instead, and its length by default.

        Examples:
          loom encode --vocab vocab/imdb.txt --max-length 200 --file reviews.txt --out ids.npy
          loom encode --model imdb-sentiment --padding post --out ids.npy "A fine film." "Dull."
          python -c "import numpy; print(numpy.load('ids.npy').shape)"
        """)

    @Argument(help: "Texts to encode (default: --file, or standard input line by line).")
    var texts: [String] = []

    @Option(help: ArgumentHelp("Text file, one text per line.", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("A vocabulary file (from `loom vocab build`).", valueName: "file"))
    var vocab: String?

    @Option(help: ArgumentHelp("A sentiment model (bundled name or folder) whose vocabulary and tokenizer to use.", valueName: "name|dir"))
    var model: String?

    @Option(name: .customLong("max-length"), help: "Ids per row (default: the longest text; a model's length with --model).")
    var maxLength: Int?

    @Option(help: "Where the padding goes: pre or post.")
    var padding: Padding = .pre

    @Option(help: "Which ids a long text loses: pre (its start) or post (its end).")
    var truncating: Truncating = .pre

    @Option(parsing: .unconditional, help: "The padding id (negative values too: --value -1).")
    var value: Int32 = 0

    @Flag(name: .customLong("keep-punctuation"), inversion: .prefixedNo, help: "With --vocab: keep punctuation marks as tokens.")
    var keepPunctuation = true

    @Flag(name: .customLong("no-case-fold"), help: "With --vocab: keep letter case.")
    var noCaseFold = false

    @Option(help: ArgumentHelp("The .npy file to write (and FILE.lengths.npy beside it).", valueName: "file"))
    var out: String

    @Flag(help: "Replace --out even when it is not an .npy file.")
    var force = false

    @Flag(help: "Replace invalid UTF-8 with U+FFFD instead of stopping with an error.")
    var lossy = false

    /// Most ids one matrix may hold (2 GiB of int32).
    static let maximumElements = 1 << 29

    func validate() throws {
        if (vocab == nil) == (model == nil) { throw ValidationError("give the vocabulary with --vocab FILE or --model NAME|DIR (one of them)") }
        if let maxLength, maxLength < 1 || maxLength > 10_000_000 {
            throw ValidationError("--max-length must be between 1 and 10000000, got \(maxLength)")
        }
        if file != nil && !texts.isEmpty { throw ValidationError("give texts as arguments or with --file, not both") }
        if !out.hasSuffix(".npy") { throw ValidationError("--out must name an .npy file (e.g. ids.npy), got \"\(out)\"") }
    }

    func run() throws {
        try reportingErrors { try encode() }
    }

    private func encode() throws {
        let outURL = try OutputCheck.url(forPath: out)
        let lengthsURL = URL(fileURLWithPath: String(outURL.path.dropLast(4)) + ".lengths.npy")
        var inputs: [URL] = file.map { [URL(commandLinePath: $0)] } ?? []
        let vocabulary: Vocabulary, tokenizer: Tokenizer
        var length = maxLength
        if let model {
            let classifier = try SentimentClassifier(directory: BundledModels.resolve(model, defaultName: BundledModels.defaultSentiment))
            vocabulary = classifier.vocabulary
            tokenizer = classifier.tokenizer
            length = length ?? classifier.configuration.maxLength
        } else {
            let url = URL(commandLinePath: vocab!)
            inputs.append(url)
            vocabulary = try Vocabulary(contentsOf: url)
            tokenizer = try Tokenizer(options: TokenizerOptions(caseFold: !noCaseFold, keepPunctuation: keepPunctuation))
        }
        for target in [outURL, lengthsURL] {
            try OutputCheck(kind: nil, inputs: inputs, force: force).check(target)
            if !force, FileManager.default.fileExists(atPath: target.path) {
                let handle = FileHandle(forReadingAtPath: target.path)
                let head = try? handle?.read(upToCount: 8)
                try? handle?.close()
                guard let head, NPYFile.isNPY(head) else {
                    throw ModelError.refusedOutput(target, reason: "a file that is not an .npy file is there (use --force to replace it)")
                }
            }
        }
        let lines: [String]
        if let file {
            lines = Self.lines(of: try TextFile.readUTF8(URL(commandLinePath: file), lossy: lossy))
        } else if !texts.isEmpty {
            lines = texts
        } else {
            lines = Self.lines(of: try readStandardInput(lossy: lossy).text)
        }
        let sequences = vocabulary.encode(texts: lines, tokenizer: tokenizer)
        let columns = length ?? sequences.map(\.count).max() ?? 0
        guard let elements = Checked.product(sequences.count, columns), elements <= Self.maximumElements else {
            throw ModelError.invalidOption("\(sequences.count) texts × \(columns) ids is more than \(Self.maximumElements) ids; give a smaller --max-length or fewer texts")
        }
        let padded = padSequences(sequences, maxLength: columns, padding: padding, truncating: truncating, value: value)
        try writeFile(NPYFile.int32(padded.ids, shape: [padded.count, padded.maxLength]), to: outURL)
        try writeFile(NPYFile.int32(padded.lengths.map { Int32($0) }, shape: [padded.count]), to: lengthsURL)
        let unknown = sequences.reduce(0) { $0 + $1.filter { $0 == Vocabulary.unknownID }.count }
        let total = sequences.reduce(0) { $0 + $1.count }
        Stderr.write("wrote \(outURL.path): \(padded.count) × \(padded.maxLength) ids (\(total) tokens, \(unknown) unknown) and \(lengthsURL.lastPathComponent)\n")
    }

    /// The lines of `text` (LF or CRLF; a final line break ends the last line rather than adding an empty one).
    static func lines(of text: String) -> [String] {
        // "\r\n" is one Character in Swift: split on either form.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    private func writeFile(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelError.io(folder, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw ModelError.io(url, reason: "cannot write: \(error.reason)")
        }
    }
}
