import Foundation
import LoomNN
import LoomTensor

/// Running sums of the epoch in progress, turned into its `TrainingRecord` when it ends.
struct SentimentEpochSums: Codable, Equatable {
    var lossSum = 0.0
    var correct = 0
    var seen = 0
    var tokensSeen = 0
    var normSum = 0.0
    var steps = 0
    /// Seconds of this epoch in earlier sessions (a resumed epoch adds its own).
    var seconds = 0.0
}

/// Everything besides tensors that `sentiment train --resume` needs to continue a run exactly where it
/// stopped, saved as `resume/state.json` beside `resume/weights.safetensors` (the last weights, not the best)
/// and `resume/optimizer.safetensors` (Adam's moments). The position is "before batch `nextBatch` of epoch
/// `epoch`": the epoch's batches are drawn again from `epochStartRNG`, dropout continues from `rng`.
struct SentimentRunState: Codable, ResumeState {
    static let currentFormatVersion = 1

    var formatVersion = SentimentRunState.currentFormatVersion
    var options: SentimentTrainingOptions
    /// The data the run trains on: its path as given, and a fingerprint checked on resume.
    var dataPath: String
    var dataFingerprint: String
    /// The epoch (from 1) in progress or next to start, and the next batch within it (0: not started).
    var epoch = 1
    var nextBatch = 0
    /// The generator before this epoch's batches were drawn; nil when the epoch has not started.
    var epochStartRNG: SeededGenerator?
    var rng: SeededGenerator
    var sums = SentimentEpochSums()
    var totalSteps = 0
    var learningRate: Float
    var optimizerSteps = 0
    var bestEpoch: Int?
    var bestScore: Double?
    var bestPredictedClasses: Int?
    var lastPredictedClasses = 0
    var epochsWithoutImprovement = 0
    var divergence: DivergenceGuard
    /// Complete epoch records in `train-log.jsonl` that belong to this position (a stop inside an epoch
    /// logs that epoch's part; a resume drops it and finishes the epoch).
    var logCount = 0
    /// Seconds trained in all sessions before this one, and when the run started.
    var seconds = 0.0
    var started: Date

    /// Rejects a state file with impossible numbers, naming the field, before anything is allocated from it.
    func validate(source: URL) throws {
        func require(_ condition: Bool, _ what: String) throws {
            if !condition { throw ModelError.corruptFile(source, reason: what) }
        }
        do { try options.validate() } catch { throw ModelError.corruptFile(source, reason: "options: \(error)") }
        try require(epoch >= 1 && epoch <= 1_000_001, "\"epoch\" \(epoch) is out of range")
        try require(nextBatch >= 0 && nextBatch <= 100_000_000, "\"nextBatch\" \(nextBatch) is out of range")
        try require(nextBatch == 0 || epochStartRNG != nil, "\"nextBatch\" is \(nextBatch) but the epoch's generator is missing")
        try require(totalSteps >= 0 && optimizerSteps >= 0 && logCount >= 0 && logCount <= epoch, "step or log counts out of range")
        try require(learningRate > 0 && learningRate.isFinite, "\"learningRate\" must be a positive number")
        try require(seconds >= 0 && seconds.isFinite && sums.seconds >= 0 && sums.seconds.isFinite, "\"seconds\" must be non-negative")
        try require(sums.seen >= 0 && sums.correct >= 0 && sums.correct <= sums.seen && sums.steps >= 0 && sums.tokensSeen >= 0
                    && sums.lossSum.isFinite && sums.normSum.isFinite, "\"sums\" holds impossible values")
        if let bestScore { try require(bestScore.isFinite, "\"bestScore\" must be finite") }
    }
}

/// Reading and writing the `resume/` part of a sentiment model folder.
enum SentimentCheckpoint {
    static let stateName = "resume/state.json"
    static let weightsName = "resume/weights.safetensors"
    static let optimizerName = "resume/optimizer.safetensors"

    /// Writes weights and optimizer first and the state last, each atomically; the state names the step the
    /// tensors belong to, so a kill between the files is found on resume rather than mixing two positions.
    static func write(_ state: SentimentRunState, parameters: [Parameter], optimizer: Adam, to directory: ModelDirectory) throws {
        let folder = directory.file("resume")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelError.io(folder, reason: "cannot create folder: \(error.localizedDescription)")
        }
        let step = String(state.totalSteps)
        try directory.writeWeights(parameters, metadata: ["format": "pt", "loom.kind": SentimentConfiguration.kind,
                                                          "loom.step": step], to: weightsName)
        try ModelDirectory.writeTensors(optimizer.stateTensors(),
                                        metadata: ["loom.optimizer": "adam", "loom.stepCount": String(optimizer.stepCount),
                                                   "loom.step": step],
                                        to: directory.file(optimizerName))
        try directory.writeJSON(state, to: stateName)
    }

    static func readState(from directory: ModelDirectory) throws -> SentimentRunState {
        let state = try directory.readResumeState(SentimentRunState.self, from: stateName, writer: "loom sentiment train")
        try state.validate(source: directory.file(stateName))
        return state
    }

    /// Loads the last weights into `model` and Adam's moments into `optimizer`, checking both belong to `state`.
    static func restore(_ state: SentimentRunState, model: SentimentModel, optimizer: Adam, from directory: ModelDirectory) throws {
        let weightsURL = directory.file(weightsName), optimizerURL = directory.file(optimizerName)
        let (weights, weightsMeta) = try ModelDirectory.readTensors(weightsURL)
        try ModelDirectory.checkParameterCount(weights, expected: model.configuration.parameterCount, source: weightsURL)
        try ModelDirectory.assign(weights, to: model.parameters, source: weightsURL)
        let (moments, momentsMeta) = try ModelDirectory.readTensors(optimizerURL)
        for (meta, url) in [(weightsMeta, weightsURL), (momentsMeta, optimizerURL)] where meta["loom.step"] != String(state.totalSteps) {
            throw ModelError.mismatch(url, reason: "belongs to step \(meta["loom.step"] ?? "?"), the saved state to step \(state.totalSteps): the checkpoint was cut short; train again from the start")
        }
        try ModelDirectory.loadOptimizer(moments, into: optimizer, parameters: model.parameters,
                                         stepCount: state.optimizerSteps, source: optimizerURL)
    }
}
