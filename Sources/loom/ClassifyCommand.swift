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
        Input is the TEXT argument, or --file (one review per line; a line holding a tab is read as `label<TAB>text` and the text after the first tab is classified), or standard input (one review per line). Output: one line per review, `label<TAB>probability<TAB>text` (the text only for several inputs), or JSON lines with --json.

        Examples:
          loom classify --model models/reviews "Not bad at all, I loved the ending."
          loom classify --model models/reviews --file reviews.txt --json
          cat reviews.txt | loom classify --model models/reviews
        """
    )

    @Argument(help: "A review to classify. Omit to read --file or standard input.")
    var text: String?

    @Option(help: "Model folder written by `loom sentiment train`.")
    var model: String

    @Option(help: "File with one review per line.")
    var file: String?

    @Flag(help: "Replace invalid UTF-8 in --file with U+FFFD instead of stopping.")
    var lossy = false

    @Option(name: .customLong("batch-size"), help: "Reviews per inference batch.")
    var batchSize: Int = 256

    @Flag(help: "Print JSON lines: {\"label\", \"probability\", \"probabilities\", \"line\"}.")
    var json = false

    func validate() throws {
        if text != nil && file != nil { throw ValidationError("give either a TEXT argument or --file, not both") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let classifier = try SentimentClassifier(directory: URL(commandLinePath: model))
            let inputs: [(text: String, source: String)]
            if let text {
                guard !text.allSatisfy(\.isWhitespace) else { throw ValidationError("the review text is empty") }
                inputs = [(text, "argument")]
            } else if let file {
                let url = URL(commandLinePath: file)
                inputs = try Self.reviews(in: try TextFile.readUTF8(url, lossy: lossy), source: url.path)
            } else {
                inputs = try Self.reviews(in: try readStandardInput(), source: "stdin")
            }
            guard !inputs.isEmpty else { throw ValidationError("no reviews to classify (the input is empty)") }
            let predictions = classifier.classify(inputs.map(\.text), batchSize: batchSize)
            let classes = classifier.configuration.classes
            var output = ""
            for (index, (input, prediction)) in zip(inputs, predictions).enumerated() {
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    struct Line: Encodable {
                        var line: Int
                        var label: String
                        var probability: Float
                        var probabilities: [String: Float]
                    }
                    let line = Line(line: index + 1, label: prediction.label, probability: prediction.probability,
                                    probabilities: Dictionary(uniqueKeysWithValues: zip(classes, prediction.probabilities)))
                    output += String(decoding: try encoder.encode(line), as: UTF8.self) + "\n"
                } else if inputs.count == 1 {
                    output += "\(prediction.label)\t\(String(format: "%.4f", prediction.probability))\n"
                } else {
                    let snippet = input.text.count > 70 ? String(input.text.prefix(67)) + "…" : input.text
                    output += "\(prediction.label)\t\(String(format: "%.4f", prediction.probability))\t\(snippet)\n"
                }
                if output.utf8.count > 1 << 16 {
                    FileHandle.standardOutput.write(Data(output.utf8))
                    output = ""
                }
            }
            FileHandle.standardOutput.write(Data(output.utf8))
        }
    }

    /// One review per non-final line; a line with a tab is `label<TAB>text`. A blank line is an error.
    static func reviews(in content: String, source: String) throws -> [(text: String, source: String)] {
        var lines = content.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return try lines.enumerated().map { index, rawLine in
            var line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if let tab = line.firstIndex(of: "\t") { line = line[line.index(after: tab)...] }
            guard !line.allSatisfy(\.isWhitespace) else {
                throw ValidationError("\(source):\(index + 1): empty review")
            }
            return (String(line), "\(source):\(index + 1)")
        }
    }
}
