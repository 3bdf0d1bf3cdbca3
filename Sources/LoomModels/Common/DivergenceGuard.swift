import Foundation

/// Decides when a training run has diverged, so that it stops before an exploded model is saved.
///
/// The yardstick is the loss of a model that knows nothing: ln C for C classes (ln 2 for a binary
/// classifier, which is where a freshly initialised model starts) or ln V for a character model over V
/// characters. A healthy run starts near it and goes down; these rules only fire far above it:
/// - any loss, gradient norm or validation loss that is NaN or infinite;
/// - one batch's loss above 10 × the yardstick (a binary classifier at 6.9 nats is confidently wrong
///   on nearly every review of the batch);
/// - the moving average of the batch losses (weight 0.1 for the newest) above 3 × the yardstick after
///   10 steps;
/// - a validation loss above 3 × the yardstick (checked before an evaluation may be saved as best).
public struct DivergenceGuard: Codable, Sendable {
    /// The loss of a uniform prediction.
    public let reference: Double
    private var average: Double? = nil
    private var steps = 0

    public init(reference: Double) { self.reference = max(reference, 0.01) }

    /// The guard for a classifier over `classes` classes.
    public init(classes: Int) { self.init(reference: log(Double(max(classes, 2)))) }

    public var batchLimit: Double { 10 * reference }
    public var averageLimit: Double { 3 * reference }

    /// Records one training step; throws `nonFiniteLoss` or `diverged` when the run must stop.
    public mutating func check(loss: Double, gradientNorm: Double, step: Int, epoch: Int, learningRate: Float) throws {
        guard loss.isFinite, gradientNorm.isFinite else {
            throw ModelError.nonFiniteLoss(step: step, epoch: epoch, learningRate: learningRate)
        }
        steps += 1
        average = average.map { 0.9 * $0 + 0.1 * loss } ?? loss
        if loss > batchLimit {
            throw ModelError.diverged(step: step, epoch: epoch, loss: loss, limit: batchLimit, learningRate: learningRate)
        }
        if steps >= 10, let average, average > averageLimit {
            throw ModelError.diverged(step: step, epoch: epoch, loss: average, limit: averageLimit, learningRate: learningRate)
        }
    }

    /// Checks a validation loss before the model it measures may be saved.
    public func check(validationLoss loss: Double, step: Int, epoch: Int, learningRate: Float) throws {
        guard loss.isFinite else { throw ModelError.nonFiniteLoss(step: step, epoch: epoch, learningRate: learningRate) }
        if loss > averageLimit {
            throw ModelError.diverged(step: step, epoch: epoch, loss: loss, limit: averageLimit, learningRate: learningRate)
        }
    }
}
