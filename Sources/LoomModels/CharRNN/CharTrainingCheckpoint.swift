import Foundation
import LoomNN
import LoomTensor

/// Running sums since the last evaluation, turned into one `TrainingRecord` at the next.
struct CharPendingAverages: Codable, Equatable {
    var lossSum = 0.0
    var normSum = 0.0
    var steps = 0
    var characters = 0
    /// Seconds spent in optimiser steps (not evaluations), for characters per second.
    var stepSeconds = 0.0

    var meanLoss: Double { steps == 0 ? 0 : lossSum / Double(steps) }
    var meanNorm: Double { steps == 0 ? 0 : normSum / Double(steps) }
    var charactersPerSecond: Double { stepSeconds > 0 ? Double(characters) / stepSeconds : 0 }
}

/// One point of the training-loss curve between evaluations: the mean loss of a few steps, at the last of them.
struct CurvePoint: Codable, Equatable {
    var step: Int
    var loss: Double
}

/// Everything besides tensors that `--resume` needs to continue a run exactly where it stopped:
/// saved as `resume/state.json`. The tensors are beside it: `resume/weights.safetensors` (the last
/// weights, not the best), `resume/optimizer.safetensors` (Adam's moments) and `resume/hidden.safetensors`
/// (the hidden state carried into the next window of each lane).
struct CharTrainingState: Codable, ResumeState {
    static let currentFormatVersion = 1

    var formatVersion = CharTrainingState.currentFormatVersion
    var options: CharTrainingOptions
    /// Corpus files as given, and a hash of their encoded text, checked on resume.
    var corpus: [String]
    var corpusFingerprint: String
    var corpusCharacters: Int
    /// Optimiser steps done.
    var step: Int
    /// The epoch (from 1) and window within it that the next step trains on.
    var epoch: Int
    var window: Int
    /// This epoch's layout; nil when the next step starts a new epoch (window 0).
    var layout: CharEpochLayout?
    /// The generator as it stands before the next step (dropout and the next epoch's layout draw from it).
    var rng: SeededGenerator
    var optimizerSteps: Int
    var bestStep: Int?
    /// Best validation loss (or training loss without validation) so far.
    var bestLoss: Double?
    var lastValidationLoss: Double?
    var pending: CharPendingAverages
    /// Seconds trained in all sessions so far.
    var seconds: Double
    /// The training loss every few steps, for `curves.svg` (thinned to at most `CharTrainingSession.curveLimit`
    /// points); absent in runs saved before it existed.
    var stepCurve: [CurvePoint]? = nil
    /// When the run's first session started (absent in runs saved before it was recorded).
    var started: Date? = nil
}

extension CharTrainingState {
    /// Rejects a state file that does not describe a position in `corpus` with these options: every
    /// number that later indexes the text or sizes a buffer is checked here, so a damaged or hand-edited
    /// `resume/state.json` is an error naming the field, never a crash.
    func validate(corpus: CharCorpus, source: URL) throws {
        func require(_ condition: Bool, _ what: String) throws {
            if !condition { throw ModelError.corruptFile(source, reason: what) }
        }
        do {
            try options.validate()
        } catch {
            throw ModelError.corruptFile(source, reason: "options: \(error)")
        }
        try require(step >= 0 && step <= 1_000_000_000_000, "\"step\" \(step) is out of range")
        try require(optimizerSteps >= 0 && optimizerSteps <= 1_000_000_000_000, "\"optimizerSteps\" \(optimizerSteps) is out of range")
        try require(epoch >= 1 && epoch <= 1_000_001, "\"epoch\" \(epoch) is out of range")
        try require(seconds >= 0 && seconds.isFinite, "\"seconds\" must be a non-negative number")
        try require(pending.steps >= 0 && pending.characters >= 0 && pending.lossSum.isFinite && pending.normSum.isFinite
                    && pending.stepSeconds.isFinite, "\"pending\" holds impossible values")
        if let bestLoss { try require(bestLoss.isFinite, "\"bestLoss\" must be a finite number") }
        if let bestStep { try require(bestStep >= 0 && bestStep <= step, "\"bestStep\" \(bestStep) is after \"step\" \(step)") }
        try require(window >= 0, "\"window\" must not be negative")
        guard let layout else {
            try require(window == 0, "\"window\" is \(window) but the state has no epoch layout")
            return
        }
        let batch = options.batchSize
        try require(layout.sequenceLength == options.sequenceLength, "the layout's sequenceLength differs from the options'")
        try require(layout.lanes.count == batch && Set(layout.lanes) == Set(0..<batch),
                    "the layout's lanes are not an order of the \(batch) lanes")
        try require(layout.offset >= 0 && layout.offset < max(options.sequenceLength, 1), "the layout's offset \(layout.offset) is out of range")
        try require(layout.laneLength == (corpus.trainCount - layout.offset) / batch,
                    "the layout's laneLength \(layout.laneLength) does not fit the corpus")
        try require(window < layout.windowsPerEpoch,
                    "\"window\" \(window) is beyond the \(layout.windowsPerEpoch) windows of an epoch")
    }
}

/// Reading and writing the `resume/` part of a character model folder.
enum CharTrainingCheckpoint {
    static let folder = "resume"
    static let stateName = "resume/state.json"
    static let weightsName = "resume/weights.safetensors"
    static let optimizerName = "resume/optimizer.safetensors"
    static let hiddenName = "resume/hidden.safetensors"

    /// Writes state, last weights, optimizer moments and carried hidden state into `directory` (a staging folder).
    static func write(state: CharTrainingState, parameters: [Parameter], optimizer: Adam, hidden: RecurrentState?,
                      to directory: ModelDirectory) throws {
        let folder = directory.file(Self.folder)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelError.io(folder, reason: "cannot create folder: \(error.localizedDescription)")
        }
        try directory.writeJSON(state, to: stateName)
        try directory.writeWeights(parameters, metadata: ["format": "pt", "loom.kind": CharModelConfiguration.kind,
                                                          "loom.step": String(state.step)], to: weightsName)
        try ModelDirectory.writeTensors(optimizer.stateTensors(),
                                        metadata: ["loom.optimizer": "adam", "loom.stepCount": String(optimizer.stepCount)],
                                        to: directory.file(optimizerName))
        var tensors: [String: Tensor] = [:]
        if let hidden {
            for (index, tensor) in hidden.hidden.enumerated() { tensors["hidden.\(index)"] = tensor }
            for (index, tensor) in (hidden.cell ?? []).enumerated() { tensors["cell.\(index)"] = tensor }
        }
        try ModelDirectory.writeTensors(tensors, metadata: ["loom.hidden": hidden == nil ? "none" : "carried"],
                                        to: directory.file(hiddenName))
    }

    /// Reads the state file, with a clear error when the folder holds no resumable run.
    static func readState(from directory: ModelDirectory) throws -> CharTrainingState {
        try directory.readResumeState(CharTrainingState.self, from: stateName, writer: "loom charrnn train")
    }

    /// Loads the optimizer moments of `parameters` into `optimizer`.
    static func readOptimizer(from directory: ModelDirectory, parameters: [Parameter], optimizer: Adam,
                              stepCount: Int) throws {
        let source = directory.file(optimizerName)
        try ModelDirectory.loadOptimizer(ModelDirectory.readTensors(source).tensors, into: optimizer, parameters: parameters,
                                         stepCount: stepCount, source: source)
    }

    /// The carried hidden state for `batch` lanes, or nil when the next step starts a new epoch.
    static func readHidden(from directory: ModelDirectory, layers: Int, batch: Int, hidden: Int,
                           hasCell: Bool) throws -> RecurrentState? {
        let source = directory.file(hiddenName)
        let (tensors, metadata) = try ModelDirectory.readTensors(source)
        if metadata["loom.hidden"] == "none" { return nil }
        func tensor(_ name: String) throws -> Tensor {
            guard let value = tensors[name], value.shape == [batch, hidden] else {
                throw ModelError.mismatch(source, reason: "hidden state '\(name)' is missing or not [\(batch), \(hidden)]")
            }
            return value
        }
        let h = try (0..<layers).map { try tensor("hidden.\($0)") }
        let c = hasCell ? try (0..<layers).map { try tensor("cell.\($0)") } : nil
        return RecurrentState(hidden: h, cell: c)
    }
}
