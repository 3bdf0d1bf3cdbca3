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
        // Element i is kept when its 32-bit draw u satisfies u < keep·2³² (probability keep, up to
        // 2⁻³²). Branch-free: a random keep/drop branch would be mispredicted half the time.
        let threshold = UInt64((Double(keep) * 4_294_967_296).rounded(.down))
        let scaleBits = scale.bitPattern
        @inline(__always) func maskValue(_ u: UInt64) -> Float {
            let kept = UInt32(truncatingIfNeeded: (u &- threshold) >> 63)  // 1 when u < threshold
            return Float(bitPattern: scaleBits & (0 &- kept))
        }
        var stream = FastRandomStream(drawingFrom: &rng)
        let n = x.count
        var m = [Float](repeating: 0, count: n)
        var y = [Float](repeating: 0, count: n)
        x.data.withUnsafeBufferPointer { x in
            m.withUnsafeMutableBufferPointer { m in
                y.withUnsafeMutableBufferPointer { y in
                    var i = 0
                    while i < n {  // two 32-bit draws per 64-bit word
                        let bits = stream.next()
                        m[i] = maskValue(bits & 0xFFFF_FFFF)
                        y[i] = x[i] * m[i]
                        if i + 1 < n {
                            m[i + 1] = maskValue(bits >> 32)
                            y[i + 1] = x[i + 1] * m[i + 1]
                        }
                        i += 2
                    }
                }
            }
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
