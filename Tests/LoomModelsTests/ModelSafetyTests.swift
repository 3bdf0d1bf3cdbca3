import Foundation
import XCTest
import LoomNN
import LoomTensor
import LoomText
@testable import LoomModels

/// Saves that crash, readers during saves, sizes checked before allocation, the divergence rules, and
/// damaged resume state: the library half of the reliability catalogue (docs/ERRORS.md).
final class ModelSafetyTests: XCTestCase {
    /// A process id that cannot be running (above Linux's pid_max).
    let deadPID: Int32 = 999_999_999

    func folder() -> URL { CharRNNFixtures.temporaryFolder(self) }

    func writeVersion(_ k: Int, to directory: ModelDirectory) throws {
        try directory.replace { staging in
            try staging.writeFile(Data("{\"version\": \(k)}".utf8), to: "config.json")
            try staging.writeFile(Data(String(repeating: "\(k)", count: 10_000).utf8), to: "weights.bin")
        }
    }

    func testAModelLeftOnlyInAStagingFolderIsRecoveredByTheNextLoad() throws {
        let root = folder()
        let directory = ModelDirectory(root.appendingPathComponent("model"))
        try writeVersion(1, to: directory)
        // What a crash between the two renames of the fallback swap leaves: the model aside, nothing in place.
        let aside = root.appendingPathComponent(".model.staged-\(deadPID)-7")
        try FileManager.default.moveItem(at: directory.url, to: aside)
        let files = try directory.readFiles(required: ["config.json", "weights.bin"])
        XCTAssertEqual(files["config.json"], Data("{\"version\": 1}".utf8))
        XCTAssertFalse(FileManager.default.fileExists(atPath: aside.path))

        // Loom 0.1's `.previous-` folders are complete models too.
        try FileManager.default.moveItem(at: directory.url, to: root.appendingPathComponent(".model.previous-\(deadPID)-3"))
        XCTAssertTrue(directory.recoverIfMissing())
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.configURL.path))
    }

    func testStaleStagingIsRemovedButALiveWritersIsKept() throws {
        let root = folder()
        let directory = ModelDirectory(root.appendingPathComponent("model"))
        try writeVersion(1, to: directory)
        let stale = root.appendingPathComponent(".model.partial-\(deadPID)-1")
        let live = root.appendingPathComponent(".model.partial-\(getppid())-2")
        let unrelated = root.appendingPathComponent(".model-notes")
        for url in [stale, live, unrelated] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false) }
        try writeVersion(2, to: directory)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.path), "another live process's save must be left alone")
        XCTAssertTrue(FileManager.default.fileExists(atPath: unrelated.path))
        XCTAssertEqual(try directory.readFiles(required: ["config.json"])["config.json"], Data("{\"version\": 2}".utf8))
    }

    /// A writer replaces the folder over and over while readers load it: every read succeeds and sees
    /// one version's files, never a mix (the 1-in-540 failure of two renames).
    func testReadersDuringRewritesAlwaysSeeOneCompleteVersion() throws {
        let directory = ModelDirectory(folder().appendingPathComponent("model"))
        try writeVersion(0, to: directory)
        let writer = Thread {
            for k in 1...150 { try? self.writeVersion(k, to: directory) }
        }
        writer.start()
        var reads = 0
        while !writer.isFinished || reads < 50 {
            let files = try directory.readFiles(required: ["config.json", "weights.bin"])
            let config = String(decoding: files["config.json"]!, as: UTF8.self)
            let version = config.dropFirst("{\"version\": ".count).dropLast()
            XCTAssertEqual(String(decoding: files["weights.bin"]!.prefix(version.utf8.count), as: UTF8.self), String(version))
            XCTAssertEqual(files["weights.bin"]!.count, version.utf8.count * 10_000, "weights of another version")
            reads += 1
        }
        XCTAssertGreaterThan(reads, 50)
    }

    func testParameterCountFormulaMatchesTheBuiltModels() throws {
        var rng = SeededGenerator(seed: 1)
        for (cell, layers, bidirectional, classes) in [(CellKind.lstm, 1, true, 2), (.gru, 2, false, 3), (.rnn, 3, true, 5)] {
            var configuration = SentimentConfiguration(classes: (0..<classes).map { "c\($0)" }, vocabularySize: 17)
            configuration.cell = cell
            configuration.layers = layers
            configuration.bidirectional = bidirectional
            configuration.embeddingSize = 5
            configuration.hiddenSize = 6
            let model = try SentimentModel(configuration, rng: &rng)
            XCTAssertEqual(configuration.parameterCount, model.parameters.reduce(0) { $0 + $1.value.count })
            let char = CharModelConfiguration(vocabularySize: 11, cell: cell, layers: layers, hiddenSize: 7, embeddingSize: 4)
            let charModel = try CharLanguageModel(char, rng: &rng)
            XCTAssertEqual(char.parameterCount, charModel.parameters.reduce(0) { $0 + $1.value.count })
        }
        var huge = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: Int.max / 2)
        huge.hiddenSize = 4096
        XCTAssertNil(huge.parameterCount, "overflow must give nil, not a trap")
    }

    func testDivergenceRules() throws {
        var healthy = DivergenceGuard(classes: 2)
        for step in 1...200 {
            try healthy.check(loss: 0.69 * exp(-Double(step) / 50) + 0.05, gradientNorm: 3, step: step, epoch: 1, learningRate: 1e-3)
        }
        try healthy.check(validationLoss: 1.5, step: 200, epoch: 1, learningRate: 1e-3)
        var spike = DivergenceGuard(classes: 2)
        XCTAssertThrowsError(try spike.check(loss: 7.0, gradientNorm: 1, step: 1, epoch: 1, learningRate: 1)) {
            guard case .diverged = $0 as? ModelError else { return XCTFail("\($0)") }
        }
        var creeping = DivergenceGuard(classes: 2)
        XCTAssertThrowsError(try { for step in 1...20 { try creeping.check(loss: 2.5, gradientNorm: 1, step: step, epoch: 1, learningRate: 1) } }()) {
            guard case .diverged(let step, _, _, _, _) = $0 as? ModelError else { return XCTFail("\($0)") }
            XCTAssertEqual(step, 10, "the moving average is judged from step 10")
        }
        var nan = DivergenceGuard(classes: 2)
        XCTAssertThrowsError(try nan.check(loss: 0.5, gradientNorm: .infinity, step: 3, epoch: 1, learningRate: 1)) {
            guard case .nonFiniteLoss(let step, _, _) = $0 as? ModelError else { return XCTFail("\($0)") }
            XCTAssertEqual(step, 3)
        }
        XCTAssertThrowsError(try healthy.check(validationLoss: 2.1, step: 9, epoch: 2, learningRate: 1))
    }

    func testHugeWeightsAndDuplicateClassesAreRejectedAtLoad() throws {
        var configuration = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: 4)
        configuration.embeddingSize = 3
        configuration.hiddenSize = 2
        var rng = SeededGenerator(seed: 3)
        let model = try SentimentModel(configuration, rng: &rng)
        let vocabulary = try Vocabulary(tokens: ["<pad>", "<unk>", "good", "bad"])
        let directory = ModelDirectory(folder().appendingPathComponent("model"))
        try SentimentModelFiles.save(model, vocabulary: vocabulary, log: [], to: directory)
        XCTAssertNoThrow(try SentimentModelFiles.load(from: directory))
        model.parameters[0].value.data[5] = 1e30
        try SentimentModelFiles.save(model, vocabulary: vocabulary, log: [], to: directory)
        XCTAssertThrowsError(try SentimentModelFiles.load(from: directory)) { XCTAssertTrue("\($0)".contains("beyond"), "\($0)") }
        model.parameters[0].value.data[5] = 0.5
        try SentimentModelFiles.save(model, vocabulary: vocabulary, log: [], to: directory)
        var config = try String(contentsOf: directory.configURL, encoding: .utf8)
        config = config.replacingOccurrences(of: "\"pos\"", with: "\"neg\"")
        try config.write(to: directory.configURL, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SentimentModelFiles.load(from: directory)) { XCTAssertTrue("\($0)".contains("distinct"), "\($0)") }
    }

    func testDamagedResumeStateIsAnErrorNamingTheField() throws {
        let root = folder()
        let corpus = CharRNNFixtures.writeCorpus(String(repeating: CharRNNFixtures.sentence, count: 40), in: root)
        let output = ModelDirectory(root.appendingPathComponent("model"))
        var options = CharRNNFixtures.tinyOptions(steps: 20)
        options.evaluateEvery = 7
        _ = try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(hidden: 8), options: options)
            .train(corpus: [corpus], output: output)
        let stateURL = output.file(CharTrainingCheckpoint.stateName)
        let original = try String(contentsOf: stateURL, encoding: .utf8)
        var overrides = CharResumeOverrides()
        overrides.maxSteps = 30
        for (field, value) in [("window", "1000000000"), ("step", "-4"), ("epoch", "0")] {
            let edited = original.replacingOccurrences(of: #"("\#(field)" : )-?\d+"#, with: "$1\(value)", options: .regularExpression)
            XCTAssertNotEqual(edited, original, field)
            try edited.write(to: stateURL, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try CharTrainer.resume(from: output, overrides: overrides)) { error in
                guard case .corruptFile(let url, let reason) = error as? ModelError else { return XCTFail("\(error)") }
                XCTAssertEqual(url, stateURL)
                XCTAssertTrue(reason.contains(field), reason)
            }
        }
    }

    func testVocabularyWithInvalidUTF8AndModelFilesThatAreFIFOs() throws {
        let root = folder()
        let vocabulary = root.appendingPathComponent("vocab.txt")
        try Data([0x3C, 0x70, 0x61, 0x64, 0x3E, 0x0A, 0xFF, 0x0A]).write(to: vocabulary)
        XCTAssertThrowsError(try Vocabulary(contentsOf: vocabulary)) { error in
            XCTAssertEqual(error as? TextError, .invalidUTF8InVocabulary(path: vocabulary.path, byteOffset: 6, line: 2))
            XCTAssertFalse("\(error)".contains("--lossy"), "--lossy does not apply to vocabularies")
        }
        let directory = ModelDirectory(root.appendingPathComponent("model"))
        try FileManager.default.createDirectory(at: directory.url, withIntermediateDirectories: false)
        XCTAssertEqual(mkfifo(directory.configURL.path, 0o600), 0)
        XCTAssertThrowsError(try SentimentModelFiles.load(from: directory)) { error in
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
    }
}
