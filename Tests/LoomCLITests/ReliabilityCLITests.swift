import Foundation
import XCTest

/// The reliability catalogue (docs/ERRORS.md): paths that would destroy data, options and files that used
/// to crash, inputs people pass, signals and kills at every step of a save.
final class ReliabilityCLITests: CLITestCase {
    var reviews: String { repositoryRoot.appendingPathComponent("corpora/reviews.tsv").path }

    /// Every file under `directory` with its bytes, keyed by relative path.
    func snapshot(_ directory: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let root = URL(fileURLWithPath: directory)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return out }
        for case let url as URL in enumerator {
            out[String(url.path.dropFirst(root.path.count))] = (try? Data(contentsOf: url)) ?? Data()
        }
        return out
    }

    func sentimentTrain(_ out: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> Result {
        try loom(["sentiment", "train", "--data", reviews, "--out", out, "--epochs", "1", "--embedding", "8",
                  "--hidden", "8", "--max-vocab", "500", "--min-count", "1", "--batch-size", "32", "--quiet"] + extra,
                 environment: environment)
    }

    func charTrain(_ corpus: String, _ out: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> Result {
        try loom(["charrnn", "train", "--corpus", corpus, "--out", out, "--layers", "1", "--hidden", "16",
                  "--embedding", "8", "--seq-length", "10", "--batch-size", "4", "--steps", "20", "--eval-every", "10",
                  "--quiet"] + extra, environment: environment)
    }

    func assertRefused(_ result: Result, mentioning needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(result.status == 73 || result.status == 64, "status \(result.status): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(needle), result.stderr, file: file, line: line)
    }

    // MARK: Data loss

    func testOutputsThatWouldDestroyDataAreRefusedAndNothingChanges() throws {
        let notes = path("notes")
        try FileManager.default.createDirectory(atPath: notes + "/sub", withIntermediateDirectories: true)
        try "my thesis".write(toFile: notes + "/thesis.txt", atomically: true, encoding: .utf8)
        let data = path("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: reviews, toPath: data + "/reviews.tsv")
        let corpus = try write(String(repeating: "the cat sat on the mat. ", count: 40), to: "corpus.txt")
        let before = snapshot(scratch.path)

        assertRefused(try sentimentTrain("."), mentioning: "current folder")
        assertRefused(try sentimentTrain(""), mentioning: "--out is empty")
        assertRefused(try sentimentTrain(scratch.path), mentioning: "current folder")
        assertRefused(try sentimentTrain(".."), mentioning: "current folder is inside it")
        assertRefused(try sentimentTrain("/"), mentioning: "root folder")
        assertRefused(try sentimentTrain(notes), mentioning: "not a Loom model folder")
        assertRefused(try sentimentTrain(notes + "/thesis.txt"), mentioning: "a file is there")
        assertRefused(try loom(["sentiment", "train", "--data", data + "/reviews.tsv", "--out", data + "/reviews.tsv"]),
                      mentioning: "it is an input")
        assertRefused(try loom(["sentiment", "train", "--data", data + "/reviews.tsv", "--out", data]),
                      mentioning: "holds an input")
        assertRefused(try charTrain(corpus, "."), mentioning: "current folder")
        assertRefused(try charTrain(corpus, corpus), mentioning: "it is an input")
        assertRefused(try charTrain(corpus, notes), mentioning: "not a Loom model folder")
        assertRefused(try loom(["vocab", "build", corpus, "--out", corpus]), mentioning: "it is an input")
        assertRefused(try loom(["vocab", "build", corpus, "--out", notes + "/thesis.txt"]), mentioning: "not a vocabulary")
        XCTAssertEqual(snapshot(scratch.path), before, "a refused command must change nothing")

        // A char model is not replaced by a sentiment run, nor the reverse.
        XCTAssertEqual(try charTrain(corpus, path("char")).status, 0)
        let char = snapshot(path("char"))
        assertRefused(try sentimentTrain(path("char")), mentioning: "holds a charrnn model")
        XCTAssertEqual(snapshot(path("char")), char)

        // --force replaces a foreign folder, but never the current folder or an input.
        assertRefused(try sentimentTrain(".", ["--force"]), mentioning: "current folder")
        XCTAssertEqual(try sentimentTrain(notes, ["--force"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: notes + "/config.json"))

        // Names too long for the staging folders are refused before training.
        assertRefused(try sentimentTrain(String(repeating: "m", count: 240)), mentioning: "too long")
    }

    func testDivergedRunNeverReplacesAGoodModel() throws {
        let model = path("good")
        XCTAssertEqual(try sentimentTrain(model, ["--epochs", "2"]).status, 0)
        let good = snapshot(model)
        for rate in ["1e6", "1e30"] {
            let result = try sentimentTrain(model, ["--learning-rate", rate, "--epochs", "3"])
            XCTAssertEqual(result.status, 2, result.stderr)
            XCTAssertTrue(result.stderr.contains("diverged") || result.stderr.contains("NaN"), result.stderr)
            XCTAssertTrue(result.stderr.contains("--learning-rate"), result.stderr)
            XCTAssertEqual(snapshot(model), good, "a diverged run must leave the good model as it was")
        }
        let corpus = try write(String(repeating: "the cat sat on the mat. ", count: 40), to: "corpus.txt")
        let char = try charTrain(corpus, path("char"), ["--learning-rate", "1e6"])
        XCTAssertEqual(char.status, 2, char.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("char")), "nothing saved from a diverged first checkpoint")
    }

    // MARK: No crash from any option

    func testOptionsThatUsedToCrashAreUsageErrors() throws {
        let model = path("model")
        XCTAssertEqual(try sentimentTrain(model).status, 0)
        let corpus = try write(String(repeating: "the cat sat on the mat. ", count: 40), to: "corpus.txt")
        XCTAssertEqual(try charTrain(corpus, path("char")).status, 0)
        let cases: [([String], String)] = [
            (["sentiment", "eval", "--model", model, "--data", reviews, "--batch-size", "0"], "--batch-size"),
            (["sentiment", "eval", "--model", model, "--data", reviews, "--batch-size", "-5"], "--batch-size"),
            (["classify", "--model", model, "--batch-size", "0", "fine"], "--batch-size"),
            (["sample", "--model", path("char"), "--prompt", "the", "--length", "2000000000"], "--length"),
            (["sample", "--model", path("char"), "--prompt", "the", "--length", "100000", "--count", "1000", "--json"], "--json"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--batch-size", "1000000000000000000"], "--batch-size"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--epochs", "9223372036854775807"], "--epochs"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--max-steps", "0"], "--max-steps"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--max-steps", "-1"], "--max-steps"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--time-limit", "-1"], "--time-limit"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--time-limit", "nan"], "--time-limit"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--patience", "0"], "--patience"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--patience", "-1"], "--patience"),
            (["sentiment", "train", "--data", reviews, "--out", path("x"), "--hidden", "4096", "--layers", "8",
              "--embedding", "4096"], "more than 80% of this machine"),
            (["charrnn", "train", "--corpus", corpus, "--out", path("y"), "--epochs", "9223372036854775807"], "--epochs"),
            (["charrnn", "train", "--corpus", corpus, "--out", path("y"), "--steps", "9223372036854775807"], "--steps"),
        ]
        for (arguments, option) in cases {
            let result = try loom(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(option), "\(arguments): \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("y")))
    }

    func testDamagedConfigFilesAreCleanErrors() throws {
        let model = path("model")
        XCTAssertEqual(try sentimentTrain(model).status, 0)
        let config = model + "/config.json"
        let original = try String(contentsOfFile: config, encoding: .utf8)
        func classify(after edit: (String) -> String) throws -> Result {
            try edit(original).write(toFile: config, atomically: true, encoding: .utf8)
            return try loom(["classify", "--model", model, "--json", "a fine film"])
        }
        var result = try classify { $0.replacingOccurrences(of: "\"pos\"", with: "\"neg\"") }
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("distinct"), result.stderr)
        result = try classify { $0.replacingOccurrences(of: "\"hiddenSize\" : 8", with: "\"hiddenSize\" : 16.5") }
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("hiddenSize") && !result.stderr.contains("not valid JSON"), result.stderr)
        result = try classify {
            $0.replacingOccurrences(of: "\"hiddenSize\" : 8", with: "\"hiddenSize\" : 4096")
                .replacingOccurrences(of: "\"layers\" : 1", with: "\"layers\" : 8")
        }
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("describes a network of"), result.stderr)
        try original.write(toFile: config, atomically: true, encoding: .utf8)

        result = try loom(["classify", "--model", path("absent"), "fine"])
        XCTAssertTrue(result.stderr.contains("model folder not found"), result.stderr)
    }

    // MARK: Inputs people pass

    func testDevNullFIFOsCRLFBlankLinesAndStdinUTF8() throws {
        let model = path("model")
        XCTAssertEqual(try sentimentTrain(model).status, 0)
        var result = try loom(["classify", "--model", model, "--file", "/dev/null"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("no reviews"), result.stderr)

        let crlf = try write("a wonderful film\r\nboring and dull\r\n\r\nloved it\r\n", to: "crlf.txt")
        result = try loom(["classify", "--model", model, "--file", crlf, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 3, result.stdout)
        XCTAssertTrue(result.stderr.contains("skipped 1 blank line"), result.stderr)

        let fifo = path("pipe")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data("great film\nawful film\n".utf8))
                handle.closeFile()
            }
        }
        writer.start()
        result = try loom(["classify", "--model", model, "--file", fifo])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 2, result.stdout)

        let bad = "good film\nbad \u{FFFD}film\n".replacingOccurrences(of: "\u{FFFD}", with: "")
        var bytes = Data(bad.utf8)
        bytes.insert(0xFF, at: 14)
        result = try loom(["classify", "--model", model], stdinData: bytes)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("stdin:2") && result.stderr.contains("byte offset 14"), result.stderr)
        result = try loom(["classify", "--model", model, "--lossy"], stdinData: bytes)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("replaced 1 invalid UTF-8"), result.stderr)
    }

    func testCharCorpusMaySplitCRLFAcrossFiles() throws {
        let first = try write(String(repeating: "the cat sat on the mat.\r\n", count: 20) + "end\r", to: "a.txt")
        let second = try write("\n" + String(repeating: "a dog ran in the fog.\r\n", count: 20), to: "b.txt")
        let result = try loom(["charrnn", "train", "--corpus", first, second, "--out", path("m"), "--layers", "1",
                               "--hidden", "8", "--embedding", "4", "--seq-length", "8", "--batch-size", "2",
                               "--steps", "5", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    // MARK: Signals and kills

    func testCtrlCAndSIGTERMSaveACheckpointAndExitWithTheSignalStatus() throws {
        let corpus = try write(String(repeating: "the cat sat on the mat. a dog ran in the fog. ", count: 200), to: "corpus.txt")
        for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let out = path("char-\(signal)")
            let process = try start(["charrnn", "train", "--corpus", corpus, "--out", out, "--layers", "1", "--hidden", "32",
                                     "--seq-length", "20", "--batch-size", "4", "--steps", "1000000", "--eval-every", "100000",
                                     "--quiet"])
            Thread.sleep(forTimeInterval: 1.5)
            kill(process.process.processIdentifier, signal)
            let result = process.finish()
            XCTAssertEqual(result.status, status, result.stderr)
            XCTAssertTrue(result.stdout.contains("interrupted at step") && result.stdout.contains("model saved to"), result.stdout)
            let sample = try loom(["sample", "--model", out, "--prompt", "the", "--length", "5"])
            XCTAssertEqual(sample.status, 0, sample.stderr)
            let resumed = try loom(["charrnn", "train", "--resume", out, "--steps", "1000000", "--time-limit", "0.5", "--quiet"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
        }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [], "no staging debris after interrupted runs")

        let out = path("sentiment")
        let process = try start(["sentiment", "train", "--data", reviews, "--out", out, "--epochs", "100000",
                                 "--patience", "100000", "--embedding", "8", "--hidden", "8", "--min-count", "1",
                                 "--batch-size", "4", "--quiet"])
        Thread.sleep(forTimeInterval: 2)
        kill(process.process.processIdentifier, SIGINT)
        let result = process.finish()
        XCTAssertEqual(result.status, 130, result.stderr)
        XCTAssertTrue(result.stdout.contains("interrupted at step"), result.stdout)
        XCTAssertEqual(try loom(["classify", "--model", out, "fine"]).status, 0)
    }

    /// Kills a save at each of its file-system steps in turn (LOOM_FAULT_KILL_AT=N, see CLoomSystem's
    /// loom_fault_point); after every kill the model folder must load, and the next save leaves no debris.
    func testKillAtEveryStepOfASaveLeavesACompleteModel() throws {
        let model = path("model")
        XCTAssertEqual(try sentimentTrain(model).status, 0)
        var point = 1
        while point < 200 {
            let run = try sentimentTrain(model, ["--seed", "\(point)"], environment: ["LOOM_FAULT_KILL_AT": "\(point)"])
            if run.status == 0 { break }
            XCTAssertEqual(run.status, 128 + SIGKILL, "killed at point \(point): \(run.stderr)")
            let classify = try loom(["classify", "--model", model, "a fine film"])
            XCTAssertEqual(classify.status, 0, "after a kill at point \(point): \(classify.stderr)")
            point += 1
        }
        XCTAssertGreaterThan(point, 10, "a save passes through many fault points")
        XCTAssertLessThan(point, 200)
        XCTAssertEqual(try sentimentTrain(model).status, 0)
        let hidden = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [], "the next save cleans up what killed saves left")

        // vocab build killed at each step: never a partial v.txt, and the next build removes what a kill
        // between naming the temporary file and renaming it left.
        let corpus = try write("one two three\n", to: "corpus.txt")
        for point in 1...2 {
            let run = try loom(["vocab", "build", corpus, "--out", path("v.txt")], environment: ["LOOM_FAULT_KILL_AT": "\(point)"])
            XCTAssertEqual(run.status, 128 + SIGKILL, run.stderr)
            if let text = try? String(contentsOfFile: path("v.txt"), encoding: .utf8) {
                XCTAssertTrue(text.hasPrefix("<pad>\n<unk>\n"), "a partial vocabulary: \(text)")
            }
        }
        XCTAssertEqual(try loom(["vocab", "build", corpus, "--out", path("v.txt")]).status, 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        XCTAssertEqual(Set(names), ["corpus.txt", "model", "v.txt"], "temporary files left")
    }
}
