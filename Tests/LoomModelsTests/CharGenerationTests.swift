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
        XCTAssertEqual(options.holdFraction, 0.75)
        options.holdFraction = 0
        XCTAssertEqual(options.learningRate(step: 0, epoch: 1, progress: 0), 2e-4, accuracy: 1e-9)  // 1/10 of the peak
        XCTAssertEqual(options.learningRate(step: 9, epoch: 1, progress: 0), 2e-3, accuracy: 1e-9)
        XCTAssertEqual(options.learningRate(step: 500, epoch: 3, progress: 0.5), 1.05e-3, accuracy: 1e-8)  // midway
        XCTAssertEqual(options.learningRate(step: 999, epoch: 9, progress: 1), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(options.learningRate(step: 5000, epoch: 9000, progress: 7), 1e-4, accuracy: 1e-9, "never below the floor")
        var rates: [Float] = []
        for k in 0...20 { rates.append(options.learningRate(step: 100 + k, epoch: 1, progress: Double(k) / 20)) }
        XCTAssertEqual(rates, rates.sorted(by: >), "the cosine only falls after the warm-up")

        // Warmup-stable-decay: the full rate for the first 60%, then the cosine over the rest.
        options.holdFraction = 0.6
        XCTAssertEqual(options.learningRate(step: 500, epoch: 3, progress: 0.59), 2e-3, accuracy: 1e-9)
        XCTAssertEqual(options.learningRate(step: 500, epoch: 3, progress: 0.8), 1.05e-3, accuracy: 1e-8)
        XCTAssertEqual(options.learningRate(step: 500, epoch: 3, progress: 1), 1e-4, accuracy: 1e-9)
        options.holdFraction = 0

        options.schedule = .decay
        options.decay = 0.5
        XCTAssertEqual(options.learningRate(step: 0, epoch: 3, progress: 0.9), 5e-4, accuracy: 1e-9)
        options.decayAfter = 2  // char-rnn's learning_rate_decay_after: full rate for two epochs
        XCTAssertEqual(options.learningRate(step: 0, epoch: 3, progress: 0.9), 2e-3, accuracy: 1e-9)
        XCTAssertEqual(options.learningRate(step: 0, epoch: 4, progress: 0.9), 1e-3, accuracy: 1e-9)

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
        for key in ["schedule", "warmupSteps", "minLearningRate", "decayAfter", "holdFraction"] { old.removeValue(forKey: key) }
        let decoded = try JSONDecoder().decode(CharTrainingOptions.self, from: JSONSerialization.data(withJSONObject: old))
        XCTAssertEqual(decoded.schedule, .decay)
        XCTAssertEqual(decoded.warmupSteps, 0)
        let fresh = try JSONDecoder().decode(CharTrainingOptions.self, from: JSONEncoder().encode(CharTrainingOptions()))
        XCTAssertEqual(fresh, CharTrainingOptions())
    }
}

/// The progress bar line never wraps a terminal: the bar shrinks, then the status is cut.
final class ProgressLineTests: XCTestCase {
    func testBarLineFitsTheTerminal() {
        let status = "epoch 3 · step 1200/5000 · loss 1.234 · val 1.456 · 17k chars/s · ETA 12m30s"
        let wide = ProgressReporter.barLine(label: "training", fraction: 0.5, status: status, columns: 200)
        XCTAssertTrue(wide.contains(String(repeating: "█", count: 12) + String(repeating: "·", count: 12)), wide)
        XCTAssertTrue(wide.hasSuffix(status))
        for columns in [40, 80, 100] {
            let line = ProgressReporter.barLine(label: "training", fraction: 0.98, status: status, columns: columns)
            XCTAssertLessThanOrEqual(line.count, columns - 1, line)
            XCTAssertTrue(line.contains(" 98%"), line)
        }
        XCTAssertTrue(ProgressReporter.barLine(label: "training", fraction: 0.1, status: status, columns: 80).hasSuffix("…"))
    }
}

/// curves.svg's axes: round ticks at both ends, a single point in the middle, labels inside the panel.
final class CurvesChartAxisTests: XCTestCase {
    func testAxesEndOnRoundTicks() {
        let epochs = CurvesChart.niceAxis(1, 8, whole: true)
        XCTAssertEqual(epochs.ticks, [0, 2, 4, 6, 8])
        let losses = CurvesChart.niceAxis(0.312, 0.694, whole: false)
        XCTAssertEqual(losses.low, 0.3, accuracy: 1e-12)
        XCTAssertEqual(losses.high, 0.7, accuracy: 1e-12)
        XCTAssertEqual(losses.ticks.map { CurvesChart.label($0, step: losses.step) }, ["0.3", "0.4", "0.5", "0.6", "0.7"])
        XCTAssertEqual(CurvesChart.niceAxis(4_000, 123_456, whole: true).step, 50_000)
    }

    func testOneEpochOrOneEvaluationIsCentredWithTicksAround() throws {
        for (x, expected) in [(1.0, ["0", "1", "2"]), (200.0, ["199", "200", "201"])] {
            let chart = CurvesChart(panels: [.init(title: "Loss", xLabel: "step", series: [
                .init(name: "train", color: "#1f77b4", points: [(x, 0.5)]),
            ])])
            let svg = chart.svg()
            for label in expected { XCTAssertTrue(svg.contains(">\(label)</text>"), "\(label) missing: \(svg)") }
            XCTAssertFalse(svg.contains("nan"), svg)
            // The one point is drawn in the middle of the plot (x from 50 to 400 → 225).
            XCTAssertTrue(svg.contains("<circle cx=\"225.0\""), svg)
        }
    }
}
