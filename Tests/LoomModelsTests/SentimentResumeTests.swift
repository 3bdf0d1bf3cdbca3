import XCTest
@testable import LoomModels
import LoomNN
import LoomText

/// `sentiment train --resume`: a run stopped inside an epoch and resumed ends with the weights of one run.
final class SentimentResumeTests: XCTestCase {
    private func examples() -> [LabelledText] {
        let positive = ["a fine moving film", "great acting and a great story", "loved it, truly wonderful",
                        "superb, funny and warm", "a joy from start to end", "brilliant work, moving"]
        let negative = ["a dull boring mess", "awful acting and a bad story", "hated it, truly terrible",
                        "weak, slow and cold", "a chore from start to end", "poor work, boring"]
        var items: [LabelledText] = []
        for round in 0..<6 {
            for (index, text) in positive.enumerated() { items.append(LabelledText(text: text + " \(round)", label: "pos", source: "p\(round)-\(index)")) }
            for (index, text) in negative.enumerated() { items.append(LabelledText(text: text + " \(round)", label: "neg", source: "n\(round)-\(index)")) }
        }
        return items
    }

    private func trainer(epochs: Int, maxSteps: Int? = nil, snippets: Int? = nil) -> SentimentTrainer {
        var architecture = SentimentConfiguration(classes: ["neg", "pos"], vocabularySize: 2)
        architecture.embeddingSize = 6
        architecture.hiddenSize = 5
        architecture.dropout = 0.3
        architecture.embeddingDropout = 0.2
        var options = SentimentTrainingOptions()
        options.epochs = epochs
        options.batchSize = 8
        options.minCount = 1
        options.patience = 100
        options.maxSteps = maxSteps
        options.snippets = snippets
        return SentimentTrainer(architecture: architecture, options: options)
    }

    /// `--snippets` draws from a generator of its own: a resumed run rebuilds the same windows and ends where
    /// one run does.
    func testARunWithSnippetsResumesExactly() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        // Reviews of 15-21 tokens, long enough to give windows of 5 or more.
        let data = examples().map { LabelledText(text: [String](repeating: $0.text, count: 3).joined(separator: " "), label: $0.label, source: $0.source) }
        let plain = try trainer(epochs: 1).train(data, source: "reviews", output: ModelDirectory(folder.appendingPathComponent("plain")))
        let whole = ModelDirectory(folder.appendingPathComponent("whole"))
        let straight = try trainer(epochs: 2, snippets: 1).train(data, source: "reviews", output: whole)
        XCTAssertGreaterThan(straight.steps / 2, plain.steps, "the windows are trained on")
        let parts = ModelDirectory(folder.appendingPathComponent("parts"))
        _ = try trainer(epochs: 2, maxSteps: straight.steps / 2 + 1, snippets: 1).train(data, source: "reviews", output: parts)
        let resumed = try SentimentTrainer.resume(from: parts, examples: data, source: "reviews", limits: .init(epochs: 2))
        XCTAssertEqual(resumed.steps, straight.steps)
        XCTAssertEqual(resumed.log.map(\.trainLoss), straight.log.map(\.trainLoss))
        for name in [SentimentCheckpoint.weightsName, SentimentCheckpoint.optimizerName] {
            XCTAssertEqual(try SafeTensors.read(whole.file(name)).tensors, try SafeTensors.read(parts.file(name)).tensors, name)
        }
    }

    func testStoppedInsideAnEpochAndResumedEqualsOneRun() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let data = examples()
        let whole = ModelDirectory(folder.appendingPathComponent("whole"))
        let straight = try trainer(epochs: 3).train(data, source: "reviews", output: whole)
        XCTAssertEqual(straight.log.count, 3)
        let stepsPerEpoch = straight.steps / 3
        XCTAssertGreaterThan(stepsPerEpoch, 2)

        // Stop two batches into epoch 2, then resume to the end.
        let parts = ModelDirectory(folder.appendingPathComponent("parts"))
        let first = try trainer(epochs: 3, maxSteps: stepsPerEpoch + 2).train(data, source: "reviews", output: parts)
        XCTAssertEqual(first.steps, stepsPerEpoch + 2)
        let resumed = try SentimentTrainer.resume(from: parts, examples: data, source: "reviews",
                                                  limits: .init(epochs: 3))
        XCTAssertEqual(resumed.steps, straight.steps)
        XCTAssertEqual(resumed.log.map(\.trainLoss), straight.log.map(\.trainLoss))
        XCTAssertEqual(resumed.log.map(\.validationAccuracy), straight.log.map(\.validationAccuracy))
        for name in [SentimentCheckpoint.weightsName, SentimentCheckpoint.optimizerName] {
            XCTAssertEqual(try SafeTensors.read(whole.file(name)).tensors, try SafeTensors.read(parts.file(name)).tensors, name)
        }
        XCTAssertNoThrow(try SentimentModelFiles.load(from: parts), "the folder's best model loads")

        // Finished: a clear error. Other data: refused by the fingerprint.
        XCTAssertThrowsError(try SentimentTrainer.resume(from: parts, examples: data, source: "reviews")) { error in
            XCTAssertTrue("\(error)".contains("already stopped"), "\(error)")
        }
        let other = Array(data.dropFirst())
        XCTAssertThrowsError(try SentimentTrainer.resume(from: parts, examples: other, source: "reviews", limits: .init(epochs: 5))) { error in
            XCTAssertTrue("\(error)".contains("not the data"), "\(error)")
        }
    }

    func testDamagedOrCutShortCheckpointsAreRefused() throws {
        let folder = CharRNNFixtures.temporaryFolder(self)
        let data = examples()
        let run = ModelDirectory(folder.appendingPathComponent("run"))
        _ = try trainer(epochs: 1).train(data, source: "reviews", output: run)
        let stateURL = run.file(SentimentCheckpoint.stateName)
        let original = try Data(contentsOf: stateURL)
        var object = try JSONSerialization.jsonObject(with: original) as! [String: Any]
        object["totalSteps"] = (object["totalSteps"] as! Int) + 1  // the tensors belong to another step
        try JSONSerialization.data(withJSONObject: object).write(to: stateURL)
        XCTAssertThrowsError(try SentimentTrainer.resume(from: run, examples: data, source: "reviews", limits: .init(epochs: 2))) { error in
            XCTAssertTrue("\(error)".contains("cut short"), "\(error)")
        }
        object["totalSteps"] = -4
        try JSONSerialization.data(withJSONObject: object).write(to: stateURL)
        XCTAssertThrowsError(try SentimentTrainer.resume(from: run, examples: data, source: "reviews", limits: .init(epochs: 2)))
        try Data("{not json".utf8).write(to: stateURL)
        XCTAssertThrowsError(try SentimentTrainer.resume(from: run, examples: data, source: "reviews", limits: .init(epochs: 2))) { error in
            XCTAssertTrue("\(error)".contains("state.json"), "\(error)")
        }
    }
}
