import Foundation
import XCTest

/// The bundled models (bundled/ in the repository) and `loom convert`, as a new user meets them.
final class BundledModelCLITests: CLITestCase {
    var reviews: String { repositoryRoot.appendingPathComponent("corpora/reviews.tsv").path }

    func testClassifyAndModelsWorkWithoutTrainingOrModelOption() throws {
        let positive = try loom(["classify", "A wonderful, moving film."])
        XCTAssertEqual(positive.status, 0, positive.stderr)
        XCTAssertTrue(positive.stdout.hasPrefix("pos\t"), positive.stdout)
        let negative = try loom(["classify", "Dull, far too long, and the acting was wooden. A waste of time."])
        XCTAssertTrue(negative.stdout.hasPrefix("neg\t"), negative.stdout)
        let named = try loom(["classify", "--model", "imdb-sentiment", "--json", "A wonderful, moving film."])
        XCTAssertEqual(named.status, 0, named.stderr)
        XCTAssertTrue(named.stdout.contains("\"label\":\"pos\""), named.stdout)

        let models = try loom(["models", "--json"])
        XCTAssertEqual(models.status, 0, models.stderr)
        XCTAssertTrue(models.stdout.contains("\"name\":\"imdb-sentiment\"") && models.stdout.contains("imdbTestAccuracy"), models.stdout)

        let unknown = try loom(["classify", "--model", "imdb-sentimnet", "fine"])
        XCTAssertEqual(unknown.status, 64, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("no bundled model named 'imdb-sentimnet'") && unknown.stderr.contains("imdb-sentiment"),
                      unknown.stderr)
        let wrongKind = try loom(["sample", "--model", "imdb-sentiment", "--prompt", "the"])
        XCTAssertEqual(wrongKind.status, 1)
        XCTAssertTrue(wrongKind.stderr.contains("sentiment model"), wrongKind.stderr)
    }

    func testNoBundledModelsIsAClearErrorNamingWhereItLooked() throws {
        // A copy of the binary outside the repository, with an empty LOOM_MODELS_DIR.
        let binary = scratch.appendingPathComponent("bin/loom")
        try FileManager.default.createDirectory(at: binary.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: loomURL, to: binary)
        let process = Process()
        process.executableURL = binary
        process.arguments = ["classify", "fine"]
        process.environment = ["LOOM_MODELS_DIR": path("empty"), "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard !FileManager.default.fileExists(atPath: "/usr/local/share/loom/models") else {
            throw XCTSkip("an installed copy in /usr/local/share/loom/models answers instead")
        }
        XCTAssertEqual(process.terminationStatus, 1, message)
        XCTAssertTrue(message.contains("no bundled models found (looked in") && message.contains(path("empty")), message)
    }

    func testConvertToF16AndBF16KeepsPredictionsAndHalvesTheWeights() throws {
        let model = path("model")
        let train = try loom(["sentiment", "train", "--data", reviews, "--out", model, "--epochs", "2", "--embedding", "16",
                              "--hidden", "16", "--min-count", "1", "--batch-size", "16", "--learning-rate", "0.005", "--quiet"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let texts = "a wonderful film with a great cast\nboring, dull and far too long\nnot bad at all\n"
        let reference = try loom(["classify", "--model", model, "--json"], stdin: texts)
        for dtype in ["f16", "bf16"] {
            let out = path("model-\(dtype)")
            let convert = try loom(["convert", "--model", model, "--dtype", dtype, "--out", out])
            XCTAssertEqual(convert.status, 0, convert.stderr)
            let size = { (folder: String) in (try FileManager.default.attributesOfItem(atPath: folder + "/model.safetensors")[.size] as? Int) ?? 0 }
            XCTAssertLessThan(Double(try size(out)), 0.55 * Double(try size(model)))
            let header = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/model.safetensors")).prefix(600), as: UTF8.self)
            XCTAssertTrue(header.contains("\"dtype\":\"\(dtype.uppercased())\""), header)
            for file in ["config.json", "vocab.txt", "train-log.jsonl", "train-log.csv", "training.json", "curves.svg"] {
                let original = FileManager.default.contents(atPath: model + "/" + file)
                XCTAssertNotNil(original, "training wrote \(file)")
                XCTAssertEqual(FileManager.default.contents(atPath: out + "/" + file), original, "\(file) is carried over unchanged")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/resume"), "the F32 run's resume state stays behind")
            let converted = try loom(["classify", "--model", out, "--json"], stdin: texts)
            XCTAssertEqual(converted.status, 0, converted.stderr)
            for (a, b) in zip(probabilities(reference.stdout), probabilities(converted.stdout)) {
                XCTAssertEqual(a, b, accuracy: dtype == "f16" ? 2e-3 : 2e-2, "\(dtype)")
            }
        }
        // Onto its own input, or onto a folder that is not a model: refused, nothing changed.
        let same = try loom(["convert", "--model", model, "--dtype", "f16", "--out", model])
        XCTAssertEqual(same.status, 73, same.stderr)
        try FileManager.default.createDirectory(atPath: path("notes"), withIntermediateDirectories: true)
        try "keep".write(toFile: path("notes/a.txt"), atomically: true, encoding: .utf8)
        let foreign = try loom(["convert", "--model", model, "--dtype", "f16", "--out", path("notes")])
        XCTAssertEqual(foreign.status, 73, foreign.stderr)
        XCTAssertEqual(try String(contentsOfFile: path("notes/a.txt"), encoding: .utf8), "keep")
        let badType = try loom(["convert", "--model", model, "--dtype", "f8", "--out", path("x")])
        XCTAssertEqual(badType.status, 64, badType.stderr)
    }

    func testChanceLevelModelIsReportedWithAHint() throws {
        // The recurrent model alone: a Naive-Bayes-scaled bag already classifies after Adam's first tiny steps
        // (each weight moves by about the learning rate, in its ratio's direction), even at 1e-7.
        let run = try loom(["sentiment", "train", "--data", reviews, "--out", path("m"), "--epochs", "1", "--embedding", "4",
                            "--hidden", "4", "--learning-rate", "1e-7", "--ngrams", "0", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("no better than always answering the most common class"), run.stderr)
        XCTAssertTrue(run.stderr.contains("--epochs"), run.stderr)
    }

    func testSmallDatasetsGetTheSmallDataDefaultsUnlessOptionsAreGiven() throws {
        let run = try loom(["sentiment", "train", "--data", reviews, "--out", path("small"), "--max-steps", "3", "--hidden", "8"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("320 reviews (fewer than 5000): small-data defaults --embedding 32 --min-count 1"), run.stderr)
        XCTAssertFalse(run.stderr.contains("--hidden 32"), "a given option is kept: \(run.stderr)")
        let config = try String(contentsOfFile: path("small/config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"embeddingSize\" : 32") && config.contains("\"hiddenSize\" : 8"), config)
    }

    private func probabilities(_ jsonLines: String) -> [Double] {
        jsonLines.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let probabilities = object["probabilities"] as? [String: Double] else { return nil }
            return probabilities["pos"]
        }
    }
}
