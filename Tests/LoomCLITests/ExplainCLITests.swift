import Foundation
import XCTest

/// `loom classify --explain`: what a user sees in a terminal, pipe, JSON and HTML, and the refusals.
final class ExplainCLITests: CLITestCase {

    struct Line: Decodable {
        struct Token: Decodable { var token: String; var id: Int; var start: Int?; var end: Int?; var attribution: Float }
        struct Explanation: Decodable {
            var method: String
            var target: String
            var tokens: [Token]
            var truncatedTokens: Int
            var steps: Int?
            var logitDifference: Float?
            var completenessGap: Float?
        }
        var line: Int
        var label: String
        var explanation: Explanation
    }

    func testExplainWithTheBundledModelGivesCompleteAttributionsWithOffsets() throws {
        let text = "Not bad at all, I LOVED the ending. The acting was dreadful though."
        let result = try loom(["classify", "--explain", "--json", text])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try JSONDecoder().decode(Line.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(line.explanation.method, "ig")
        XCTAssertEqual(line.explanation.target, line.label)
        XCTAssertEqual(line.explanation.steps, 32)
        let sum = line.explanation.tokens.reduce(0) { $0 + $1.attribution }
        XCTAssertEqual(sum, line.explanation.logitDifference!, accuracy: 0.01 * abs(line.explanation.logitDifference!))
        // Offsets index the original text in code points, and give back each token's source.
        let scalars = Array(text.unicodeScalars)
        for token in line.explanation.tokens {
            let start = try XCTUnwrap(token.start), end = try XCTUnwrap(token.end)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[start..<end])
            XCTAssertEqual(String(view).lowercased(), token.token)
        }
        // "dreadful" speaks for the negative verdict, "loved" against it, whichever the verdict.
        let dreadful = try XCTUnwrap(line.explanation.tokens.first { $0.token == "dreadful" }).attribution
        let loved = try XCTUnwrap(line.explanation.tokens.first { $0.token == "loved" }).attribution
        XCTAssertEqual(dreadful > 0, line.label == "neg")
        XCTAssertEqual(loved > 0, line.label == "pos")

        // Plain text when stdout is not a terminal: the verdict, then the words for and against.
        let plain = try loom(["classify", "--explain", "occlusion", text])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stdout.contains("occlusion"), plain.stdout)
        XCTAssertTrue(plain.stdout.contains("for \(line.label): "), plain.stdout)
        XCTAssertFalse(plain.stdout.contains("\u{1B}["), "no colour when not a terminal")
    }

    func testHTMLReportIsWrittenAtomicallyAndNeverReplacesAForeignFile() throws {
        let reviews = try write("A wonderful, moving film.\nDull <b>and</b> far too long.\n", to: "reviews.txt")
        let report = path("report.html")
        let result = try loom(["classify", "--explain", "--file", reviews, "--html", report])
        XCTAssertEqual(result.status, 0, result.stderr)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(html.components(separatedBy: "<section>").count - 1, 2)
        XCTAssertTrue(html.contains("&lt;b&gt;") && html.contains("&lt;/b&gt;") && !html.contains("<b>"),
                      "the review's markup is shown, not obeyed")
        XCTAssertFalse(html.contains("<script"))
        // A second run may replace its own report, not someone else's file.
        XCTAssertEqual(try loom(["classify", "--explain", "--html", report, "good"]).status, 0)
        let foreign = try write("my notes\n", to: "notes.html")
        let refused = try loom(["classify", "--explain", "--html", foreign, "good"])
        XCTAssertEqual(refused.status, 73, refused.stderr)
        XCTAssertEqual(try String(contentsOfFile: foreign, encoding: .utf8), "my notes\n")
        XCTAssertEqual(try loom(["classify", "--explain", "--html", scratch.path, "good"]).status, 73)
        XCTAssertEqual(try loom(["classify", "--explain", "--html", reviews, "--file", reviews]).status, 73)
        XCTAssertEqual(try String(contentsOfFile: reviews, encoding: .utf8), "A wonderful, moving film.\nDull <b>and</b> far too long.\n")
    }

    func testBadExplainRequestsAreClearErrors() throws {
        let cases: [([String], Int32, String)] = [
            (["classify", "--explain", "attention", "good"], 64, "not attention"),
            (["classify", "--explain", "--steps", "0", "good"], 64, "--steps must be between"),
            (["classify", "--explain", "--steps", "-3", "good"], 64, "--steps"),
            (["classify", "--explain", "--steps", "99999999", "good"], 64, "--steps must be between"),
            (["classify", "--explain", "occlusion", "--steps", "8", "good"], 64, "--explain ig only"),
            (["classify", "--explain", "--target", "neutral", "good"], 64, "neg, pos"),
            (["classify", "--target", "pos", "good"], 64, "--target needs --explain"),
            (["classify", "--explain", "--model", "shakespeare", "good"], 1, "sentiment model"),
            (["classify", "--explain", "<br /><br />"], 1, "nothing to explain"),
            (["classify", "--explain", "--html", "", "good"], 64, "--html is empty"),
        ]
        for (arguments, status, message) in cases {
            let result = try loom(arguments)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Stack dump"), result.stderr)
        }
        // In a file, a review with nothing to explain is skipped with a note; the others are explained.
        let mixed = try write("Loved it.\n<br />\nHated it.\n", to: "mixed.txt")
        let skipping = try loom(["classify", "--explain", "--json", "--file", mixed])
        XCTAssertEqual(skipping.status, 0, skipping.stderr)
        XCTAssertEqual(skipping.stdout.split(separator: "\n").count, 2)
        XCTAssertTrue(skipping.stderr.contains("line 2 skipped: nothing to explain"), skipping.stderr)
        // A long review: the bundled model reads its last 4,000 tokens (its n-gram bag's window; the GRU reads
        // the last 400 of them), and the output says the rest was cut.
        let long = Array(repeating: "a fine film", count: 1500).joined(separator: " ")
        let result = try loom(["classify", "--explain", "ig", "--steps", "32", "--json", long])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try JSONDecoder().decode(Line.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(line.explanation.tokens.count, 4000)
        XCTAssertEqual(line.explanation.truncatedTokens, 500)
        // The first token read is the 501st: "a fine film " × 166 and "a fine " before it.
        XCTAssertEqual(line.explanation.tokens.first?.start, 166 * 12 + 7)
        XCTAssertEqual(line.explanation.tokens.first?.token, "film")
        XCTAssertTrue(try loom(["classify", "--explain", "--steps", "32", long]).stdout.contains("the first 500 tokens were cut"))
    }

    func testAttentionModelTrainsSavesAndExplainsWithItsWeights() throws {
        let reviews = repositoryRoot.appendingPathComponent("corpora/reviews.tsv").path
        let model = path("attention")
        let train = try loom(["sentiment", "train", "--data", reviews, "--out", model, "--pooling", "attention",
                              "--epochs", "2", "--embedding", "8", "--hidden", "8", "--min-count", "1", "--quiet"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let header = String(decoding: try Data(contentsOf: URL(fileURLWithPath: model + "/model.safetensors")).prefix(1200), as: UTF8.self)
        for name in ["attention.proj.weight", "attention.proj.bias", "attention.context"] {
            XCTAssertTrue(header.contains("\"\(name)\""), header)
        }
        let result = try loom(["classify", "--model", model, "--explain", "attention", "--json", "a great film, truly moving"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let line = try JSONDecoder().decode(Line.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(line.explanation.tokens.reduce(0) { $0 + $1.attribution }, 1, accuracy: 1e-4)
        XCTAssertEqual(try loom(["classify", "--model", model, "--explain", "--json", "a great film"]).status, 0)
    }
}
