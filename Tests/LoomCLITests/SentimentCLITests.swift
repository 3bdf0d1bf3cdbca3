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
        for name in ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"] {
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
