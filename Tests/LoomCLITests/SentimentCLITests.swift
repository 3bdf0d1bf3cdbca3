import Foundation
import XCTest

/// End to end: `loom sentiment train`, `loom sentiment eval` and `loom classify` on small data.
final class SentimentCLITests: CLITestCase {
    /// A tiny model trained on the bundled reviews, quickly (small sizes, few epochs).
    func trainSmallModel(named name: String = "model", extra: [String] = []) throws -> (path: String, result: Result) {
        let out = scratch.appendingPathComponent(name).path
        let result = try loom(["sentiment", "train", "--data", repositoryRoot.appendingPathComponent("corpora/reviews.tsv").path,
                               "--out", out, "--epochs", "3", "--embedding", "16", "--hidden", "16", "--max-vocab", "1500",
                               "--min-count", "1", "--batch-size", "32", "--learning-rate", "0.01", "--quiet"] + extra)
        return (out, result)
    }

    /// Bad --class-weight, --labels and n-gram options: clear errors, the right exit status, nothing written.
    func testClassWeightAndLabelErrors() throws {
        for (extra, status, message) in [(["--class-weight", "good=2"], Int32(64), "unknown class 'good'; the data's classes are neg, pos"),
                                         (["--class-weight", "pos=0"], 64, "must be a positive number"),
                                         (["--labels", "neg"], 1, "reviews.tsv:"),
                                         (["--ngrams", "4"], 64, "--ngrams must be 1, 2 or 3"),
                                         (["--ngrams", "0", "--ngram-buckets", "99"], 64, "need an n-gram branch"),
                                         (["--ngram-max-length", "0"], 64, "--ngram-max-length must be between 1 and 1,000,000, got 0"),
                                         (["--ngrams", "0", "--ngram-max-length", "100"], 64, "need an n-gram branch"),
                                         (["--snippets", "17"], 64, "--snippets must be between 0 and 16, got 17"),
                                         (["--snippets=-1"], 64, "--snippets must be between 0 and 16, got -1")] {
            let (model, result) = try trainSmallModel(named: "refused", extra: extra)
            XCTAssertEqual(result.status, status, "\(extra): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(extra): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: model), "\(extra) wrote \(model)")
        }
        // And they work: balanced weights are reported, --labels sets the output order; --snippets says what it
        // added and the run records it.
        let (model, result) = try trainSmallModel(named: "weighted", extra: ["--class-weight", "balanced", "--labels", "pos,neg", "--epochs", "1",
                                                                              "--snippets", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let training = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model + "/training.json"))) as? [String: Any])
        XCTAssertEqual((training["options"] as? [String: Any])?["snippets"] as? Int, 2)
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model + "/config.json"))) as? [String: Any])
        XCTAssertEqual(config["classes"] as? [String], ["pos", "neg"])
        XCTAssertEqual(config["webText"] as? Bool, true)
        let bag = try XCTUnwrap(config["ngrams"] as? [String: Any])
        XCTAssertEqual(bag["maxLength"] as? Int, 4000, "the bag's own window by default")
        // The bag's weight chosen on validation is in the model and in every epoch's log line.
        let weight = try XCTUnwrap(bag["bagWeight"] as? Double)
        XCTAssertTrue((0...1).contains(weight), "\(weight)")
        let log = try String(contentsOfFile: model + "/train-log.jsonl", encoding: .utf8)
        XCTAssertTrue(log.contains("\"bagWeight\":"), log)
        // --no-web-text and --ngram-max-length are recorded in the model, which then tokenizes without the rules.
        let (plain, plainResult) = try trainSmallModel(named: "plain", extra: ["--no-web-text", "--ngram-max-length", "50", "--epochs", "1"])
        XCTAssertEqual(plainResult.status, 0, plainResult.stderr)
        let plainConfig = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: plain + "/config.json"))) as? [String: Any])
        XCTAssertEqual(plainConfig["webText"] as? Bool, false)
        XCTAssertEqual((plainConfig["ngrams"] as? [String: Any])?["maxLength"] as? Int, 50)
        let withRules = try loom(["encode", "--model", model, "--out", scratch.appendingPathComponent("rules.npy").path, "so good :)"])
        let withoutRules = try loom(["encode", "--model", plain, "--out", scratch.appendingPathComponent("plain.npy").path, "so good :)"])
        XCTAssertEqual(withRules.status, 0, withRules.stderr)
        XCTAssertEqual(withoutRules.status, 0, withoutRules.stderr)
        XCTAssertTrue(withRules.stderr.contains("(3 tokens"), "':)' is one token with the rules: \(withRules.stderr)")
        XCTAssertTrue(withoutRules.stderr.contains("(4 tokens"), "':' and ')' without them: \(withoutRules.stderr)")
    }

    /// `--task regression` from the command line: ratings in, a rating out of classify (text and JSON), MAE and
    /// correlations from eval; explanations, a text label and --class-weight are refused clearly. (Serving
    /// one: ServeCLITests.)
    func testRegressionTaskEndToEnd() throws {
        let data = try writeRatings()
        let out = scratch.appendingPathComponent("rating").path
        let trained = try loom(smallRatingModelArguments(data: data, out: out))
        XCTAssertEqual(trained.status, 0, trained.stderr)
        // Progress names a regression's accuracy for what it is: the share within ±1.
        let shown = try loom(smallRatingModelArguments(data: data, out: path("rating-progress")).filter { $0 != "--quiet" } + ["--epochs", "1"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stderr.contains(" ±1 0.") && !shown.stderr.contains(" acc 0."), shown.stderr)
        XCTAssertTrue(trained.stdout.contains("validation MAE"), trained.stdout)
        let config = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/config.json"))) as? [String: Any])
        XCTAssertEqual(config["task"] as? String, "regression")
        XCTAssertEqual((config["ratingScale"] as? [String: Any])?["maximum"] as? Double, 8)
        // A regression's bag gets its own defaults: the ridge peer's L2 and 5× the learning rate.
        let bag = try XCTUnwrap(config["ngrams"] as? [String: Any])
        XCTAssertEqual(bag["learningRateScale"] as? Double, 5)
        XCTAssertEqual((bag["l2"] as? Double).map { Float($0) }, 4e-6)
        let text = try loom(["classify", "--model", out, "great great great movie here"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let rating = try XCTUnwrap(Double(text.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), text.stdout)
        XCTAssertTrue((2...8).contains(rating), text.stdout)
        let json = try loom(["classify", "--model", out, "--json", "awful awful movie here"])
        let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertNotNil(line["rating"] as? Double, json.stdout)
        let eval = try loom(["sentiment", "eval", "--model", out, "--data", data, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let metrics = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["metrics"] as? [String: Any])
        for key in ["meanAbsoluteError", "rootMeanSquareError", "pearson", "spearman", "withinOne"] { XCTAssertNotNil(metrics[key], key) }
        let explain = try loom(["classify", "--model", out, "--explain", "ig", "great movie"])
        XCTAssertEqual(explain.status, 64, explain.stderr)
        XCTAssertTrue(explain.stderr.contains("predicts a rating"), explain.stderr)
        // Data a regression cannot use, options it has no use for: errors, nothing written.
        let wordy = scratch.appendingPathComponent("wordy.tsv")
        try "7\tfine\n8\tgood\nten\tgreat\n".write(to: wordy, atomically: true, encoding: .utf8)
        for (arguments, status, message) in [(["--data", wordy.path], Int32(1), "wordy.tsv:3"),
                                             (["--data", data, "--class-weight", "balanced"], 64, "--class-weight and --labels are for classes")] {
            let refused = scratch.appendingPathComponent("refused-rating").path
            let result = try loom(["sentiment", "train", "--task", "regression", "--out", refused, "--quiet"] + arguments)
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: refused))
        }
    }

    func testTrainEvalClassifyRoundTrip() throws {
        let (model, result) = try trainSmallModel()
        XCTAssertEqual(result.status, 0, result.stderr)
        for file in ["config.json", "model.safetensors", "vocab.txt", "train-log.jsonl", "curves.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: model + "/" + file), "missing \(file)")
        }
        let log = try String(contentsOfFile: model + "/train-log.jsonl", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 3, "one line per epoch")
        XCTAssertTrue(try String(contentsOfFile: model + "/curves.svg", encoding: .utf8).hasPrefix("<svg"))
        let weights = try Data(contentsOf: URL(fileURLWithPath: model + "/model.safetensors"))
        let header = String(decoding: weights.dropFirst(8).prefix(4096), as: UTF8.self)
        // The default recipe: a GRU beside the n-gram bag.
        for name in ["embedding.weight", "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0", "fc.weight", "fc.bias",
                     "ngram.weight", "ngram.bias", "ngram.scale"] {
            XCTAssertTrue(header.contains("\"\(name)\""), "PyTorch name \(name) missing from safetensors header")
        }

        let eval = try loom(["sentiment", "eval", "--model", model, "--data",
                             repositoryRoot.appendingPathComponent("corpora/reviews.tsv").path, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        let metrics = report["metrics"] as! [String: Any]
        XCTAssertEqual(metrics["count"] as? Int, 320)
        XCTAssertNotNil(metrics["rocAUC"] as? Double)

        let single = try loom(["classify", "--model", model, "What a wonderful, moving film."])
        XCTAssertEqual(single.status, 0, single.stderr)
        let fields = single.stdout.trimmingCharacters(in: .newlines).split(separator: "\t")
        XCTAssertEqual(fields.count, 2)
        XCTAssertTrue(["pos", "neg"].contains(String(fields[0])))
        let probability = Double(fields[1])!
        XCTAssertTrue(probability >= 0.5 && probability <= 1)

        // The same review through a file, stdin and JSON gives the same probability: the model reloads identically.
        let file = try write("What a wonderful, moving film.\nneg\tBoring and far too long.\n", to: "in.txt")
        let fromFile = try loom(["classify", "--model", model, "--file", file, "--json"])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        let lines = fromFile.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0]["probability"] as! Double, probability, accuracy: 1e-4)
        let fromStdin = try loom(["classify", "--model", model], stdin: "What a wonderful, moving film.\n")
        XCTAssertEqual(fromStdin.status, 0, fromStdin.stderr)
        XCTAssertTrue(fromStdin.stdout.hasPrefix(single.stdout.trimmingCharacters(in: .newlines)), fromStdin.stdout)
    }

    /// A model folder records how it was made (training.json, train-log.csv in Keras' layout); `loom info`
    /// summarises it; `--json` training prints one line per epoch and a summary.
    func testTrainingRecordInfoAndJSONProgress() throws {
        let (model, result) = try trainSmallModel(extra: ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.map { $0["event"] as? String }, ["epoch", "epoch", "epoch", "summary"])
        XCTAssertEqual(lines.first?["epoch"] as? Int, 1)
        XCTAssertNotNil(lines.first?["validationAccuracy"] as? Double)
        XCTAssertEqual(lines.last?["model"] as? String, model)

        let training = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model + "/training.json"))) as? [String: Any])
        let options = try XCTUnwrap(training["options"] as? [String: Any])
        XCTAssertEqual(options["batchSize"] as? Int, 32)
        XCTAssertEqual(options["learningRate"] as? Double ?? 0, 0.01, accuracy: 1e-6)
        let data = try XCTUnwrap(training["data"] as? [String: Any])
        XCTAssertEqual(data["examples"] as? Int, 320)
        XCTAssertEqual((data["classCounts"] as? [String: Int]).map { $0.values.reduce(0, +) }, 320)
        XCTAssertEqual((data["fingerprint"] as? String)?.isEmpty, false)
        XCTAssertEqual(training["loomVersion"] as? String, "0.1.0")
        XCTAssertNotNil(training["blasCore"] as? String)
        XCTAssertNotNil((training["metrics"] as? [String: Any])?["validationAccuracy"])
        XCTAssertNotNil(training["stopReason"] as? String)
        // The run's wall time, counted once: the summary line's seconds (this run's loop) and training.json's agree.
        let loopSeconds = try XCTUnwrap(lines.last?["seconds"] as? Double)
        let recordedSeconds = try XCTUnwrap(training["seconds"] as? Double)
        XCTAssertEqual(recordedSeconds, loopSeconds, accuracy: 0.1 * loopSeconds + 0.05, "training.json's seconds")

        let csv = try String(contentsOfFile: model + "/train-log.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "epoch,accuracy,bag_weight,gradient_norm,learning_rate,loss,seconds,step,tokens_per_second,val_accuracy,val_loss")
        XCTAssertEqual(csv.count, 4)
        XCTAssertTrue(csv[1].hasPrefix("1,"), String(csv[1]))
        let bagWeights = csv.dropFirst().map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[2]) }
        XCTAssertEqual(bagWeights, lines.dropLast().map { $0["bagWeight"] as? Double }, "the CSV's bag_weight is the log's")

        let info = try loom(["info", "--model", model])
        XCTAssertEqual(info.status, 0, info.stderr)
        for text in ["embedding.weight", "gru.weight_hh_l0", "fc.bias", "ngram.scale", "total parameters", "Loom 0.1.0"] {
            XCTAssertTrue(info.stdout.contains(text), "\(text) missing from\n\(info.stdout)")
        }
        let infoJSON = try loom(["info", "--model", model, "--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(infoJSON.stdout.utf8)) as? [String: Any])
        let tensors = try XCTUnwrap(object["tensors"] as? [[String: Any]])
        XCTAssertEqual(object["parameters"] as? Int, tensors.map { $0["parameters"] as! Int }.reduce(0, +))
        XCTAssertEqual(tensors.first?["name"] as? String, "embedding.weight")
        XCTAssertNotNil(object["training"] as? [String: Any])
        XCTAssertEqual(try loom(["info", "--model", scratch.appendingPathComponent("nowhere").path]).status, 1)
    }

    /// --vocab trains with a vocabulary from `loom vocab build` (same tokenizer defaults as training), and it is
    /// the model's vocabulary; options that only size a built vocabulary are refused with it.
    func testTrainingWithABuiltVocabulary() throws {
        let data = repositoryRoot.appendingPathComponent("corpora/reviews.tsv").path
        let vocabPath = scratch.appendingPathComponent("v.txt").path
        let built = try loom(["vocab", "build", data, "--max-size", "800", "--out", vocabPath])
        XCTAssertEqual(built.status, 0, built.stderr)
        XCTAssertTrue(try String(contentsOfFile: vocabPath, encoding: .utf8).split(separator: "\n").contains("!"),
                      "vocab build keeps punctuation, as training does")
        let out = scratch.appendingPathComponent("withvocab").path
        let trained = try loom(["sentiment", "train", "--data", data, "--out", out, "--vocab", vocabPath, "--epochs", "1",
                                "--embedding", "8", "--hidden", "8"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("covers"), trained.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/vocab.txt")), try Data(contentsOf: URL(fileURLWithPath: vocabPath)))
        XCTAssertEqual(try loom(["sentiment", "train", "--data", data, "--out", out, "--vocab", vocabPath, "--max-vocab", "50"]).status, 64)
        let missing = try loom(["sentiment", "train", "--data", data, "--out", out, "--vocab", scratch.appendingPathComponent("none.txt").path])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("none.txt"), missing.stderr)
    }

    /// --resume continues a stopped run from its folder (data from the saved state), refuses changed settings.
    func testResumeFromTheCommandLine() throws {
        let (model, first) = try trainSmallModel(named: "resumable", extra: ["--max-steps", "12"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: model + "/resume/state.json"))
        let resumed = try loom(["sentiment", "train", "--resume", model, "--epochs", "3", "--json", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(resumed.stdout.split(separator: "\n").last!.utf8)) as? [String: Any])
        XCTAssertGreaterThan(summary["steps"] as? Int ?? 0, 12)
        let changed = try loom(["sentiment", "train", "--resume", model, "--hidden", "64", "--epochs", "5"])
        XCTAssertEqual(changed.status, 64, changed.stderr)
        XCTAssertTrue(changed.stderr.contains("--hidden"), changed.stderr)
        let nothing = try loom(["sentiment", "train", "--resume", scratch.appendingPathComponent("none").path, "--epochs", "5"])
        XCTAssertEqual(nothing.status, 1, nothing.stderr)
        XCTAssertEqual(try loom(["sentiment", "train", "--out", scratch.appendingPathComponent("x").path]).status, 64)
    }

    func testSameSeedGivesIdenticalWeights() throws {
        let first = try trainSmallModel(named: "a", extra: ["--epochs", "1"])
        let second = try trainSmallModel(named: "b", extra: ["--epochs", "1"])
        XCTAssertEqual(first.result.status, 0, first.result.stderr)
        XCTAssertEqual(second.result.status, 0, second.result.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: first.path + "/model.safetensors")),
                       try Data(contentsOf: URL(fileURLWithPath: second.path + "/model.safetensors")))
    }

    func testBadTrainingDataIsRejectedClearly() throws {
        let missing = try loom(["sentiment", "train", "--data", "/nonexistent/reviews.tsv", "--out", "m"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/reviews.tsv"), missing.stderr)

        let oneClass = try write("pos\tGreat film.\npos\tLoved it.\npos\tSuperb.\n", to: "one.tsv")
        let single = try loom(["sentiment", "train", "--data", oneClass, "--out", "m", "--quiet"])
        XCTAssertNotEqual(single.status, 0)
        XCTAssertTrue(single.stderr.contains("at least two classes"), single.stderr)

        let emptyReview = try write("pos\tGreat film.\nneg\t   \nneg\tAwful.\npos\tFine.\n", to: "empty.tsv")
        let empty = try loom(["sentiment", "train", "--data", emptyReview, "--out", "m", "--quiet"])
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.stderr.contains("empty"), empty.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("m").path), "nothing written on failure")
    }

    /// Several TEXT arguments: one line each, in order, with its text (the bundled model answers).
    func testSeveralTextArgumentsAnswerOneLineEach() throws {
        let result = try loom(["classify", "A wonderful, moving film with a superb cast.", "Dull, boring and far too long."])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(lines.map(\.first), ["pos", "neg"], result.stdout)
        XCTAssertEqual(lines.map(\.last), ["A wonderful, moving film with a superb cast.", "Dull, boring and far too long."])
        let blank = try loom(["classify", "Fine.", "  "])
        XCTAssertEqual(blank.status, 64)
        XCTAssertTrue(blank.stderr.contains("argument 2 is empty"), blank.stderr)
    }

    /// `classify --json` on a pipe answers each line before the next is written: a line-by-line worker.
    func testJSONOnStdinAnswersEachLineAsItArrives() throws {
        let worker = try start(["classify", "--json"])
        // A reader thread collects stdout, so that a missing answer fails after a deadline instead of hanging.
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var lines: [String] = []
        }
        let collected = Collected()
        let reader = Thread {
            var buffer = Data()
            while true {
                let chunk = worker.output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer = Data(buffer[(newline + 1)...])
                    collected.lock.withLock { collected.lines.append(line) }
                }
            }
        }
        reader.start()
        for (index, (review, label)) in [("A wonderful, moving film with a superb cast.", "pos"),
                                         ("Dull, boring and far too long.", "neg")].enumerated() {
            worker.input.fileHandleForWriting.write(Data((review + "\n").utf8))
            // The answer must come back while stdin stays open.
            let deadline = Date().addingTimeInterval(30)
            while collected.lock.withLock({ collected.lines.count }) <= index && Date() < deadline { usleep(10_000) }
            let line = collected.lock.withLock { collected.lines.count > index ? collected.lines[index] : "" }
            let answer = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            XCTAssertEqual(answer?["label"] as? String, label, "no answer to line \(index + 1) while stdin is open: '\(line)'")
        }
        try worker.input.fileHandleForWriting.close()
        worker.process.waitUntilExit()
        XCTAssertEqual(worker.process.terminationStatus, 0)
    }

    func testNonFiniteLossStopsAndKeepsTheLastGoodModel() throws {
        let (model, good) = try trainSmallModel(extra: ["--epochs", "1"])
        XCTAssertEqual(good.status, 0, good.stderr)
        let before = try Data(contentsOf: URL(fileURLWithPath: model + "/model.safetensors"))
        let (_, exploded) = try trainSmallModel(extra: ["--learning-rate", "1e35", "--clip", "1e38"])
        // Which guard fires first depends on the machine's kernels: a NaN/∞ loss, or a finite one far above
        // ln 2 (seen with OpenBLAS's Cooperlake kernel). Either is a divergence: exit 2, nothing saved.
        XCTAssertEqual(exploded.status, 2, exploded.stderr)
        XCTAssertTrue(exploded.stderr.contains("NaN or infinite") || exploded.stderr.contains("above the limit"), exploded.stderr)
        XCTAssertTrue(exploded.stderr.contains("lower learning rate"), exploded.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model + "/model.safetensors")), before)
    }

    func testBrokenModelFoldersAreNamedInErrors() throws {
        let (model, result) = try trainSmallModel(extra: ["--epochs", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let fileManager = FileManager.default

        // Truncated weights.
        let copy = scratch.appendingPathComponent("truncated").path
        try fileManager.copyItem(atPath: model, toPath: copy)
        let weights = try Data(contentsOf: URL(fileURLWithPath: copy + "/model.safetensors"))
        try weights.prefix(weights.count / 2).write(to: URL(fileURLWithPath: copy + "/model.safetensors"))
        var run = try loom(["classify", "--model", copy, "good film"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("model.safetensors"), run.stderr)

        // Missing vocabulary.
        let noVocab = scratch.appendingPathComponent("novocab").path
        try fileManager.copyItem(atPath: model, toPath: noVocab)
        try fileManager.removeItem(atPath: noVocab + "/vocab.txt")
        run = try loom(["classify", "--model", noVocab, "good film"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("vocab.txt"), run.stderr)

        // A vocabulary that does not belong to the weights.
        let otherVocab = scratch.appendingPathComponent("othervocab").path
        try fileManager.copyItem(atPath: model, toPath: otherVocab)
        try "<pad>\n<unk>\nfilm\n".write(toFile: otherVocab + "/vocab.txt", atomically: true, encoding: .utf8)
        run = try loom(["classify", "--model", otherVocab, "good film"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("does not belong"), run.stderr)

        // A config from a newer format.
        let newer = scratch.appendingPathComponent("newer").path
        try fileManager.copyItem(atPath: model, toPath: newer)
        var config = try String(contentsOfFile: newer + "/config.json", encoding: .utf8)
        config = config.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 7")
        try config.write(toFile: newer + "/config.json", atomically: true, encoding: .utf8)
        run = try loom(["classify", "--model", newer, "good film"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("newer Loom"), run.stderr)

        // Blank input lines are skipped with a note naming the first; the others are classified.
        let blank = try write("good film\n\nbad film\n", to: "blank.txt")
        run = try loom(["classify", "--model", model, "--file", blank, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("skipped 1 blank line") && run.stderr.contains("blank.txt:2"), run.stderr)
        XCTAssertEqual(run.stdout.split(separator: "\n").map { $0.contains("\"line\":1") || $0.contains("\"line\":3") }, [true, true])
    }

    func testInterruptedTrainingLeavesThePreviousModelLoadable() throws {
        let (model, first) = try trainSmallModel(extra: ["--epochs", "1"])
        XCTAssertEqual(first.status, 0, first.stderr)
        // Start a long run into the same folder and kill it mid-way.
        let process = Process()
        process.executableURL = loomURL
        process.arguments = ["sentiment", "train", "--data", repositoryRoot.appendingPathComponent("corpora/reviews.tsv").path,
                             "--out", model, "--epochs", "500", "--patience", "500", "--embedding", "64", "--hidden", "64",
                             "--min-count", "1", "--batch-size", "8", "--quiet", "--seed", "9"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        process.terminate()
        process.waitUntilExit()
        let classify = try loom(["classify", "--model", model, "good film"])
        XCTAssertEqual(classify.status, 0, "the folder must stay loadable after a kill: \(classify.stderr)")
        for file in ["config.json", "model.safetensors", "vocab.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: model + "/" + file), "\(file) lost by the interruption")
        }
    }
}
