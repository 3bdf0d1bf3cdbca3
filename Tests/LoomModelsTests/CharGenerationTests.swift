import XCTest
@testable import LoomModels
import LoomNN

/// Generating without a prompt and over many prompts at once.
final class CharGenerationTests: XCTestCase {
    /// A small model (a few training steps) over a text of lines, so a line break is in its vocabulary.
    private func sampler(text: String = String(repeating: "the cat sat on the mat.\nthe dog ate the hat.\n", count: 12),
                         layers: Int = 2) throws -> CharSampler {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let corpus = CharRNNFixtures.writeCorpus(text, in: folder)
        let output = ModelDirectory(folder.appendingPathComponent("model"))
        _ = try CharTrainer(architecture: CharRNNFixtures.tinyArchitecture(layers: layers, hidden: 24),
                            options: CharRNNFixtures.tinyOptions(steps: 3)).train(corpus: [corpus], output: output)
        return try CharSampler(directory: output.url)
    }

    /// An empty prompt starts from a line break (not shown), or a space where the model has no line break.
    func testEmptyPromptSamplesAfterALineBreak() throws {
        let strategy = try SamplingStrategy(temperature: 1)
        let lines = try sampler()
        let unconditional = try lines.generate(prompt: "", length: 40, strategy: strategy, seed: 7)[0]
        XCTAssertEqual(unconditional.prompt, "")
        XCTAssertEqual(unconditional.text.count, 40)
        XCTAssertEqual(unconditional.text, try lines.generate(prompt: "\n", length: 40, strategy: strategy, seed: 7)[0].text)

        let spaces = try sampler(text: String(repeating: "abcab cabba ", count: 40), layers: 1)
        XCTAssertEqual(try spaces.generate(prompt: "", length: 20, strategy: strategy, seed: 3)[0].text,
                       try spaces.generate(prompt: " ", length: 20, strategy: strategy, seed: 3)[0].text)
    }

    /// Prompts run side by side in lanes give what each gives alone with the same seed — texts, stop reasons
    /// and log-probabilities — whatever the lane count; a prompt the model cannot take fails alone.
    func testBatchedPromptsEqualThePromptsRunOneByOne() throws {
        let sampler = try sampler()
        let strategy = try SamplingStrategy(temperature: 1.2, topK: 12)
        let prompts = ["the c", "", "a", "the dog ate", "XQ", "h", "t", "the mat.\n"]
        let stops = ["at", "\n"]
        for lanes in [1, 3, 8] {
            var results: [Int: Result<CharSample, Error>] = [:]
            try sampler.generate(prompts: prompts, length: 30, strategy: strategy, seed: 11, stops: stops,
                                 lanes: lanes) { index, result in
                XCTAssertNil(results[index], "prompt \(index) answered twice")
                results[index] = result
            }
            XCTAssertEqual(results.count, prompts.count)
            var stopped = 0
            for (index, prompt) in prompts.enumerated() {
                guard let result = results[index] else { continue }
                if prompt == "XQ" {
                    XCTAssertThrowsError(try result.get(), "lanes \(lanes)")
                    continue
                }
                let batched = try result.get()
                let alone = try sampler.generate(prompt: prompt, length: 30, strategy: strategy, seed: 11, stops: stops)[0]
                XCTAssertEqual(batched.text, alone.text, "lanes \(lanes), prompt \(index)")
                XCTAssertEqual(batched.stopReason, alone.stopReason, "lanes \(lanes), prompt \(index)")
                XCTAssertEqual(batched.prompt, alone.prompt)
                XCTAssertEqual(batched.logProbabilities.count, alone.logProbabilities.count)
                for (a, b) in zip(batched.logProbabilities, alone.logProbabilities) { XCTAssertEqual(a, b, accuracy: 1e-4) }
                if batched.stopReason == "stop" { stopped += 1 }
            }
            XCTAssertGreaterThan(stopped, 0, "some prompt should meet a stop text, or the test does not test stopping")
        }
    }

    func testBadBatchSettingsAreRejected() throws {
        let sampler = try sampler(layers: 1)
        let strategy = try SamplingStrategy(temperature: 1)
        XCTAssertThrowsError(try sampler.generate(prompts: ["a"], length: 5, strategy: strategy, seed: 1, lanes: 0) { _, _ in })
        XCTAssertThrowsError(try sampler.generate(prompts: ["a"], length: -1, strategy: strategy, seed: 1) { _, _ in })
    }
}

/// The learning-rate schedules of the character trainer.
final class CharScheduleTests: XCTestCase {
    func testCosineWarmsUpThenFallsToTheFloorAndDecayFollowsEpochs() throws {
        var options = CharTrainingOptions()
        options.learningRate = 2e-3
        options.minLearningRate = 1e-4
        options.warmupSteps = 10
        XCTAssertEqual(options.schedule, .cosine)
        XCTAssertEqual(options.learningRate(step: 0, epoch: 1, progress: 0), 2e-4, accuracy: 1e-9)  // 1/10 of the peak
        XCTAssertEqual(options.learningRate(step: 9, epoch: 1, progress: 0), 2e-3, accuracy: 1e-9)
        XCTAssertEqual(options.learningRate(step: 500, epoch: 3, progress: 0.5), 1.05e-3, accuracy: 1e-8)  // midway
        XCTAssertEqual(options.learningRate(step: 999, epoch: 9, progress: 1), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(options.learningRate(step: 5000, epoch: 9000, progress: 7), 1e-4, accuracy: 1e-9, "never below the floor")
        var rates: [Float] = []
        for k in 0...20 { rates.append(options.learningRate(step: 100 + k, epoch: 1, progress: Double(k) / 20)) }
        XCTAssertEqual(rates, rates.sorted(by: >), "the cosine only falls after the warm-up")

        options.schedule = .decay
        options.decay = 0.5
        XCTAssertEqual(options.learningRate(step: 0, epoch: 3, progress: 0.9), 5e-4, accuracy: 1e-9)

        options.schedule = .cosine
        options.minLearningRate = 3e-3
        XCTAssertThrowsError(try options.validate())
        options.minLearningRate = 0
        options.warmupSteps = -1
        XCTAssertThrowsError(try options.validate())
    }

    /// Options saved before schedules existed keep the per-epoch decay they were trained with.
    func testOptionsSavedWithoutAScheduleKeepTheDecay() throws {
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(CharTrainingOptions())) as! [String: Any]
        for key in ["schedule", "warmupSteps", "minLearningRate"] { old.removeValue(forKey: key) }
        let decoded = try JSONDecoder().decode(CharTrainingOptions.self, from: JSONSerialization.data(withJSONObject: old))
        XCTAssertEqual(decoded.schedule, .decay)
        XCTAssertEqual(decoded.warmupSteps, 0)
        let fresh = try JSONDecoder().decode(CharTrainingOptions.self, from: JSONEncoder().encode(CharTrainingOptions()))
        XCTAssertEqual(fresh, CharTrainingOptions())
    }
}
