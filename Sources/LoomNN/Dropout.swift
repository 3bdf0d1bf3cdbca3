import LoomTensor

/// Inverted dropout: in training each element is kept with probability 1 − rate and scaled by
/// 1/(1 − rate), so the expected value is unchanged and inference is the identity.
///
/// The mask (0 or 1/(1 − rate) per element) drawn in `forward` is kept and reused by `backward`.
public struct Dropout {
    /// Probability of dropping an element, in [0, 1].
    public var rate: Float
    /// Scale factors applied in the last training forward pass; empty when it was the identity.
    public private(set) var mask: [Float] = []

    public init(rate: Float) {
        precondition(rate >= 0 && rate <= 1, "dropout rate \(rate) outside [0, 1]")
        self.rate = rate
    }

    /// y = x ⊙ mask in training (mask drawn from `rng`), y = x otherwise or when rate is 0.
    public mutating func forward(_ x: Tensor, training: Bool, rng: inout SeededGenerator) -> Tensor {
        guard training && rate > 0 else {
            mask = []
            return x
        }
        precondition(rate >= 0 && rate <= 1, "dropout rate \(rate) outside [0, 1]")
        let keep = 1 - rate
        let scale: Float = keep > 0 ? 1 / keep : 0
        var m = [Float](repeating: 0, count: x.count)
        var y = x.data
        for i in 0..<m.count {
            m[i] = rng.nextUniform() < keep ? scale : 0
            y[i] *= m[i]
        }
        mask = m
        return Tensor(shape: x.shape, data: y)
    }

    /// dL/dx = dL/dy ⊙ mask (the identity if the forward pass was).
    public func backward(_ gradOutput: Tensor) -> Tensor {
        if mask.isEmpty { return gradOutput }
        precondition(gradOutput.count == mask.count, "Dropout.backward: gradient \(gradOutput.shape) does not match the mask")
        var g = gradOutput.data
        for i in 0..<g.count { g[i] *= mask[i] }
        return Tensor(shape: gradOutput.shape, data: g)
    }
}
