import LoomTensor

/// How a classifier reduces the T outputs of a recurrent layer to one vector per sequence.
public enum Pooling: String, Codable, CaseIterable, Sendable {
    /// The final state: the last real step for the forward direction, the first real step for the
    /// reverse direction (PyTorch's h_n).
    case last
    /// The average over real steps.
    case mean
    /// The element-wise maximum over real steps.
    case max
    /// A learned weighted average over real steps (`AttentionPooling`; it has parameters, so it is not one of
    /// `TemporalPooling`'s kinds).
    case attention
}

/// Pooling over time of time-major recurrent outputs [T, B, F], F = H·directions, where the first
/// H features of each step come from the forward direction and the next H from the reverse one.
///
/// A mask [T, B] (1 for a real step, 0 for padding) restricts pooling to real steps, so pre- and
/// post-padded batches pool the same values. A sequence with no real step pools to zeros and
/// passes no gradient.
public struct TemporalPooling {
    public let kind: Pooling
    public let directions: Int

    // Cache from the last forward pass.
    private var shape: [Int] = [0, 0, 0]
    /// last/max: for every (b, f) the time step the pooled value came from, −1 for none.
    private var sourceStep: [Int] = []
    /// mean: for every (t, b) the weight 1/count of that step (0 for padding or empty sequences).
    private var stepWeight: [Float] = []

    /// The kinds this type pools by (all but `.attention`, which has parameters: `AttentionPooling`).
    public static let kinds: [Pooling] = Pooling.allCases.filter { $0 != .attention }

    public init(_ kind: Pooling, directions: Int = 1) {
        precondition(directions == 1 || directions == 2, "directions must be 1 or 2")
        precondition(kind != .attention, "attention pooling has parameters: use AttentionPooling")
        self.kind = kind
        self.directions = directions
    }

    /// Pools `outputs` [T, B, F] to [B, F]; `mask` is [T, B] (or [T·B]) or nil for all steps real.
    public mutating func forward(_ outputs: Tensor, mask: Tensor?) -> Tensor {
        precondition(outputs.rank == 3, "TemporalPooling expects [T, B, F], got \(outputs.shape)")
        let t = outputs.shape[0], b = outputs.shape[1], f = outputs.shape[2]
        precondition(f % directions == 0, "feature size \(f) is not a multiple of \(directions) directions")
        if let mask { precondition(mask.count == t * b, "mask \(mask.shape) does not match [\(t), \(b)]") }
        shape = [t, b, f]
        let h = f / directions
        let x = outputs.data
        let m = mask?.data
        @inline(__always) func real(_ step: Int, _ seq: Int) -> Bool { m.map { $0[step * b + seq] != 0 } ?? true }

        var pooled = [Float](repeating: 0, count: b * f)
        switch kind {
        case .last:
            sourceStep = [Int](repeating: -1, count: b * f)
            for seq in 0..<b {
                // Forward half: the last real step; reverse half: the first real step.
                let lastReal = (0..<t).reversed().first { real($0, seq) } ?? -1
                let firstReal = (0..<t).first { real($0, seq) } ?? -1
                for j in 0..<f {
                    let step = j < h ? lastReal : firstReal
                    sourceStep[seq * f + j] = step
                    if step >= 0 { pooled[seq * f + j] = x[(step * b + seq) * f + j] }
                }
            }
        case .mean:
            stepWeight = [Float](repeating: 0, count: t * b)
            for seq in 0..<b {
                let count = (0..<t).reduce(0) { $0 + (real($1, seq) ? 1 : 0) }
                guard count > 0 else { continue }
                let w = 1 / Float(count)
                for step in 0..<t where real(step, seq) { stepWeight[step * b + seq] = w }
            }
            // Step-major, so every row of `outputs` is read once, in memory order.
            x.withUnsafeBufferPointer { x in
            pooled.withUnsafeMutableBufferPointer { pooled in
            stepWeight.withUnsafeBufferPointer { weights in
                for row in 0..<(t * b) where weights[row] != 0 {
                    let w = weights[row], source = x.baseAddress! + row * f
                    let target = pooled.baseAddress! + (row % b) * f
                    for j in 0..<f { target[j] += w * source[j] }
                }
            }}}
        case .max:
            sourceStep = [Int](repeating: -1, count: b * f)
            x.withUnsafeBufferPointer { x in
            pooled.withUnsafeMutableBufferPointer { pooled in
            sourceStep.withUnsafeMutableBufferPointer { source in
                // Step-major, so every row of `outputs` is read once, in memory order.
                for step in 0..<t {
                    for seq in 0..<b where real(step, seq) {
                        let row = x.baseAddress! + (step * b + seq) * f
                        let best = pooled.baseAddress! + seq * f, from = source.baseAddress! + seq * f
                        for j in 0..<f where from[j] < 0 || row[j] > best[j] {
                            best[j] = row[j]
                            from[j] = step
                        }
                    }
                }
            }}}
        case .attention:
            preconditionFailure("attention pooling has parameters: use AttentionPooling")
        }
        return Tensor(shape: [b, f], data: pooled)
    }

    /// Routes dL/dpooled [B, F] back to the steps it came from: [T, B, F].
    public func backward(_ gradPooled: Tensor) -> Tensor {
        let t = shape[0], b = shape[1], f = shape[2]
        precondition(gradPooled.count == b * f, "TemporalPooling.backward: gradient \(gradPooled.shape) is not [\(b), \(f)]")
        let g = gradPooled.data
        var dx = [Float](repeating: 0, count: t * b * f)
        switch kind {
        case .last, .max:
            for seq in 0..<b {
                for j in 0..<f {
                    let step = sourceStep[seq * f + j]
                    if step >= 0 { dx[(step * b + seq) * f + j] += g[seq * f + j] }
                }
            }
        case .mean:
            g.withUnsafeBufferPointer { g in
            dx.withUnsafeMutableBufferPointer { dx in
            stepWeight.withUnsafeBufferPointer { weights in
                for row in 0..<(t * b) where weights[row] != 0 {
                    let w = weights[row], source = g.baseAddress! + (row % b) * f
                    let target = dx.baseAddress! + row * f
                    for j in 0..<f { target[j] = w * source[j] }
                }
            }}}
        case .attention:
            preconditionFailure("attention pooling has parameters: use AttentionPooling")
        }
        return Tensor(shape: [t, b, f], data: dx)
    }
}
