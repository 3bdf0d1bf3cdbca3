import XCTest
@testable import LoomModels
import LoomNN
import LoomTensor

/// Training end to end: learning a repetitive text, the model folder, exact resume, bad corpora.
final class CharRNNTrainerTests: XCTestCase {
    /// A tiny repetitive corpus is learned almost perfectly, and greedy sampling reproduces it.
    func testRepetitiveCorpusIsLearnedAndReproduced() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let text = String(repeating: CharRNNFixtures.sentence, count: 60)
        let corpus = CharRNNFixtures.writeCorpus(text, in: folder)
        var options = CharRNNFixtures.tinyOptions(steps: 160)
        options.evaluateEvery = 40
        options.sampleLength = 30
        let output = ModelDirectory(folder.appendingPathComponent("model"))
        var evaluations: [(TrainingRecord, String)] = []
        let summary = try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(), options: options)
            .train(corpus: [corpus], output: output) { event in
                if case let .evaluation(record, _, sample) = event { evaluations.append((record, sample)) }
            }
        XCTAssertEqual(summary.steps, 160)
        XCTAssertEqual(evaluations.count, 4)
        XCTAssertEqual(evaluations.first?.1.count, 31, "prompt character + 30 sampled")
        let best = try XCTUnwrap(summary.bestValidationLoss)
        XCTAssertLessThan(best, 0.1, "validation loss \(best) nats/char")
        XCTAssertLessThan(summary.log.last!.trainLoss, 0.1)

        // The folder holds everything, and the log has one record per evaluation.
        for name in ["config.json", "model.safetensors", "vocab.txt", "train-log.jsonl", "train-log.csv", "curves.svg",
                     "training.json",
                     "resume/state.json", "resume/weights.safetensors", "resume/optimizer.safetensors",
                     "resume/hidden.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output.file(name).path), name)
        }
        XCTAssertEqual(try CharModelFiles.readLog(in: output).map(\.step), [40, 80, 120, 160])
        // curves.svg shows the training loss between evaluations too (a point every 40 / 25 → 1 step here).
        let svg = try String(contentsOf: output.file("curves.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains(">train (steps)</text>") && svg.contains(">validation</text>"), svg)
        let state = try CharTrainingCheckpoint.readState(from: output)
        XCTAssertEqual(state.stepCurve?.count, 160)
        XCTAssertEqual(state.stepCurve?.last?.step, 160)

        let sampler = try CharSampler(directory: output.url)
        let greedy = try SamplingStrategy(temperature: 0)
        let prompt = "the c"
        let generated = try sampler.generate(prompt: prompt, length: 48, strategy: greedy, seed: 1)[0].text
        let expected = String((String(repeating: CharRNNFixtures.sentence, count: 4)).dropFirst(prompt.count).prefix(48))
        XCTAssertEqual(generated, expected)
    }

    /// Sampling is reproducible with a seed, top-k 1 equals greedy, and the callback streams every character.
    func testSamplingIsReproducibleAndTopKOneIsGreedy() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let corpus = CharRNNFixtures.writeCorpus(String(repeating: "abcab cabba ", count: 40), in: folder)
        let output = ModelDirectory(folder.appendingPathComponent("model"))
        _ = try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(hidden: 16), options: CharRNNFixtures.tinyOptions(steps: 20))
            .train(corpus: [corpus], output: output)
        let sampler = try CharSampler(directory: output.url)
        let warm = try SamplingStrategy(temperature: 1.5)
        let a = try sampler.generate(prompt: "ab", length: 60, strategy: warm, count: 3, seed: 7)
        let b = try sampler.generate(prompt: "ab", length: 60, strategy: warm, count: 3, seed: 7)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 3)
        XCTAssertNotEqual(a[0].text, a[1].text, "samples continue the same prompt with different draws")
        let c = try sampler.generate(prompt: "ab", length: 60, strategy: warm, seed: 8)
        XCTAssertNotEqual(a[0].text, c[0].text)
        var streamed = ""
        let greedy = try sampler.generate(prompt: "ab", length: 40, strategy: try SamplingStrategy(temperature: 0),
                                          seed: 1) { _, character in streamed += character }
        let topOne = try sampler.generate(prompt: "ab", length: 40, strategy: try SamplingStrategy(temperature: 1, topK: 1),
                                          seed: 99)
        XCTAssertEqual(greedy[0].text, topOne[0].text)
        XCTAssertEqual(streamed, greedy[0].text)
        XCTAssertEqual(greedy[0].characters.count, 40)
        XCTAssertEqual(greedy[0].logProbabilities.count, 40)
        XCTAssertTrue(greedy[0].logProbabilities.allSatisfy { $0 <= 0 && $0.isFinite })
    }

    func testUnknownPromptCharactersAreNamedOrSkipped() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let corpus = CharRNNFixtures.writeCorpus(String(repeating: "abcab cabba ", count: 40), in: folder)
        let output = ModelDirectory(folder.appendingPathComponent("model"))
        _ = try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(hidden: 8), options: CharRNNFixtures.tinyOptions(steps: 2))
            .train(corpus: [corpus], output: output)
        let sampler = try CharSampler(directory: output.url)
        let strategy = try SamplingStrategy(temperature: 0)
        XCTAssertThrowsError(try sampler.generate(prompt: "abXzé", length: 5, strategy: strategy, seed: 1)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("\"X\"") && message.contains("\"z\"") && message.contains("\"é\""), message)
            XCTAssertTrue(message.contains("--skip-unknown"), message)
        }
        let skipped = try sampler.generate(prompt: "abXzé", length: 5, strategy: strategy, seed: 1, skipUnknown: true)
        XCTAssertEqual(skipped[0].prompt, "ab")
        XCTAssertEqual(try sampler.encodePrompt("aXbX", skipUnknown: true).skipped, ["X"])
        // (An empty prompt samples unconditionally: CharGenerationTests.)
        XCTAssertThrowsError(try sampler.generate(prompt: "XYZ", length: 5, strategy: strategy, seed: 1, skipUnknown: true))
    }

    /// N steps, then resume for M more, gives exactly the losses (and weights) of N+M steps in one run,
    /// across an epoch boundary, with dropout drawing from the saved generator.
    func testResumeEqualsUninterrupted() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        // 24 × 20 = 480 characters, 432 for training: 4 lanes of ~108 → 8 windows of 12 per epoch.
        let corpus = CharRNNFixtures.writeCorpus(String(repeating: CharRNNFixtures.sentence, count: 20), in: folder)
        let architecture = CharRNNFixtures.tinyArchitecture(layers: 2, hidden: 12)
        var options = CharRNNFixtures.tinyOptions(steps: 14)
        options.evaluateEvery = 4
        options.schedule = .decay  // the per-epoch rule (a cosine follows the step limit, which this test changes)
        options.decay = 0.9
        options.sampleLength = 10

        func stepLosses(_ event: CharTrainingEvent, into losses: inout [Double]) {
            if case let .step(progress) = event { losses.append(progress.loss) }
        }
        var straight: [Double] = []
        let whole = ModelDirectory(folder.appendingPathComponent("whole"))
        _ = try CharTrainer(architecture: architecture, options: options).train(corpus: [corpus], output: whole) {
            stepLosses($0, into: &straight)
        }
        XCTAssertEqual(straight.count, 14)

        var first: [Double] = [], second: [Double] = []
        var partOptions = options
        partOptions.maxSteps = 6
        let parts = ModelDirectory(folder.appendingPathComponent("parts"))
        _ = try CharTrainer(architecture: architecture, options: partOptions).train(corpus: [corpus], output: parts) {
            stepLosses($0, into: &first)
        }
        var overrides = CharResumeOverrides()
        overrides.maxSteps = 11
        _ = try CharTrainer.resume(from: parts, overrides: overrides) { stepLosses($0, into: &second) }
        overrides.maxSteps = 14
        let summary = try CharTrainer.resume(from: parts, corpus: [corpus], overrides: overrides) {
            stepLosses($0, into: &second)
        }
        XCTAssertEqual(summary.steps, 14)
        XCTAssertEqual(first + second, straight)

        let a = try CharTrainingCheckpoint.readState(from: whole), b = try CharTrainingCheckpoint.readState(from: parts)
        XCTAssertEqual(a.rng, b.rng)
        XCTAssertEqual(a.epoch, b.epoch)
        XCTAssertGreaterThan(a.epoch, 1, "the runs crossed an epoch boundary")
        for name in [CharTrainingCheckpoint.weightsName, CharTrainingCheckpoint.optimizerName] {
            XCTAssertEqual(try SafeTensors.read(whole.file(name)).tensors, try SafeTensors.read(parts.file(name)).tensors, name)
        }

        // Already finished: a clear error, nothing written.
        let before = CharRNNFixtures.snapshot(parts.url)
        XCTAssertThrowsError(try CharTrainer.resume(from: parts)) { error in
            XCTAssertTrue("\(error)".contains("already stopped"), "\(error)")
        }
        XCTAssertEqual(CharRNNFixtures.snapshot(parts.url), before)
    }

    func testResumeRejectsOtherKindsMismatchesAndOtherCorpora() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let corpus = CharRNNFixtures.writeCorpus(String(repeating: CharRNNFixtures.sentence, count: 20), in: folder)
        let run = ModelDirectory(folder.appendingPathComponent("run"))
        _ = try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(hidden: 8), options: CharRNNFixtures.tinyOptions(steps: 3))
            .train(corpus: [corpus], output: run)
        let before = CharRNNFixtures.snapshot(run.url)

        var overrides = CharResumeOverrides()
        overrides.maxSteps = 10
        overrides.hiddenSize = 16
        overrides.cell = .gru
        XCTAssertThrowsError(try CharTrainer.resume(from: run, overrides: overrides)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("--hidden 16 (the run has 8)") && message.contains("--cell gru"), message)
        }
        overrides = CharResumeOverrides()
        overrides.maxSteps = 10
        overrides.batchSize = 8
        XCTAssertThrowsError(try CharTrainer.resume(from: run, overrides: overrides))
        overrides.batchSize = nil
        let other = CharRNNFixtures.writeCorpus(String(repeating: "the mat sat on the cat. ", count: 20), in: folder, name: "other.txt")
        XCTAssertThrowsError(try CharTrainer.resume(from: run, corpus: [other], overrides: overrides)) { error in
            XCTAssertTrue("\(error)".contains("not the corpus"), "\(error)")
        }
        XCTAssertEqual(CharRNNFixtures.snapshot(run.url), before)

        // A sentiment model folder.
        let sentiment = folder.appendingPathComponent("sentiment")
        try FileManager.default.createDirectory(at: sentiment, withIntermediateDirectories: true)
        try Data(#"{"kind": "sentiment", "formatVersion": 1}"#.utf8).write(to: sentiment.appendingPathComponent("config.json"))
        let sentimentBefore = CharRNNFixtures.snapshot(sentiment)
        XCTAssertThrowsError(try CharTrainer.resume(from: ModelDirectory(sentiment), overrides: overrides)) { error in
            XCTAssertEqual(error as? ModelError, .wrongModelKind(ModelDirectory(sentiment).url, found: "sentiment", expected: "charrnn"))
        }
        // Nor may a fresh run overwrite it.
        XCTAssertThrowsError(try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(), options: CharRNNFixtures.tinyOptions(steps: 1))
            .train(corpus: [corpus], output: ModelDirectory(sentiment)))
        XCTAssertEqual(CharRNNFixtures.snapshot(sentiment), sentimentBefore)

        // A model folder without resume/.
        try FileManager.default.removeItem(at: run.file("resume"))
        XCTAssertThrowsError(try CharTrainer.resume(from: run, overrides: overrides)) { error in
            XCTAssertTrue("\(error)".contains("no resumable run"), "\(error)")
        }
    }

    func testBadCorporaAreRejectedBeforeWriting() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let output = ModelDirectory(folder.appendingPathComponent("model"))
        let trainer = CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(), options: CharRNNFixtures.tinyOptions(steps: 2))
        let empty = CharRNNFixtures.writeCorpus("", in: folder, name: "empty.txt")
        XCTAssertThrowsError(try trainer.train(corpus: [empty], output: output)) { error in
            XCTAssertTrue("\(error)".contains("empty"), "\(error)")
        }
        // 4 lanes × (12 + 1) = 52 training characters needed.
        let small = CharRNNFixtures.writeCorpus(String(repeating: "ab", count: 25), in: folder, name: "small.txt")
        XCTAssertThrowsError(try trainer.train(corpus: [small], output: output)) { error in
            XCTAssertTrue("\(error)".contains("too small"), "\(error)")
        }
        let missing = folder.appendingPathComponent("missing.txt")
        XCTAssertThrowsError(try trainer.train(corpus: [missing], output: output))
        let invalid = folder.appendingPathComponent("latin1.txt")
        try Data(Array(String(repeating: "abc ", count: 40).utf8) + [0xE9, 0x20, 0x61]).write(to: invalid)
        XCTAssertThrowsError(try trainer.train(corpus: [invalid], output: output)) { error in
            XCTAssertTrue("\(error)".contains("latin1.txt") && "\(error)".contains("160"), "\(error)")
        }
        var bad = CharRNNFixtures.tinyOptions(steps: 2)
        bad.validationFraction = 1
        XCTAssertThrowsError(try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(), options: bad)
            .train(corpus: [small], output: output))
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.url.path))
    }

    func testMultipleFilesAndNoValidation() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let a = CharRNNFixtures.writeCorpus(String(repeating: "abc ", count: 30), in: folder, name: "a.txt")
        let b = CharRNNFixtures.writeCorpus(String(repeating: "xyz\n", count: 30), in: folder, name: "b.txt")
        var options = CharRNNFixtures.tinyOptions(steps: 3)
        options.validationFraction = 0
        let output = ModelDirectory(folder.appendingPathComponent("model"))
        let summary = try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(hidden: 8), options: options)
            .train(corpus: [a, b], output: output)
        XCTAssertEqual(summary.trainCharacters, 240)
        XCTAssertNil(summary.bestValidationLoss)
        XCTAssertEqual(summary.vocabularySize, 8)
        let (_, vocabulary) = try CharModelFiles.load(from: output)
        XCTAssertEqual(vocabulary.symbols, ["\n", " ", "a", "b", "c", "x", "y", "z"])
    }

    func testCorruptOrMismatchedModelFoldersAreRejected() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let corpus = CharRNNFixtures.writeCorpus(String(repeating: CharRNNFixtures.sentence, count: 10), in: folder)
        let output = ModelDirectory(folder.appendingPathComponent("model"))
        _ = try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(hidden: 8), options: CharRNNFixtures.tinyOptions(steps: 1))
            .train(corpus: [corpus], output: output)
        XCTAssertNoThrow(try CharSampler(directory: output.url))

        let weights = try Data(contentsOf: output.weightsURL)
        try weights.prefix(weights.count / 2).write(to: output.weightsURL)
        XCTAssertThrowsError(try CharSampler(directory: output.url)) { error in
            XCTAssertTrue("\(error)".contains("model.safetensors"), "\(error)")
        }
        try Data("not safetensors at all".utf8).write(to: output.weightsURL)
        XCTAssertThrowsError(try CharSampler(directory: output.url))
        try weights.write(to: output.weightsURL)
        XCTAssertNoThrow(try CharSampler(directory: output.url))

        // A vocabulary of the wrong size.
        let vocabulary = try Data(contentsOf: output.file("vocab.txt"))
        try (vocabulary + Data("Q\n".utf8)).write(to: output.file("vocab.txt"))
        XCTAssertThrowsError(try CharSampler(directory: output.url)) { error in
            XCTAssertTrue("\(error)".contains("vocabulary"), "\(error)")
        }
        try vocabulary.write(to: output.file("vocab.txt"))

        // A config that promises another architecture than the weights hold.
        var configuration = try CharModelFiles.loadConfiguration(from: output)
        configuration.hiddenSize = 9
        try output.writeJSON(configuration, to: "config.json")
        XCTAssertThrowsError(try CharSampler(directory: output.url)) { error in
            XCTAssertTrue("\(error)".contains("config.json describes a network of"), "\(error)")
        }
        XCTAssertThrowsError(try CharSampler(directory: folder.appendingPathComponent("nowhere")))
    }
}
