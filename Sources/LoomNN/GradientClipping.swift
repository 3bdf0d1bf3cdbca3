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
        // Squares summed in Float within blocks of 1024 (16 lanes, ≤ 64 terms a lane), blocks in
        // Double: vectorised, and no overflow unless a single block's squares exceed Float's range,
        // in which case the block is redone in Double.
        var sumOfSquares = 0.0
        for p in parameters {
            p.grad.data.withUnsafeBufferPointer { g in
                var start = 0
                while start < g.count {
                    let end = min(start + 1024, g.count)
                    var lanes = SIMD16<Float>()
                    var i = start
                    while i + 16 <= end {
                        let v = SIMD16<Float>(g[i..<i + 16])
                        lanes += v * v
                        i += 16
                    }
                    var block = Double(lanes.sum())
                    while i < end { block += Double(g[i]) * Double(g[i]); i += 1 }
                    if !block.isFinite || block > 1e37 {
                        block = 0
                        for j in start..<end { block += Double(g[j]) * Double(g[j]) }
                    }
                    sumOfSquares += block
                    start = end
                }
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
