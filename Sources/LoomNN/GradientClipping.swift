import LoomTensor

/// Gradient clipping by the global L2 norm over all parameters, as `torch.nn.utils.clip_grad_norm_`.
public enum GradientClipping {
    /// Scales every gradient by maxNorm / (norm + 1e-6) when the global norm exceeds `maxNorm`.
    ///
    /// Returns the norm *before* clipping, so a training log shows exploding gradients. A non-finite
    /// norm (NaN or ∞) is returned as is and the gradients are left untouched: scaling by it would
    /// only turn every gradient into NaN; the caller decides whether to skip the step.
    @discardableResult
    public static func clipGlobalNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
        var sumOfSquares = 0.0
        for p in parameters {
            p.grad.data.withUnsafeBufferPointer { g in
                for x in g { sumOfSquares += Double(x) * Double(x) }
            }
        }
        let norm = Float(sumOfSquares.squareRoot())
        guard norm.isFinite else { return norm }
        let coefficient = Double(maxNorm) / (Double(norm) + 1e-6)
        if coefficient < 1 {
            let c = Float(coefficient)
            for p in parameters {
                p.grad.data.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count { g[i] *= c }
                }
            }
        }
        return norm
    }
}
