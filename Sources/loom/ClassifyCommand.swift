import ArgumentParser
import Foundation
import LoomModels
import LoomText

/// `loom classify`: label reviews with a trained sentiment model.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify review text as positive or negative (or the model's classes), with a probability.",
        discussion: """
        Input is one or more TEXT arguments, or --file (one review per line; a line holding a tab is read as `label<TAB>text` and the text after the first tab is classified), or standard input (one review per line). Files and stdin are read as a stream: each batch of lines is answered as soon as it is read (with --json, or from a terminal, each line at once, so `loom classify --json` can serve as a line-by-line worker), and memory stays bounded whatever the input's size. CR LF line ends are fine; blank lines are skipped (a note on stderr says how many); invalid UTF-8 is an error naming the line and byte offset, unless --lossy. --file also takes FIFOs, /dev/stdin and `<(command)`.

        Output: one line per review, `label<TAB>probability<TAB>text` (the text only for several inputs), or JSON lines with --json: {"line", "label", "probability", "probabilities"}, where "line" is the input line number.

        Without --model the bundled IMDB model (imdb-sentiment) answers.

        Examples:
          loom classify "A wonderful, moving film."
          loom classify "Loved it." "Dull and far too long." "Not bad at all."
          loom classify --model models/reviews "Not bad at all, I loved the ending."
          loom classify --model models/reviews --file reviews.txt --json
          cat reviews.txt | loom classify --model models/reviews
        """
    )

    @Argument(help: "Reviews to classify, one argument each. Omit to read --file or standard input.")
    var texts: [String] = []

    @Option(help: ArgumentHelp("A bundled model name (see `loom models`) or a folder written by `loom sentiment train`.", valueName: "name|dir"))
    var model: String = BundledModels.defaultSentiment

    @Option(help: "File with one review per line.")
    var file: String?

    @Flag(help: "Replace invalid UTF-8 in --file or stdin with U+FFFD instead of stopping.")
    var lossy = false

    @Option(name: .customLong("batch-size"), help: "Reviews per inference batch.")
    var batchSize: Int = 256

    @Flag(help: "Print JSON lines: {\"line\", \"label\", \"probability\", \"probabilities\"}.")
    var json = false

    func validate() throws {
        if !texts.isEmpty && file != nil { throw ValidationError("give either TEXT arguments or --file, not both") }
        if let empty = texts.firstIndex(where: { $0.allSatisfy(\.isWhitespace) }) {
            throw ValidationError(texts.count == 1 ? "the review text is empty" : "review argument \(empty + 1) is empty")
        }
        if batchSize < 1 || batchSize > 65_536 { throw ValidationError("--batch-size must be between 1 and 65536, got \(batchSize)") }
    }

    func run() throws {
        try reportingErrors {
            let classifier = try SentimentClassifier(directory: BundledModels.resolve(model, defaultName: BundledModels.defaultSentiment))
            let writer = PredictionWriter(classes: classifier.configuration.classes, json: json)
            if !texts.isEmpty {
                writer.write(Array(zip(1..., texts)), predictions: classifier.classify(texts, batchSize: batchSize),
                             single: texts.count == 1)
                writer.flush()
                return
            }
            let source: String
            let descriptor: Int32
            if let file {
                let url = URL(commandLinePath: file)
                source = url.path
                descriptor = try Self.open(url)
            } else {
                source = "stdin"
                descriptor = STDIN_FILENO
            }
            defer { if descriptor != STDIN_FILENO { close(descriptor) } }
            var stream = LineStream(fileDescriptor: descriptor, path: source, lossy: lossy)
            var blank = 0, firstBlank = 0, classified = 0
            // In text mode from a file or pipe, the first review waits until a second one shows whether the
            // input holds one review (printed without its text, like a TEXT argument) or several. JSON lines
            // and a terminal are answered line by line at once, so `loom classify --json` can be a worker
            // that gets each answer before it sends the next line.
            let holdFirst = !json && isatty(descriptor) == 0
            var held: [(Int, String)] = []
            while let lines = try stream.next() {
                var reviews: [(Int, String)] = []
                for line in lines {
                    var content = Substring(line.text)
                    if let tab = content.firstIndex(of: "\t") { content = content[content.index(after: tab)...] }
                    if content.allSatisfy(\.isWhitespace) {
                        blank += 1
                        if firstBlank == 0 { firstBlank = line.number }
                        continue
                    }
                    reviews.append((line.number, String(content)))
                }
                if reviews.isEmpty { continue }
                if holdFirst && classified == 0 && held.isEmpty && reviews.count == 1 {
                    held = reviews
                    continue
                }
                let batch = held + reviews
                held = []
                writer.write(batch, predictions: classifier.classify(batch.map(\.1), batchSize: batchSize), single: false)
                writer.flush()
                classified += batch.count
            }
            if !held.isEmpty {
                writer.write(held, predictions: classifier.classify(held.map(\.1), batchSize: batchSize), single: true)
                writer.flush()
                classified += 1
            }
            if stream.replacements > 0 {
                Stderr.write("warning: replaced \(stream.replacements) invalid UTF-8 sequence\(stream.replacements == 1 ? "" : "s") with U+FFFD (--lossy)\n")
            }
            if blank > 0 {
                Stderr.write("note: skipped \(blank) blank line\(blank == 1 ? "" : "s") (the first is \(source):\(firstBlank))\n")
            }
            guard classified > 0 else { throw ModelError.invalidData("\(source): no reviews to classify (the input is empty or blank)") }
        }
    }

    /// Opens `url` for reading: regular files, FIFOs, /dev/stdin and process substitutions alike.
    static func open(_ url: URL) throws -> Int32 {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            if errno == ENOENT { throw TextError.fileNotFound(path: url.path) }
            throw TextError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw TextError.unreadable(path: url.path, reason: "is a folder, not a file") }
        let descriptor = Glibc.open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TextError.unreadable(path: url.path, reason: String(cString: strerror(errno))) }
        return descriptor
    }
}

/// Formats predictions for stdout, in text or JSON lines, buffering up to 64 KB between flushes.
final class PredictionWriter {
    let classes: [String]
    let json: Bool
    private var output = ""

    init(classes: [String], json: Bool) {
        self.classes = classes
        self.json = json
    }

    private struct Line: Encodable {
        var line: Int
        var label: String
        var probability: Float
        var probabilities: [String: Float]
    }

    /// Appends one output line per review; `single` prints text mode without the review's snippet.
    func write(_ reviews: [(line: Int, text: String)], predictions: [SentimentPrediction], single: Bool) {
        for (review, prediction) in zip(reviews, predictions) {
            if json {
                let line = Line(line: review.line, label: prediction.label, probability: prediction.probability,
                                probabilities: Dictionary(uniqueKeysWithValues: zip(classes, prediction.probabilities)))
                output += ((try? JSONOutput.line(line)) ?? "{}") + "\n"
            } else if single {
                output += "\(prediction.label)\t\(String(format: "%.4f", prediction.probability))\n"
            } else {
                let snippet = review.text.count > 70 ? String(review.text.prefix(67)) + "…" : review.text
                output += "\(prediction.label)\t\(String(format: "%.4f", prediction.probability))\t\(snippet)\n"
            }
            if output.utf8.count > 1 << 16 { flush() }
        }
    }

    func flush() {
        guard !output.isEmpty else { return }
        FileHandle.standardOutput.write(Data(output.utf8))
        output = ""
    }
}
