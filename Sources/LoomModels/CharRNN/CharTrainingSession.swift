import Foundation
import LoomNN
import LoomSystem
import LoomTensor
import LoomText

/// One training run in progress (fresh or resumed): the loop, the evaluations and the checkpoints.
final class CharTrainingSession {
    let model: CharLanguageModel
    let vocabulary: CharVocabulary
    let corpus: CharCorpus
    let optimizer: Adam
    let output: ModelDirectory
    var state: CharTrainingState
    /// Hidden state carried into the next window of each lane (nil at the start of an epoch).
    var carried: RecurrentState?
    var log: [TrainingRecord]
    /// The best weights so far by name (nil before the first evaluation).
    var bestWeights: [String: Tensor]?

    private var options: CharTrainingOptions { state.options }
    private var sessionStart = Date()
    private var sessionSteps = 0
    private var sessionStepSeconds = 0.0
    private let secondsBefore: Double
    private var divergence: DivergenceGuard
    /// The signal that stopped this session, if one did.
    private(set) var interruptedBy: Int32?
    /// Why the run stopped, set just before its last checkpoint.
    private var finalReason: String?
    /// The loss of the steps since the last point of the per-step curve.
    private var curveSum = 0.0, curveCount = 0
    /// Most points the per-step curve keeps (every other one is dropped when it would hold more).
    static let curveLimit = 2_000

    init(model: CharLanguageModel, vocabulary: CharVocabulary, corpus: CharCorpus, state: CharTrainingState,
         optimizer: Adam, carried: RecurrentState?, log: [TrainingRecord], bestWeights: [String: Tensor]?,
         output: ModelDirectory) {
        self.model = model
        self.vocabulary = vocabulary
        self.corpus = corpus
        self.state = state
        self.optimizer = optimizer
        self.carried = carried
        self.log = log
        self.bestWeights = bestWeights
        self.output = output
        secondsBefore = state.seconds
        divergence = DivergenceGuard(reference: Foundation.log(Double(max(vocabulary.count, 2))))
    }

    /// Why the run should stop now, or nil to go on.
    func stopReason(sessionSeconds: Double) -> String? {
        if let limit = options.maxSteps, state.step >= limit { return "reached \(limit) steps" }
        if let epochs = options.effectiveEpochs, state.epoch > epochs { return "finished \(epochs) epochs" }
        if let limit = options.timeLimit, sessionSeconds >= limit {
            return "reached the time limit of \(ProgressReporter.duration(limit))"
        }
        return nil
    }

    func run(observer: (CharTrainingEvent) -> Void) throws -> CharTrainingSummary {
        sessionStart = Date()
        let steps = options.sequenceLength, batch = options.batchSize
        let trainingStep = TrainingStep(parameters: model.parameters, optimizer: optimizer, clip: options.clip)
        var reason: String? = nil
        while reason == nil {
            let stepStart = Date()
            if state.window == 0 {
                state.layout = CharEpochLayout(trainCount: corpus.trainCount, batchSize: batch, sequenceLength: steps,
                                               rng: &state.rng)
                carried = nil
            }
            let layout = state.layout!
            let epoch = state.epoch
            optimizer.learningRate = options.learningRate(step: state.step, epoch: epoch,
                                                          progress: progress(layout: layout))
            let (inputs, targets) = layout.window(state.window, of: corpus.train)
            var final: RecurrentState? = nil
            let (loss, norm) = try trainingStep.take(step: state.step + 1, epoch: epoch, divergence: &divergence, forward: {
                let (logits, last) = model.forward(inputs, steps: steps, batch: batch, initialState: carried,
                                                   training: true, rng: &state.rng)
                final = last
                return Loss.softmaxCrossEntropy(logits, targets: targets)
            }, backward: model.backward)
            carried = final
            state.step += 1
            state.optimizerSteps = optimizer.stepCount
            state.window += 1
            if state.window >= layout.windowsPerEpoch {
                state.epoch += 1
                state.window = 0
                state.layout = nil
                carried = nil
            }
            let stepSeconds = Date().timeIntervalSince(stepStart)
            sessionSteps += 1
            sessionStepSeconds += stepSeconds
            state.pending.lossSum += Double(loss)
            state.pending.normSum += Double(norm)
            state.pending.steps += 1
            state.pending.characters += steps * batch
            state.pending.stepSeconds += stepSeconds
            recordCurve(loss: Double(loss))
            reason = stopReason(sessionSeconds: Date().timeIntervalSince(sessionStart))
            if reason == nil, let signal = Interruption.requestedSignal {
                interruptedBy = signal
                reason = "interrupted by \(Interruption.name(of: signal)) at step \(state.step)"
            }
            observer(.step(progress(loss: Double(loss), epoch: epoch, layout: layout)))
            finalReason = reason
            if state.step % options.evaluateEvery == 0 || reason != nil {
                try evaluateAndSave(epoch: epoch, observer: observer)
            }
        }
        let stop = reason ?? "stopped"
        observer(.message("training stopped: \(stop)"))
        return CharTrainingSummary(bestStep: state.bestStep ?? state.step,
                                   bestValidationLoss: corpus.validation.isEmpty ? nil : state.bestLoss,
                                   steps: state.step, epoch: state.epoch, log: log,
                                   seconds: Date().timeIntervalSince(sessionStart), vocabularySize: vocabulary.count,
                                   trainCharacters: corpus.trainCount, validationCharacters: corpus.validation.count,
                                   stopReason: stop, interruptedBy: interruptedBy)
    }

    /// How far through its planned length the run is, in [0, 1], by whichever limit ends it first: steps,
    /// epochs (counting the windows of the current one) or this session's time limit.
    private func progress(layout: CharEpochLayout) -> Double {
        var fraction = 0.0
        if let limit = options.maxSteps { fraction = max(fraction, Double(state.step) / Double(limit)) }
        if let epochs = options.effectiveEpochs {
            let done = Double(state.epoch - 1) + Double(state.window) / Double(max(layout.windowsPerEpoch, 1))
            fraction = max(fraction, done / Double(epochs))
        }
        if let limit = options.timeLimit { fraction = max(fraction, Date().timeIntervalSince(sessionStart) / limit) }
        return min(fraction, 1)
    }

    private func progress(loss: Double, epoch: Int, layout: CharEpochLayout) -> CharTrainingProgress {
        var total: Int? = options.maxSteps
        if let epochs = options.effectiveEpochs {
            let remainingInEpoch = state.window == 0 ? 0 : layout.windowsPerEpoch - state.window
            let fullEpochsLeft = max(0, epochs - state.epoch + (state.window == 0 ? 1 : 0))
            if let byEpochs = Checked.sum(Checked.sum(state.step, remainingInEpoch),
                                          Checked.product(fullEpochsLeft, layout.windowsPerEpoch)) {
                total = min(total ?? byEpochs, byEpochs)
            }
        }
        let perStep = sessionStepSeconds / Double(max(sessionSteps, 1))
        var left = total.map { Double(max($0 - state.step, 0)) * perStep }
        if let limit = options.timeLimit {
            let remaining = max(0, limit - Date().timeIntervalSince(sessionStart))
            left = min(left ?? remaining, remaining)
        }
        return CharTrainingProgress(step: state.step, totalSteps: total, epoch: epoch, loss: loss,
                                    averageLoss: state.pending.meanLoss, validationLoss: state.lastValidationLoss,
                                    charactersPerSecond: state.pending.charactersPerSecond, secondsLeft: left,
                                    learningRate: optimizer.learningRate, fraction: progress(layout: layout))
    }

    /// Validation loss, a log record, the best-weights snapshot, a checkpoint on disk and a sample.
    private func evaluateAndSave(epoch: Int, observer: (CharTrainingEvent) -> Void) throws {
        let validation = corpus.validation.isEmpty ? nil : validationLoss()
        if let validation {
            try divergence.check(validationLoss: validation, step: state.step, epoch: epoch, learningRate: optimizer.learningRate)
        }
        let record = TrainingRecord(epoch: epoch, step: state.step, trainLoss: state.pending.meanLoss,
                                    validationLoss: validation, gradientNorm: state.pending.meanNorm,
                                    learningRate: Double(optimizer.learningRate),
                                    tokensPerSecond: state.pending.charactersPerSecond,
                                    seconds: secondsBefore + Date().timeIntervalSince(sessionStart))
        log.append(record)
        state.lastValidationLoss = validation ?? state.lastValidationLoss
        let criterion = validation ?? record.trainLoss
        let improved = state.bestLoss.map { criterion < $0 } ?? true
        if improved {
            state.bestLoss = criterion
            state.bestStep = state.step
            bestWeights = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value) })
        }
        state.pending = CharPendingAverages()
        state.seconds = record.seconds
        try save()
        let sample = options.sampleLength > 0 ? evaluationSample() : ""
        observer(.evaluation(record, improved: improved, sample: sample))
    }

    /// Mean loss (nats per character) over the validation text (see `CharLanguageModel.meanLoss`).
    private func validationLoss() -> Double {
        model.meanLoss(on: corpus.validation, lanes: options.batchSize, sequenceLength: options.sequenceLength)
    }

    /// A short sample from the current weights, on its own generator so training's stays untouched.
    private func evaluationSample() -> String {
        guard let first = corpus.train.first,
              let strategy = try? SamplingStrategy(temperature: 0.8) else { return "" }
        let sampler = CharSampler(model: model, vocabulary: vocabulary)
        let prompt = vocabulary.symbols[Int(first)]
        let samples = try? sampler.generate(prompt: prompt, length: options.sampleLength, strategy: strategy,
                                            seed: options.seed &+ UInt64(state.step))
        return prompt + (samples?.first?.text ?? "")
    }

    /// Adds the step's loss to the per-step curve: a point per `evaluateEvery / 25` steps (at least one).
    private func recordCurve(loss: Double) {
        curveSum += loss
        curveCount += 1
        guard curveCount >= max(1, options.evaluateEvery / 25) else { return }
        var curve = state.stepCurve ?? []
        curve.append(CurvePoint(step: state.step, loss: curveSum / Double(curveCount)))
        if curve.count > Self.curveLimit { curve = curve.enumerated().filter { $0.offset % 2 == 1 }.map(\.element) }
        state.stepCurve = curve
        curveSum = 0
        curveCount = 0
    }

    /// What `training.json` records of this run so far.
    private func provenance() -> TrainingProvenance<CharTrainingOptions> {
        let data = TrainingData(paths: corpus.sources.map(\.path), examples: corpus.ids.count,
                                trainExamples: corpus.trainCount, validationExamples: corpus.validation.count,
                                fingerprint: corpus.fingerprint)
        var metrics: [String: Double] = ["steps": Double(state.step), "epoch": Double(state.epoch)]
        metrics["bestStep"] = state.bestStep.map(Double.init)
        metrics[corpus.validation.isEmpty ? "bestTrainLoss" : "bestValidationLoss"] = state.bestLoss
        // Runs saved before the start was recorded: the training time before this session, counted back.
        let started = state.started ?? sessionStart.addingTimeInterval(-secondsBefore)
        return TrainingProvenance(started: started, seconds: state.seconds,
                                  options: options, data: data, metrics: metrics, stopReason: finalReason)
    }

    /// Rewrites the whole model folder: config, best weights, vocabulary, log, curves, `training.json` and `resume/`.
    private func save() throws {
        let configuration = model.configuration
        let weights = bestWeights ?? Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value) })
        try output.replace { staging in
            try staging.writeJSON(configuration, to: "config.json")
            try ModelDirectory.writeTensors(weights, metadata: ["format": "pt", "loom.kind": CharModelConfiguration.kind,
                                                                "loom.step": String(state.bestStep ?? state.step)],
                                            to: staging.weightsURL)
            do {
                try vocabulary.write(to: staging.file(CharModelFiles.vocabularyName))
            } catch {
                throw ModelError.io(staging.file(CharModelFiles.vocabularyName), reason: "\(error)")
            }
            try CharModelFiles.writeLog(log, steps: state.stepCurve ?? [], in: staging)
            try staging.writeFile(try provenance().encoded(), to: CharModelFiles.trainingFileName)
            try CharTrainingCheckpoint.write(state: state, parameters: model.parameters, optimizer: optimizer,
                                             hidden: carried, to: staging)
        }
    }
}
