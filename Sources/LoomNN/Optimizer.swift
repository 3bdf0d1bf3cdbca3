import Foundation
import LoomSystem
import LoomTensor

/// Updates parameters from their accumulated gradients.
///
/// Optimizer state follows each `Parameter` object during training; it is saved and loaded under
/// the parameters' names ("<slot>.<name>"), so state saved from one run can be loaded into a fresh
/// model whose parameters have the same names (which must then be unique).
public protocol Optimizer: AnyObject {
    /// Applies one update to every parameter from its `grad` (the gradients are left as they are).
    func step(_ parameters: [Parameter])
    var learningRate: Float { get set }
}

/// Sets every parameter's gradient to zero, before accumulating the next batch.
public func zeroGradients(_ parameters: [Parameter]) {
    for p in parameters { p.grad.zero() }
}

/// Runs `body` over 0..<count, in two halves on two threads when count is large enough for the
/// split to pay off (the element-wise optimizer updates are memory-bound). `body` must only touch
/// elements in the range it is given.
private func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
    let threads = count >= 1 << 17 ? min(2, Machine.processorCount) : 1
    ParallelFor.chunks(count, chunks: threads) { _, range in body(range) }
}

private func checkSizes(_ parameters: [Parameter]) {
    for p in parameters {
        precondition(p.grad.count == p.value.count, "parameter \(p.name): gradient and value sizes differ")
    }
}

/// Stochastic gradient descent with optional momentum and L2 weight decay, as `torch.optim.SGD`
/// (dampening 0, no Nesterov): g = ∇ + λ·θ; buf = μ·buf + g (buf = g on the first step); θ −= lr·buf.
public final class SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    private let state = OptimizerSlots(slotNames: ["momentum"])

    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) {
        checkSizes(parameters)
        let lr = learningRate, mu = momentum, wd = weightDecay
        for p in parameters {
            let n = p.value.count
            let rate = lr * p.learningRateScale
            guard mu != 0 else {
                p.grad.data.withUnsafeBufferPointer { grad in
                    p.value.data.withUnsafeMutableBufferPointer { theta in
                        for i in 0..<n { theta[i] -= rate * (grad[i] + wd * theta[i]) }
                    }
                }
                continue
            }
            var slots = state.take(p)
            p.grad.data.withUnsafeBufferPointer { grad in
                p.value.data.withUnsafeMutableBufferPointer { theta in
                    slots[0].withUnsafeMutableBufferPointer { buffer in
                        for i in 0..<n {
                            let g = grad[i] + wd * theta[i]
                            buffer[i] = mu * buffer[i] + g  // buffer starts at 0, so buf₁ = g as in PyTorch
                            theta[i] -= rate * buffer[i]
                        }
                    }
                }
            }
            state.store(p, slots)
        }
    }

    /// Momentum buffers as "momentum.<param name>", for checkpoints.
    public func stateTensors() -> [String: Tensor] { state.tensors() }

    /// Restores buffers saved by `stateTensors`. When `parameters` is given, every buffer must
    /// belong to one of them with the same shape.
    public func loadState(_ tensors: [String: Tensor], parameters: [Parameter]? = nil) throws {
        try state.load(tensors, parameters: parameters)
    }
}

/// Adam (Kingma & Ba) with PyTorch's exact update, and AdamW when `decoupledWeightDecay` is true.
///
/// With t the step count after incrementing:
///   Adam:  g = ∇ + λ·θ                        AdamW: θ = θ·(1 − lr·λ), g = ∇
///   m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
///   θ −= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// `stepCount` counts calls to `step` (one per batch), shared by all parameters as in PyTorch when
/// every parameter is updated every step.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public var weightDecay: Float
    public let decoupledWeightDecay: Bool
    /// Number of `step` calls so far (restored by `loadState`).
    public var stepCount: Int = 0
    private let state = OptimizerSlots(slotNames: ["m", "v"])

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    public func step(_ parameters: [Parameter]) {
        checkSizes(parameters)
        stepCount += 1
        let t = Double(stepCount)
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon, wd = weightDecay
        let stepSize = Float(Double(lr) / (1 - pow(Double(b1), t)))
        let sqrtBiasCorrection2 = Float((1 - pow(Double(b2), t)).squareRoot())
        let l2: Float = decoupledWeightDecay ? 0 : wd
        for p in parameters {
            let n = p.value.count
            let parameterStep = stepSize * p.learningRateScale
            let decay: Float = decoupledWeightDecay ? 1 - lr * p.learningRateScale * wd : 1
            var slots = state.take(p)
            var m = slots[0], v = slots[1]
            slots = []
            p.grad.data.withUnsafeBufferPointer { grad in
                p.value.data.withUnsafeMutableBufferPointer { theta in
                    m.withUnsafeMutableBufferPointer { m in
                        v.withUnsafeMutableBufferPointer { v in
                            let (g, th, mp, vp) = (grad.baseAddress!, theta.baseAddress!, m.baseAddress!, v.baseAddress!)
                            // Element-wise and memory-bound: large tensors are split across cores.
                            parallelChunks(n) { range in
                                for i in range {
                                    th[i] *= decay
                                    let gi = g[i] + l2 * th[i]
                                    mp[i] = b1 * mp[i] + (1 - b1) * gi
                                    vp[i] = b2 * vp[i] + (1 - b2) * gi * gi
                                    th[i] -= parameterStep * mp[i] / (vp[i].squareRoot() / sqrtBiasCorrection2 + eps)
                                }
                            }
                        }
                    }
                }
            }
            state.store(p, [m, v])
        }
    }

    /// The moment estimates as "m.<param name>" and "v.<param name>", for checkpoints
    /// (save `stepCount` alongside, e.g. in the safetensors metadata).
    public func stateTensors() -> [String: Tensor] { state.tensors() }

    /// Restores state saved by `stateTensors`. Every "m.x" needs a "v.x" of the same shape. When
    /// `parameters` is given, every name must belong to one of them with the same shape, so a
    /// checkpoint from another model is rejected here rather than trapping in `step`.
    public func loadState(_ tensors: [String: Tensor], stepCount: Int, parameters: [Parameter]? = nil) throws {
        guard stepCount >= 0 else { throw OptimizerStateError.invalidStepCount(stepCount) }
        try state.load(tensors, parameters: parameters)
        self.stepCount = stepCount
    }
}
