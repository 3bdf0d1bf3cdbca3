import LoomNN
import LoomTensor

/// One optimisation step, as both trainers (sentiment and character models) take it: zero the gradients,
/// forward pass and loss, refuse a non-finite loss before it reaches the weights, backward pass, clip the
/// global gradient norm, let the divergence guard look at loss and norm, then update the weights.
struct TrainingStep {
    let parameters: [Parameter]
    let optimizer: Optimizer
    /// Global gradient-norm limit.
    let clip: Float

    /// Takes the step and returns the batch loss and the gradient norm before clipping.
    /// - Parameters:
    ///   - step, epoch: the step's number (counted from 1) and epoch, for error messages.
    ///   - forward: runs the model on the batch; returns the mean loss and dL/d(logits).
    ///   - backward: back-propagates dL/d(logits) into the parameters' gradients.
    func take(step: Int, epoch: Int, divergence: inout DivergenceGuard,
              forward: () -> (loss: Float, gradient: Tensor), backward: (Tensor) -> Void) throws
        -> (loss: Float, gradientNorm: Float) {
        zeroGradients(parameters)
        let (loss, gradient) = forward()
        guard loss.isFinite else {
            throw ModelError.nonFiniteLoss(step: step, epoch: epoch, learningRate: optimizer.learningRate)
        }
        backward(gradient)
        let norm = GradientClipping.clipGlobalNorm(parameters, maxNorm: clip)
        try divergence.check(loss: Double(loss), gradientNorm: Double(norm), step: step, epoch: epoch,
                             learningRate: optimizer.learningRate)
        optimizer.step(parameters)
        return (loss, norm)
    }
}
