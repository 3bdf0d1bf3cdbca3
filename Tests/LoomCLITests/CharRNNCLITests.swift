import Foundation
import XCTest

/// `loom charrnn train` and `loom sample` run as a user runs them: the built binary, exit codes, stdout, stderr.
final class CharRNNCLITests: CLITestCase {

    /// Trains a tiny model on a repetitive text and returns its folder.
    func trainTiny(_ name: String = "model", steps: Int = 120, extra: [String] = []) throws -> String {
        let corpus = try write(String(repeating: "the cat sat on the mat. ", count: 60), to: "corpus.txt")
        let result = try loom(["charrnn", "train", "--corpus", corpus, "--out", path(name), "--layers", "1",
                               "--hidden", "32", "--embedding", "8", "--seq-length", "12", "--batch-size", "4",
                               "--learning-rate", "0.01", "--decay", "1", "--steps", "\(steps)", "--eval-every", "40",
                               "--quiet"] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        return path(name)
    }

    /// Reads every file of a folder, to prove that a failed command changed nothing.
    func snapshot(_ directory: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let root = URL(fileURLWithPath: directory)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return out }
        for case let url as URL in enumerator { out[url.lastPathComponent + url.path.count.description] = try? Data(contentsOf: url) }
        return out
    }

    func testTrainThenSampleGreedyReproducesTheCorpus() throws {
        let model = try trainTiny(steps: 160)
        for name in ["config.json", "model.safetensors", "vocab.txt", "train-log.jsonl", "curves.svg", "resume/state.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: model + "/" + name), name)
        }
        let greedy = try loom(["sample", "--model", model, "--prompt", "the c", "--length", "43", "--temperature", "0"])
        XCTAssertEqual(greedy.status, 0, greedy.stderr)
        XCTAssertEqual(greedy.stdout, "the cat sat on the mat. the cat sat on the mat. \n")
    }

    /// --json: one line per evaluation, then a summary; the folder has training.json and train-log.csv, and
    /// `loom info` describes it.
    func testTrainJSONLinesTrainingRecordAndInfo() throws {
        let corpus = try write(String(repeating: "the cat sat on the mat. ", count: 60), to: "corpus.txt")
        let out = path("json-model")
        let result = try loom(["charrnn", "train", "--corpus", corpus, "--out", out, "--layers", "1", "--hidden", "16",
                               "--embedding", "8", "--seq-length", "12", "--batch-size", "4", "--steps", "40",
                               "--eval-every", "20", "--sample-length", "0", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.map { $0["event"] as? String }, ["evaluation", "evaluation", "summary"])
        XCTAssertEqual(lines.map { $0["step"] as? Int }, [20, 40, nil])
        XCTAssertEqual(lines.last?["steps"] as? Int, 40)
        let training = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/training.json"))) as? [String: Any])
        XCTAssertEqual((training["options"] as? [String: Any])?["schedule"] as? String, "cosine")
        XCTAssertEqual((training["data"] as? [String: Any])?["examples"] as? Int, 24 * 60)
        XCTAssertEqual(training["stopReason"] as? String, "reached 40 steps")
        XCTAssertTrue(try String(contentsOfFile: out + "/train-log.csv", encoding: .utf8).hasPrefix("epoch,"))
        let info = try loom(["info", "--model", out])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("lstm.weight_ih_l0") && info.stdout.contains("(charrnn)"), info.stdout)

        // --preset quality sets the recipe's dropouts; options given as well override it; not with --resume.
        let preset = path("preset-model")
        let presetRun = try loom(["charrnn", "train", "--corpus", corpus, "--out", preset, "--preset", "quality",
                                  "--hidden", "16", "--embedding", "8", "--seq-length", "12", "--batch-size", "4",
                                  "--steps", "2", "--quiet"])
        XCTAssertEqual(presetRun.status, 0, presetRun.stderr)
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: preset + "/config.json"))) as? [String: Any])
        XCTAssertEqual(config["hiddenSize"] as? Int, 16)
        XCTAssertEqual(config["dropout"] as? Double ?? 0, 0.25, accuracy: 1e-6)
        XCTAssertEqual(config["outputDropout"] as? Double ?? 0, 0.25, accuracy: 1e-6)
        XCTAssertEqual(try loom(["charrnn", "train", "--resume", preset, "--preset", "quality", "--steps", "4"]).status, 64)
    }

    func testSampleOptionsJSONAndReproducibility() throws {
        let model = try trainTiny(steps: 30)
        let args = ["sample", "--model", model, "--prompt", "the", "--length", "50", "--temperature", "1.2", "--seed", "5"]
        let a = try loom(args), b = try loom(args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertTrue(a.stdout.hasPrefix("the"))
        XCTAssertEqual(a.stdout.count, 3 + 50 + 1)
        let c = try loom(["sample", "--model", model, "--prompt", "the", "--length", "50", "--temperature", "1.2", "--seed", "6"])
        XCTAssertNotEqual(a.stdout, c.stdout)

        let greedy = try loom(["sample", "--model", model, "--prompt", "t", "--length", "40", "--temperature", "0"])
        let topOne = try loom(["sample", "--model", model, "--prompt", "t", "--length", "40", "--top-k", "1", "--seed", "3"])
        XCTAssertEqual(greedy.stdout, topOne.stdout)

        let json = try loom(["sample", "--model", model, "--prompt", "the", "--length", "20", "--count", "2", "--json",
                             "--top-p", "0.9"])
        XCTAssertEqual(json.status, 0, json.stderr)
        // One compact JSON line per sample.
        let lines = json.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, json.stdout)
        let samples = try lines.map { try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(samples.map { $0["index"] as? Int }, [0, 1])
        XCTAssertEqual(samples[0]["prompt"] as? String, "the")
        XCTAssertEqual((samples[0]["text"] as? String)?.count, 20)
        XCTAssertEqual((samples[0]["log_probabilities"] as? [Double])?.count, 20)
        XCTAssertEqual((samples[0]["symbols"] as? [String])?.joined(), samples[0]["text"] as? String)
        XCTAssertEqual(samples[0]["characters"] as? Int, 20)
        XCTAssertEqual(samples[1]["stop_reason"] as? String, "length")
        XCTAssertFalse(json.stdout.contains("\\/"), "slashes are not escaped")

        // Text mode: samples separated by a line of --separator (nanoGPT's dashes by default).
        let several = try loom(["sample", "--model", model, "--prompt", "the", "--length", "10", "--count", "3"])
        let parts = several.stdout.components(separatedBy: "\n---------------\n")
        XCTAssertEqual(parts.count, 3, several.stdout)
        XCTAssertTrue(parts.allSatisfy { $0.hasPrefix("the") })
        let marked = try loom(["sample", "--model", model, "--prompt", "the", "--length", "10", "--count", "2",
                               "--separator", "=== next ==="])
        XCTAssertEqual(marked.stdout.components(separatedBy: "\n=== next ===\n").count, 2, marked.stdout)
        XCTAssertEqual(try loom(["sample", "--model", model, "--count", "2", "--separator", "a\nb"]).status, 64)
    }

    /// --prompts runs one generation per line and writes JSON Lines in file order, each the text the prompt
    /// gives alone; a bad line is reported in its place (and on stderr) while the others run, exit 1.
    func testPromptsFileRunsEachLineAndReportsBadOnes() throws {
        let model = try trainTiny(steps: 30)
        var bytes = Data("the\n\n{\"prompt\": \"at the\"}\nthe cXQ\n{not json\n".utf8)
        bytes.append(contentsOf: [0x74, 0xFF, 0x0A])  // "t", an invalid byte
        bytes.append(Data("mat\n".utf8))
        let file = scratch.appendingPathComponent("prompts.txt")
        try bytes.write(to: file)
        let common = ["--model", model, "--length", "25", "--seed", "4", "--temperature", "1"]
        let result = try loom(["sample", "--prompts", file.path, "--lanes", "2"] + common)
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.map { $0["line"] as? Int }, [1, 2, 3, 4, 5, 6, 7])
        for bad in [3, 4, 5] { XCTAssertNotNil(lines[bad]["error"] as? String, "line \(bad + 1)") }
        XCTAssertTrue(result.stderr.contains("prompts.txt:4"), result.stderr)
        XCTAssertTrue(result.stderr.contains("prompts.txt:6") && result.stderr.contains("UTF-8"), result.stderr)
        for (index, prompt) in [(0, "the"), (1, ""), (2, "at the"), (6, "mat")] {
            XCTAssertEqual(lines[index]["prompt"] as? String, prompt)
            let alone = try loom(["sample", "--prompt", prompt, "--json"] + common)
            let single = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(lines[index]["text"] as? String, single["text"] as? String, "line \(index + 1)")
            XCTAssertEqual(lines[index]["stop_reason"] as? String, "length")
        }
        XCTAssertEqual(try loom(["sample", "--prompts", file.path, "--count", "2"] + common).status, 64)
        XCTAssertEqual(try loom(["sample", "--prompts", file.path, "--lanes", "0"] + common).status, 64)
        let empty = try write("", to: "empty.txt")
        let none = try loom(["sample", "--prompts", empty] + common)
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("empty"), none.stderr)
        XCTAssertEqual(try loom(["sample", "--prompt-file", empty] + common).status, 1)
    }

    /// --stop ends a sample where its text first ends with a stop text (left out, or kept with --include-stop),
    /// the same text streamed and in --json; --prompt-file reads the prompt as --prompt would give it.
    func testStopTextsAndPromptFile() throws {
        let full = try loom(["sample", "--prompt", "ROMEO:", "--length", "300", "--seed", "7"])
        XCTAssertEqual(full.status, 0, full.stderr)
        let generated = String(full.stdout.dropFirst("ROMEO:".count).dropLast())
        let range = try XCTUnwrap(generated.range(of: "the"), generated)
        let before = String(generated[..<range.lowerBound])
        let stopped = try loom(["sample", "--prompt", "ROMEO:", "--length", "300", "--seed", "7", "--stop", "zzz", "--stop", "the"])
        XCTAssertEqual(stopped.stdout, "ROMEO:" + before + "\n")
        let kept = try loom(["sample", "--prompt", "ROMEO:", "--length", "300", "--seed", "7", "--stop", "the", "--include-stop"])
        XCTAssertEqual(kept.stdout, "ROMEO:" + before + "the\n")
        let json = try loom(["sample", "--prompt", "ROMEO:", "--length", "300", "--seed", "7", "--stop", "the", "--json"])
        let sample = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(sample["text"] as? String, before)
        XCTAssertEqual(sample["stop_reason"] as? String, "stop")
        XCTAssertEqual((sample["log_probabilities"] as? [Double])?.count, before.count)

        let file = try write("ROMEO:", to: "prompt.txt")
        let fromFile = try loom(["sample", "--prompt-file", file, "--length", "300", "--seed", "7"])
        XCTAssertEqual(fromFile.stdout, full.stdout)
        // No prompt: unconditional sampling (after a line break, not printed).
        let unconditional = try loom(["sample", "--length", "10", "--seed", "7"])
        XCTAssertEqual(unconditional.status, 0, unconditional.stderr)
        XCTAssertEqual(unconditional.stdout.unicodeScalars.count, 11, unconditional.stdout)
        XCTAssertEqual(try loom(["sample", "--prompt", "", "--length", "10", "--seed", "7"]).stdout, unconditional.stdout)
        XCTAssertEqual(try loom(["sample", "--prompt", "A", "--prompt-file", file]).status, 64)
        XCTAssertEqual(try loom(["sample", "--prompt", "A", "--stop", ""]).status, 64)
        XCTAssertEqual(try loom(["sample", "--prompt-file", ""]).status, 64)
        let missing = try loom(["sample", "--prompt-file", "nope.txt"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nope.txt"), missing.stderr)
    }

    /// --no-repeat-ngram 2: no character bigram of prompt + text occurs twice; --repetition-penalty changes the
    /// text of the same seed; bad values are errors.
    func testRepetitionControls() throws {
        let banned = try loom(["sample", "--prompt", "ROMEO:", "--length", "40", "--seed", "3", "--no-repeat-ngram", "2"])
        XCTAssertEqual(banned.status, 0, banned.stderr)
        let characters = Array(banned.stdout.dropLast())
        let bigrams = (0..<(characters.count - 1)).map { String(characters[$0...($0 + 1)]) }
        XCTAssertEqual(Set(bigrams).count, bigrams.count, banned.stdout)
        let plain = try loom(["sample", "--prompt", "ROMEO:", "--length", "200", "--seed", "3"])
        let penalised = try loom(["sample", "--prompt", "ROMEO:", "--length", "200", "--seed", "3", "--repetition-penalty", "1.5"])
        XCTAssertEqual(penalised.status, 0, penalised.stderr)
        XCTAssertNotEqual(plain.stdout, penalised.stdout)
        let same = try loom(["sample", "--prompt", "ROMEO:", "--length", "200", "--seed", "3", "--repetition-penalty", "1"])
        XCTAssertEqual(plain.stdout, same.stdout, "a penalty of 1 changes nothing")
        for bad in [["--repetition-penalty", "0"], ["--repetition-window", "0"], ["--no-repeat-ngram", "0"]] {
            let result = try loom(["sample", "--prompt", "ROMEO:"] + bad)
            XCTAssertNotEqual(result.status, 0, "\(bad)")
            XCTAssertTrue(result.stderr.contains(bad[0]), result.stderr)
        }
    }

    func testSampleErrors() throws {
        let model = try trainTiny(steps: 2)
        func expectFailure(_ arguments: [String], mentioning needle: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let result = try loom(arguments)
            XCTAssertNotEqual(result.status, 0, file: file, line: line)
            XCTAssertTrue(result.stderr.contains(needle), "stderr: \(result.stderr)", file: file, line: line)
            XCTAssertEqual(result.stdout, "", file: file, line: line)
        }
        try expectFailure(["sample", "--model", model, "--prompt", "the QUIZ"], mentioning: "error: ")
        try expectFailure(["sample", "--model", model, "--prompt", "the Q"], mentioning: "\"Q\"")
        try expectFailure(["sample", "--model", model, "--prompt", "the", "--top-p", "1.5"], mentioning: "error: --top-p")
        try expectFailure(["sample", "--model", model, "--prompt", "the", "--top-p", "0"], mentioning: "--top-p")
        try expectFailure(["sample", "--model", model, "--prompt", "the", "--temperature=-0.5"], mentioning: "error: --temperature")
        try expectFailure(["sample", "--model", model, "--prompt", "QZ", "--skip-unknown"], mentioning: "nothing is left")
        try expectFailure(["sample", "--model", path("nowhere"), "--prompt", "the"], mentioning: "error: ")

        let skipped = try loom(["sample", "--model", model, "--prompt", "the Q", "--skip-unknown", "--length", "5"])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertTrue(skipped.stdout.hasPrefix("the "))
        XCTAssertTrue(skipped.stderr.contains("\"Q\""))

        let weights = model + "/model.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: weights))
        try data.prefix(data.count - 7).write(to: URL(fileURLWithPath: weights))
        try expectFailure(["sample", "--model", model, "--prompt", "the"], mentioning: "model.safetensors")
    }

    func testTrainErrorsLeaveNothingBehind() throws {
        let empty = try write("", to: "empty.txt")
        var result = try loom(["charrnn", "train", "--corpus", empty, "--out", path("a"), "--quiet"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains("empty"), result.stderr)
        let small = try write("tiny text", to: "small.txt")
        result = try loom(["charrnn", "train", "--corpus", small, "--out", path("a"), "--quiet"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("too small"), result.stderr)
        result = try loom(["charrnn", "train", "--corpus", small, "--out", path("a"), "--cell", "transformer"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--cell"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("a")))
    }

    func testResumeContinuesAndRejectsMismatchesAndOtherModels() throws {
        let model = try trainTiny(steps: 20)
        let resumed = try loom(["charrnn", "train", "--resume", model, "--steps", "30", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("30 steps"), resumed.stdout)
        let log = try String(contentsOfFile: model + "/train-log.jsonl", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 2, "evaluations at step 20 (end of the first run) and 30")

        let before = snapshot(model)
        var result = try loom(["charrnn", "train", "--resume", model, "--steps", "40", "--hidden", "64", "--quiet"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--hidden 64 (the run has 32)"), result.stderr)
        result = try loom(["charrnn", "train", "--resume", model, "--quiet"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("already stopped"), result.stderr)
        XCTAssertEqual(snapshot(model), before)

        let sentiment = path("sentiment")
        try FileManager.default.createDirectory(atPath: sentiment, withIntermediateDirectories: true)
        try Data(#"{"kind": "sentiment", "formatVersion": 1, "classes": ["neg", "pos"]}"#.utf8)
            .write(to: URL(fileURLWithPath: sentiment + "/config.json"))
        let sentimentBefore = snapshot(sentiment)
        result = try loom(["charrnn", "train", "--resume", sentiment, "--steps", "40", "--quiet"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("sentiment model"), result.stderr)
        result = try loom(["sample", "--model", sentiment, "--prompt", "the"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("sentiment model"), result.stderr)
        XCTAssertEqual(snapshot(sentiment), sentimentBefore)
    }

    func testHelpShowsExamples() throws {
        let train = try loom(["charrnn", "train", "--help"])
        XCTAssertTrue(train.stdout.contains("Examples:") && train.stdout.contains("--resume"))
        let sample = try loom(["sample", "--help"])
        XCTAssertTrue(sample.stdout.contains("--top-p") && sample.stdout.contains("Examples:"))
    }
}
