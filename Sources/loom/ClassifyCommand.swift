import ArgumentParser
import Foundation
import LoomModels
import LoomSystem
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

        --explain shows which words made the verdict: each review is printed with its words shaded green (for the class) or red (against it) in a terminal (plain, with the strongest words listed, when output is not a terminal or NO_COLOR is set), as JSON with --json (tokens, their offsets in the review in Unicode code points, attributions), or as an HTML page with --html FILE. Methods: ig (integrated gradients from the all-padding baseline, in logit units, summing to the logit difference; default; the steps are doubled until the completeness gap is under 1%, unless --steps is given), occlusion (the drop in the class probability when the word is left out) and attention (the weights of a model trained with --pooling attention). --target explains another class than the predicted one.

        Examples:
          loom classify "A wonderful, moving film."
          loom classify "Loved it." "Dull and far too long." "Not bad at all."
          loom classify --model models/reviews "Not bad at all, I loved the ending."
          loom classify --model models/reviews --file reviews.txt --json
          cat reviews.txt | loom classify --model models/reviews
          loom classify --explain "Not bad at all, I loved the ending."
          loom classify --explain occlusion --json "Dull, far too long."
          loom classify --explain --html report.html --file reviews.txt
        """
    )

    @Argument(help: "Reviews to classify, one argument each. Omit to read --file or standard input.")
    var texts: [String] = []

    @OptionGroup var model: SentimentModelOption

    @Option(help: "File with one review per line.")
    var file: String?

    @Flag(help: "Replace invalid UTF-8 in --file or stdin with U+FFFD instead of stopping.")
    var lossy = false

    @Option(name: .customLong("batch-size"), help: "Reviews per inference batch.")
    var batchSize: Int = 256

    @Flag(help: "Print JSON lines: {\"line\", \"label\", \"probability\", \"probabilities\"}.")
    var json = false

    @Option(help: ArgumentHelp("Explain each verdict word by word: ig (integrated gradients, the default when --explain is given alone), occlusion or attention.", valueName: "method"))
    var explain: AttributionMethod?

    @Option(help: ArgumentHelp("With --explain: the class to explain (default: the predicted one).", valueName: "class"))
    var target: String?

    @Option(help: ArgumentHelp("With --explain ig: integration steps, exactly (default: 32, doubled up to 512 until the completeness gap is under 1%).", valueName: "n"))
    var steps: Int?

    @Option(help: ArgumentHelp("With --explain: also write the explanations as a self-contained HTML page.", valueName: "file"))
    var html: String?

    func validate() throws {
        if explain == nil {
            if target != nil { throw ValidationError("--target needs --explain") }
            if steps != nil { throw ValidationError("--steps needs --explain") }
            if html != nil { throw ValidationError("--html needs --explain") }
        }
        if let steps, !ExplanationOptions.stepsRange.contains(steps) {
            throw ValidationError("--steps must be between \(ExplanationOptions.stepsRange.lowerBound) and \(ExplanationOptions.stepsRange.upperBound), got \(steps)")
        }
        if steps != nil, explain != .integratedGradients {
            throw ValidationError("--steps applies to --explain ig only")
        }
        if !texts.isEmpty && file != nil { throw ValidationError("give either TEXT arguments or --file, not both") }
        if let empty = texts.firstIndex(where: { $0.allSatisfy(\.isWhitespace) }) {
            throw ValidationError(texts.count == 1 ? "the review text is empty" : "review argument \(empty + 1) is empty")
        }
        if batchSize < 1 || batchSize > 65_536 { throw ValidationError("--batch-size must be between 1 and 65536, got \(batchSize)") }
    }

    func run() throws {
        try reportingErrors {
            let modelFolder = try model.folder()
            let classifier = try SentimentClassifier(directory: modelFolder)
            let respond: ([(Int, String)], Bool) throws -> Void
            let finish: () throws -> Void
            if let explain {
                let writer = try ExplanationWriter(
                    explainer: SentimentExplainer(classifier: classifier),
                    options: ExplanationOptions(method: explain, target: target, steps: steps ?? 32, adaptiveSteps: steps == nil),
                    json: json, html: html.map { try Self.checkedReportPath($0, inputs: [modelFolder] + (file.map { [URL(commandLinePath: $0)] } ?? [])) },
                    modelName: model.model)
                respond = { reviews, single in try writer.write(reviews, single: single) }
                finish = { try writer.finish() }
            } else {
                let writer = PredictionWriter(classes: classifier.configuration.classes, json: json)
                respond = { reviews, single in
                    writer.write(reviews, predictions: classifier.classify(reviews.map(\.1), batchSize: batchSize), single: single)
                    writer.flush()
                }
                finish = {}
            }
            if !texts.isEmpty {
                try respond(Array(zip(1..., texts)), texts.count == 1)
                try finish()
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
                try respond(batch, false)
                classified += batch.count
            }
            if !held.isEmpty {
                try respond(held, true)
                classified += 1
            }
            if stream.replacements > 0 {
                Stderr.write("warning: replaced \(stream.replacements) invalid UTF-8 sequence\(stream.replacements == 1 ? "" : "s") with U+FFFD (--lossy)\n")
            }
            if blank > 0 {
                Stderr.write("note: skipped \(blank) blank line\(blank == 1 ? "" : "s") (the first is \(source):\(firstBlank))\n")
            }
            guard classified > 0 else { throw ModelError.invalidData("\(source): no reviews to classify (the input is empty or blank)") }
            try finish()
        }
    }

    /// The --html path, checked before any work: not a folder, an input, the current folder and such
    /// (`OutputCheck`), and an existing file there must be an earlier Loom report.
    static func checkedReportPath(_ path: String, inputs: [URL]) throws -> URL {
        let url = try OutputCheck.url(forPath: path, option: "--html")
        try OutputCheck(kind: nil, inputs: inputs).check(url)
        if FileManager.default.fileExists(atPath: url.path) {
            let head = (try? FolderSnapshot.readFile(url, limit: 1 << 26, regularOnly: true)).map { String(decoding: $0.prefix(4096), as: UTF8.self) }
            guard let head, head.contains("content=\"\(ExplanationReport.htmlGenerator)\"") else {
                throw ModelError.refusedOutput(url, reason: "a file that is not a Loom explanation report is there; choose another --html file")
            }
        }
        return url
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

    /// A regression model's line: the predicted rating.
    private struct RatingLine: Encodable {
        var line: Int
        var rating: Float
    }

    /// Appends one output line per review; `single` prints text mode without the review's snippet. A
    /// regression model's predictions print their rating (two decimals in text).
    func write(_ reviews: [(line: Int, text: String)], predictions: [SentimentPrediction], single: Bool) {
        for (review, prediction) in zip(reviews, predictions) {
            if let rating = prediction.rating {
                let snippet = review.text.count > 70 ? String(review.text.prefix(67)) + "…" : review.text
                output += json ? ((try? JSONOutput.line(RatingLine(line: review.line, rating: rating))) ?? "{}") + "\n"
                    : String(format: "%.2f", Double(rating)) + (single ? "" : "\t" + snippet) + "\n"
            } else if json {
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

extension AttributionMethod: ExpressibleByArgument {}

/// Prints explanations (terminal shading, plain text or JSON lines) and collects them for --html.
final class ExplanationWriter {
    let explainer: SentimentExplainer
    let options: ExplanationOptions
    let json: Bool
    let html: URL?
    let modelName: String
    /// Shade words with ANSI colours: stdout is a terminal and NO_COLOR is not set (no-color.org).
    let colour: Bool
    private var reports: [(text: String, explanation: Explanation)] = []

    init(explainer: SentimentExplainer, options: ExplanationOptions, json: Bool, html: URL?, modelName: String) throws {
        self.explainer = explainer
        self.options = options
        self.json = json
        self.html = html
        self.modelName = modelName
        let noColour = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        colour = isatty(STDOUT_FILENO) != 0 && !noColour
    }

    private struct Line: Encodable {
        var line: Int
        var label: String
        var probability: Float
        var probabilities: [String: Float]
        var explanation: Explanation
    }

    private var explained = 0, skipped = 0

    /// Explains and prints each review at once. A review with no tokens is an error when it is the only one
    /// (`single`), else skipped with a note naming its line.
    func write(_ reviews: [(Int, String)], single: Bool) throws {
        let classes = explainer.classifier.configuration.classes
        for (line, text) in reviews {
            let explanation: Explanation
            do {
                explanation = try explainer.explain(text, options: options)
            } catch ModelError.invalidData(let reason) where !single {
                Stderr.write("note: line \(line) skipped: \(reason)\n")
                skipped += 1
                continue
            }
            explained += 1
            if html != nil { reports.append((text, explanation)) }
            if json {
                let record = Line(line: line, label: explanation.prediction.label, probability: explanation.prediction.probability,
                                  probabilities: Dictionary(uniqueKeysWithValues: zip(classes, explanation.prediction.probabilities)),
                                  explanation: explanation)
                print(try JSONOutput.line(record))
            } else {
                var output = ExplanationReport.summary(explanation) + "\n"
                if colour { output += ExplanationReport.terminal(text: text, explanation: explanation) + "\n" }
                output += ExplanationReport.topTokens(explanation).map { "  " + $0 }.joined(separator: "\n") + "\n"
                print(output, terminator: single ? "" : "\n")
            }
            fflush(stdout)
        }
    }

    /// Writes the HTML report, atomically, when --html was given; fails when no review could be explained.
    func finish() throws {
        if explained == 0 && skipped > 0 {
            throw ModelError.invalidData("nothing to explain: none of the \(skipped) reviews has a token the model reads")
        }
        guard let html else { return }
        try AtomicFile.write(ExplanationReport.html(reports, modelName: modelName), to: html)
        Stderr.write("wrote \(reports.count) explanation\(reports.count == 1 ? "" : "s") to \(html.path)\n")
    }
}
